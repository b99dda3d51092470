"""Two runs side by side: their headline metrics, the differences, and the settings that explain them.

The app's Runs page shows this for any two runs of one task; its main use is
the question a technique raises ("did domain adaptation help?", "LoRA or full
fine-tuning?"): the same data and split, one choice changed.  Whether the two
runs were scored on the same validation rows is checked, because a difference
measured on different rows says little.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import RunConfig, config_fields, setting_applies
from ..errors import ConfigError
from .folder import METRICS_FILE, RUN_FILE

# Quality figures in the order a reader looks for them; the first few present make the table.
QUALITY = (
    "accuracy",
    "macro_f1",
    "weighted_f1",
    "macro_precision",
    "macro_recall",
    "micro_f1",
    "samples_f1",
    "exact_match",
    "f1",
    "precision",
    "recall",
    "mse",
    "rmse",
    "mae",
    "pearson",
    "spearman",
    "r2",
    "bleu",
    "chrf",
    "rouge1",
    "rouge2",
    "rougeL",
    "rougeLsum",
    "perplexity",
    "eval_loss",
)
LOWER_IS_BETTER = {"mse", "rmse", "mae", "perplexity", "eval_loss", "train_runtime_seconds"}
NEUTRAL = {"trainable_parameters"}  # more or fewer is a trade-off, not a win
# What the runs cost, after the quality figures.
COST = ("train_runtime_seconds", "trainable_parameters")
TITLES = {
    "macro_f1": "macro-F1",
    "weighted_f1": "weighted F1",
    "micro_f1": "micro-F1",
    "samples_f1": "samples F1",
    "f1": "entity F1",
    "eval_loss": "validation loss",
    "train_runtime_seconds": "training time (s)",
    "trainable_parameters": "trainable parameters",
    "exact_match": "exact match",
    "rougeL": "ROUGE-L",
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rougeLsum": "ROUGE-Lsum",
    "bleu": "BLEU",
    "chrf": "chrF",
    "r2": "R²",
    "mse": "MSE",
    "rmse": "RMSE",
    "mae": "MAE",
}
# Settings that never change what a model learns (where it is written, how often it logs).
IRRELEVANT = {"output", "device", "report_to", "logging_steps", "save_total_limit", "checkpoint_steps"}
# Settings that, if different, mean the validation rows differ too.
SPLIT_SETTINGS = ("data", "eval_data", "split_column", "eval_fraction", "seed", "label_column", "text_column")


@dataclass(frozen=True)
class MetricRow:
    key: str
    title: str
    a: float | None
    b: float | None
    higher_is_better: bool
    quality: bool  # a quality figure (else a cost: time, parameters)

    @property
    def difference(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def better(self) -> str | None:
        """'a', 'b' or None (equal or not comparable)."""
        diff = self.difference
        if not diff or self.key in NEUTRAL:
            return None
        return "b" if (diff > 0) == self.higher_is_better else "a"


@dataclass(frozen=True)
class RunComparison:
    a: Path
    b: Path
    task: str
    metrics: tuple[MetricRow, ...]
    settings: tuple[tuple[str, Any, Any], ...]  # (name, value in a, value in b) for every setting that differs
    adaptation: tuple[bool, bool]  # whether each run had a domain-adaptation stage
    notes: tuple[str, ...]

    @property
    def headline(self) -> MetricRow | None:
        return next((row for row in self.metrics if row.quality and row.difference is not None), None)

    def summary(self) -> str:
        """One sentence: which run scores better on the headline figure, and the choice that differs."""
        row = self.headline
        if row is None:
            return "The two runs share no metric to compare."
        if not row.difference:
            verdict = f"Both runs score the same {row.title} ({_number(row.a)})."
        else:
            winner = self.b.name if row.better == "b" else self.a.name
            verdict = (
                f"{winner} scores better: {row.title} {_number(row.a)} → {_number(row.b)} ({_signed(row.difference)})."
            )
        if self.adaptation[0] != self.adaptation[1]:
            adapted = self.a.name if self.adaptation[0] else self.b.name
            verdict += f" {adapted} had the domain-adaptation stage."
        return verdict


def _number(value: float | None, key: str = "") -> str:
    if value is None:
        return "–"
    if key == "train_runtime_seconds":
        return f"{value:,.1f}"
    if float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3f}"


def _signed(value: float | None, key: str = "") -> str:
    if value is None:
        return ""
    return "0" if value == 0 else ("+" if value > 0 else "") + _number(value, key)


def format_value(value: float | None, key: str = "") -> str:
    return _number(value, key)


def format_difference(row: MetricRow) -> str:
    return _signed(row.difference, row.key)


def _read(path: Path) -> tuple[dict, dict]:
    try:
        record = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(
            f"{path} is not a readable tlstudio run (no {RUN_FILE}).", "Choose a run folder from the Runs list."
        ) from None
    try:
        metrics = json.loads((path / METRICS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metrics = {}
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        raise ConfigError(f"{path / RUN_FILE} holds no run settings.", "Choose a run folder from the Runs list.")
    return record, metrics if isinstance(metrics, dict) else {}


def _number_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _config(values: dict) -> RunConfig:
    """A run's settings with the task's defaults filled in: a learning rate left unset and one set to the
    task's default are the same choice."""
    known = {f.name for f in config_fields()}
    try:
        return RunConfig.from_dict({k: v for k, v in values.items() if k in known}).with_task_defaults()
    except ConfigError:
        return RunConfig().with_task_defaults()


def compare_runs(a: str | Path, b: str | Path) -> RunComparison:
    """Compare run folder ``a`` (the reference) with ``b``; differences read as b minus a."""
    a, b = Path(a).resolve(), Path(b).resolve()
    (record_a, metrics_a), (record_b, metrics_b) = _read(a), _read(b)
    config_a, config_b = record_a["config"], record_b["config"]
    task_a, task_b = config_a.get("task"), config_b.get("task")
    if task_a != task_b:
        raise ConfigError(
            f"{a.name} learnt {task_a} and {b.name} {task_b}: their metrics do not compare.",
            "Choose two runs of the same task.",
        )
    rows = []
    for key in QUALITY + COST:
        value_a, value_b = _number_or_none(metrics_a.get(key)), _number_or_none(metrics_b.get(key))
        if value_a is None and value_b is None:
            continue
        rows.append(
            MetricRow(
                key,
                TITLES.get(key, key.replace("_", " ")),
                value_a,
                value_b,
                key not in LOWER_IS_BETTER,
                key in QUALITY,
            )
        )
    settings = _setting_changes(_config(config_a), _config(config_b))
    adaptation = (
        bool(record_a.get("adaptation") or metrics_a.get("adaptation")),
        bool(record_b.get("adaptation") or metrics_b.get("adaptation")),
    )
    return RunComparison(
        a,
        b,
        task_a or "",
        tuple(rows),
        settings,
        adaptation,
        tuple(_notes(record_a, record_b, metrics_a, metrics_b, settings)),
    )


def _setting_changes(config_a: RunConfig, config_b: RunConfig):
    changes = []
    for f in config_fields():
        if f.name in IRRELEVANT:
            continue
        applies_a, applies_b = setting_applies(f, config_a), setting_applies(f, config_b)
        if not (applies_a or applies_b):
            continue  # e.g. LoRA rank in two runs without LoRA
        value_a = getattr(config_a, f.name) if applies_a else None
        value_b = getattr(config_b, f.name) if applies_b else None
        if value_a != value_b:
            changes.append((f.name, value_a, value_b))
    return tuple(changes)


def _notes(record_a, record_b, metrics_a, metrics_b, settings) -> list[str]:
    notes = []
    for record in (record_a, record_b):
        if record.get("status") not in (None, "completed"):
            notes.append(
                f"One run did not finish ({record.get('status')}): its figures are from its last evaluation, if any."
            )
            break
    changed = {name for name, _a, _b in settings}
    split_a = (metrics_a.get("data") or {}).get("eval_size"), (metrics_a.get("data") or {}).get("split")
    split_b = (metrics_b.get("data") or {}).get("eval_size"), (metrics_b.get("data") or {}).get("split")
    if changed & set(SPLIT_SETTINGS) or split_a != split_b:
        notes.append(
            "The runs were scored on different validation rows (the data or the split differs), so part "
            "of the difference may come from the rows rather than the training."
        )
    eval_size = (metrics_a.get("data") or {}).get("eval_size") or metrics_a.get("eval_size")
    if isinstance(eval_size, (int, float)) and 0 < eval_size < 200:
        notes.append(
            f"Only {int(eval_size)} validation rows: differences of a few points can be chance; "
            "repeat with other seeds before trusting them."
        )
    return notes


def without_adaptation(config: RunConfig) -> RunConfig:
    """The same run with the domain-adaptation stage left out: the baseline that shows what adaptation adds."""
    return dataclasses.replace(config, adapt_source="off", output="")


def _adaptation_setting(name: str) -> bool:
    f = next(f for f in config_fields() if f.name == name)
    return name == "adapt_source" or "adapt_source" in f.metadata.get("when", {})


def find_counterpart(run: str | Path, candidates: list[str | Path]) -> Path | None:
    """A finished run among ``candidates`` with the same settings as ``run`` except domain adaptation (on in
    one, off in the other): the pair to show side by side. The newest such one, or None."""
    run = Path(run).resolve()
    record, _ = _read(run)
    adapted = record["config"].get("adapt_source", "off") != "off"
    config = _config(record["config"])
    found: tuple[str, Path] | None = None
    for candidate in candidates:
        candidate = Path(candidate).resolve()
        if candidate == run:
            continue
        try:
            other, _ = _read(candidate)
        except ConfigError:
            continue
        if other.get("status") != "completed" or (other["config"].get("adapt_source", "off") != "off") == adapted:
            continue
        changes = _setting_changes(config, _config(other["config"]))
        if all(_adaptation_setting(name) for name, _a, _b in changes):
            started = other.get("started_at") or ""
            if found is None or started > found[0]:
                found = (started, candidate)
    return found[1] if found else None
