"""Hyperparameter presets: a starting point a user can pick before touching any setting.

Each preset is a set of RunConfig overrides; anything it does not name keeps
the value already in the form.  The presets trade time for quality on the
bundled backbone (6 layers, 22.7 M parameters):

* quick try: one pass over the data with short inputs, to see in minutes
  whether the data and labels make sense at all;
* balanced: the core's defaults (measured to be a good trade-off);
* best quality: more epochs at a lower learning rate with longer inputs,
  evaluating every epoch and stopping early once validation macro-F1
  stalls, so the extra epochs cost nothing when they do not help.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from .config import RunConfig
from .errors import ConfigError


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    overrides: dict[str, Any]


_DEFAULTS = RunConfig()

PRESETS: tuple[Preset, ...] = (
    Preset(
        "quick",
        "Quick try",
        "One epoch on short inputs: a first result in minutes.",
        {
            "epochs": 1.0,
            "max_steps": None,
            "max_length": 64,
            "batch_size": 32,
            "learning_rate": 2e-4,
            "warmup_ratio": 0.06,
            "early_stopping_patience": 0,
        },
    ),
    Preset(
        "balanced",
        "Balanced",
        "The defaults: three epochs at length 128.",
        {
            name: getattr(_DEFAULTS, name)
            for name in (
                "epochs",
                "max_steps",
                "max_length",
                "batch_size",
                "learning_rate",
                "warmup_ratio",
                "early_stopping_patience",
            )
        },
    ),
    Preset(
        "best",
        "Best quality",
        "Up to eight epochs on longer inputs at a gentler learning rate; "
        "stops early when validation macro-F1 stops improving.",
        {
            "epochs": 8.0,
            "max_steps": None,
            "max_length": 256,
            "batch_size": 16,
            "learning_rate": 5e-5,
            "warmup_ratio": 0.1,
            "early_stopping_patience": 2,
        },
    ),
)


def preset_names() -> list[str]:
    return [p.name for p in PRESETS]


def get_preset(name: str) -> Preset:
    for preset in PRESETS:
        if preset.name == name:
            return preset
    raise ConfigError(f"unknown preset '{name}'.", f"Choose one of: {', '.join(preset_names())}.")


def apply_preset(config: RunConfig, name: str) -> RunConfig:
    """A copy of ``config`` with the preset's settings; data, backbone and output stay as they were."""
    values = config.to_dict()
    values.update(get_preset(name).overrides)
    return RunConfig.from_dict(values)


def matching_preset(config: RunConfig) -> str | None:
    """The preset whose settings ``config`` has exactly, if any (for showing which one is active)."""
    known = {f.name for f in fields(RunConfig)}
    for preset in PRESETS:
        if all(name in known and getattr(config, name) == value for name, value in preset.overrides.items()):
            return preset.name
    return None
