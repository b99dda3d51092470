"""run.json and metrics.json as typed values: :class:`RunRecord` reads every shape a tlstudio ever wrote and
writes it back unchanged; :class:`RunMetrics` gives a finished run's figures.  The files themselves are read
and written by ``folder.py``."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _optional(check):
    return lambda value: value is None or check(value)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_dict(value: Any) -> bool:
    return isinstance(value, dict)


def _dicts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# run.json key -> what its value must be for the typed field to hold it.  A value of another shape (a hand edit,
# an older or newer tlstudio) stays in ``extra`` untouched, so reading a record never loses or rewrites it.
_SHAPES = {
    "format": _optional(_is_str),
    "status": _is_str,
    "started_at": _optional(_is_str),
    "finished_at": _optional(_is_str),
    "config": _is_dict,
    "base_model": _optional(_is_str),
    "backbone_source": _optional(_is_str),
    "backbone_license": _optional(_is_str),
    "labels": _strings,
    "data": _is_dict,
    "hardware": _is_dict,
    "versions": _is_dict,
    "strategy": _optional(_is_dict),
    "adaptation": _optional(_is_dict),
    "error": _optional(_is_str),
    "total_steps": _optional(_is_int),
    "stopped_at_step": _optional(_is_int),
    "duration_seconds": _optional(_is_number),
    "checkpoints_deleted_bytes": _optional(_is_int),
    "adjustments": _dicts,
    "resumed_from": _optional(_is_str),
    "exports": _dicts,
}
_SEQUENCES = ("labels", "adjustments", "exports")  # lists in the file, tuples in the record


@dataclass(frozen=True)
class RunRecord:
    """run.json, typed.  The file's format is unchanged: :meth:`to_dict` gives back the JSON an older tlstudio
    (or another process) reads, with every key it was read with, in the same order."""

    config: Mapping[str, Any]
    format: str | None = None  # "tlstudio-run/1"; None in a record an early tlstudio wrote
    status: str = "unknown"  # running | completed | stopped | failed
    started_at: str | None = None
    finished_at: str | None = None
    base_model: str | None = None
    backbone_source: str | None = None
    backbone_license: str | None = None
    labels: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)  # path, sha256, the columns read, split sizes
    hardware: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, Any] = field(default_factory=dict)
    strategy: Mapping[str, Any] | None = None  # name, trainable_parameters, ...
    adaptation: Mapping[str, Any] | None = None  # the domain-adaptation stage's record, when the run had one
    error: str | None = None  # why the run stopped or failed
    total_steps: int | None = None
    stopped_at_step: int | None = None
    duration_seconds: float | None = None
    checkpoints_deleted_bytes: int | None = None
    adjustments: tuple[Mapping[str, Any], ...] = ()  # changes tlstudio made while it ran (a smaller batch)
    resumed_from: str | None = None  # the checkpoint a resumed run continued from
    exports: tuple[Mapping[str, Any], ...] = ()  # where the model was exported to, and when
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this tlstudio does not type
    # The keys the file held, in its order: to_dict writes them back in that order, so an older tlstudio (or a
    # diff) sees the same file, and adds a field the file lacked only once it is given a value.
    key_order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def from_dict(cls, record: Any, *, source: str | Path | None = None) -> RunRecord:
        """Read a run.json's object, as any tlstudio wrote it; ConfigError when it is no run record."""
        where = source or "the run record"
        if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
            raise ConfigError(
                f"{where} is not a tlstudio run record (it has no 'config' object).",
                "Pass the --output folder of a tlstudio run.",
            )
        typed: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in record.items():
            check = _SHAPES.get(key)
            if check is not None and check(value):
                value = copy.deepcopy(value)
                typed[key] = tuple(value) if key in _SEQUENCES else value
            else:
                extra[key] = copy.deepcopy(value)
        return cls(**typed, extra=extra, key_order=tuple(record))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for run.json (a copy: changing it leaves the record as it is)."""
        values = {name: getattr(self, name) for name in _SHAPES}
        defaults = {
            f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
            for f in dataclasses.fields(self)
            if f.name in _SHAPES and f.name != "config"
        }
        defaults["config"] = None  # always written: a record without it is no run
        # A typed field replaces the odd-shaped value read under its key once it is given a value of its own.
        chosen = {key: value for key, value in values.items() if value != defaults[key] or key not in self.extra}
        out: dict[str, Any] = {}
        for key in self.key_order:
            if key in chosen:
                out[key] = chosen[key]
            elif key in self.extra:
                out[key] = self.extra[key]
        for key, value in chosen.items():
            if key not in out and value != defaults[key]:
                out[key] = value
        for key, value in self.extra.items():
            if key not in chosen:
                out.setdefault(key, value)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in copy.deepcopy(out).items()}

    def replace(self, **changes: Any) -> RunRecord:
        """This record with some fields changed (``dataclasses.replace``; the record is frozen)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------ readers' shortcuts
    @property
    def task(self) -> str | None:
        task = self.config.get("task")
        return task if isinstance(task, str) and task else None

    @property
    def is_finished(self) -> bool:
        return self.status == "completed"

    @property
    def data_sha256(self) -> str | None:
        value = self.data.get("sha256")
        return value if isinstance(value, str) and value else None

    @property
    def data_path(self) -> str | None:
        value = self.data.get("path")
        return value if isinstance(value, str) and value else None

    @property
    def strategy_name(self) -> str | None:
        """How the backbone was trained (full, frozen, lora...): the strategy record, else the setting."""
        name = self.strategy.get("name") if self.strategy is not None else self.config.get("strategy")
        return name if isinstance(name, str) else None

    @property
    def backbone(self) -> str | None:
        """The model the run started from: its Hub name when known, else the backbone setting."""
        setting = self.config.get("backbone")
        return self.base_model or (setting if isinstance(setting, str) else None)

    def settings(self) -> dict[str, Any]:
        """The recorded config, with paths found again so the run repeats from anywhere (recorded_config)."""
        return recorded_config(self.to_dict())


@dataclass(frozen=True)
class RunMetrics:
    """metrics.json: the figures of a finished run (or of one evaluation) and the task that reads them."""

    values: Mapping[str, Any]

    @property
    def task(self) -> str | None:
        task = self.values.get("task")
        return task if isinstance(task, str) and task else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def number(self, key: str) -> float | None:
        value = self.values.get(key)
        return float(value) if _is_number(value) else None

    @property
    def notes(self) -> list[str]:
        """What the run wants the user to know about its figures (a tiny validation split...)."""
        notes = self.values.get("notes")
        return [str(note) for note in notes] if isinstance(notes, list) else []

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.values))


def recorded_config(record: dict[str, Any]) -> dict[str, Any]:
    """The recorded config, with paths an older tlstudio kept as typed (relative to the folder the run was
    started from) found again from the absolute data path it also recorded, so resume works from anywhere."""
    values = dict(record["config"])
    data = values.get("data")
    data_record = record.get("data")
    recorded = data_record.get("path") if isinstance(data_record, dict) else None
    if not (isinstance(data, str) and data and not Path(data).is_absolute() and isinstance(recorded, str)):
        return values
    recorded_path = Path(recorded)
    if not recorded_path.exists() or Path(data).exists():
        return values
    # data 'sets/train.csv' recorded as '/home/u/proj/sets/train.csv': the run started in /home/u/proj.
    parts = Path(data).parts
    started_in = recorded_path.parents[len(parts) - 1] if recorded_path.parts[-len(parts) :] == parts else None
    values["data"] = str(recorded_path)
    for name in ("eval_data", "adapt_path", "backbone", "subtasks"):
        value = values.get(name)
        if (
            started_in is not None
            and isinstance(value, str)
            and value
            and not Path(value).is_absolute()
            and (started_in / value).exists()
        ):
            values[name] = str(started_in / value)
    return values
