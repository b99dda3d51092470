"""Fairness and shortcuts by slice: how a model (and the labels) differ across the values of a column.

Pick a column such as a source, a demographic or a product category:

- :func:`slice_metrics` scores a run's validation predictions per value
  (the largest values, side by side) and calls out the largest gap;
- :func:`label_balance_by_slice` looks at the labels alone, before training:
  a value whose rows are nearly all one class (while the data overall is
  mixed) is a shortcut a model can learn instead of the text.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import DataError
from .labels import normalize_label

TOP_SLICES = 10
MIN_ROWS = 5  # slices with fewer validation rows are shown but not used for the gap: their scores are noise
SHORTCUT_SHARE = 0.9


@dataclass(frozen=True)
class SliceMetrics:
    value: str
    rows: int
    accuracy: float
    macro_f1: float


@dataclass(frozen=True)
class SliceReport:
    column: str
    overall: SliceMetrics
    slices: list[SliceMetrics]
    other_rows: int = 0  # validation rows in values beyond the largest ``top``
    missing_rows: int = 0  # validation rows with no value in the column

    @property
    def gap(self) -> tuple[SliceMetrics, SliceMetrics] | None:
        """(best, worst) by accuracy among slices with at least MIN_ROWS rows."""
        sized = [s for s in self.slices if s.rows >= MIN_ROWS]
        if len(sized) < 2:
            return None
        return max(sized, key=lambda s: s.accuracy), min(sized, key=lambda s: s.accuracy)

    def gap_text(self) -> str:
        gap = self.gap
        if gap is None:
            return f"Too few validation rows per '{self.column}' value to compare slices (at least {MIN_ROWS} each)."
        best, worst = gap
        return (
            f"Largest gap: accuracy {best.accuracy:.1%} on '{best.value}' ({best.rows} rows) against "
            f"{worst.accuracy:.1%} on '{worst.value}' ({worst.rows} rows), {best.accuracy - worst.accuracy:.1%} "
            "apart."
        )


def _metrics(value: str, pairs: list[tuple[str, str]]) -> SliceMetrics:
    from sklearn.metrics import f1_score

    truth = [t for t, _ in pairs]
    predicted = [p for _, p in pairs]
    accuracy = sum(t == p for t, p in pairs) / len(pairs)
    return SliceMetrics(
        value, len(pairs), accuracy, float(f1_score(truth, predicted, average="macro", zero_division=0))
    )


def slice_metrics(records: Sequence[dict], values: Sequence[Any], column: str, *, top: int = TOP_SLICES) -> SliceReport:
    """Per-value metrics of validation ``records`` (eval_predictions.jsonl) with ``values[row - 1]`` the slice."""
    by_value: dict[str, list[tuple[str, str]]] = defaultdict(list)
    everything, missing = [], 0
    for record in records:
        if "predicted" not in record or "label" not in record:
            raise DataError("slice metrics need single-label predictions (a label and a prediction per row).")
        pair = (str(record["label"]), str(record["predicted"]))
        everything.append(pair)
        row = int(record["row"]) - 1
        value = normalize_label(values[row]) if 0 <= row < len(values) else None
        if value is None:
            missing += 1
        else:
            by_value[value].append(pair)
    if not everything:
        raise DataError("the run has no validation predictions to slice.")
    largest = sorted(by_value, key=lambda v: (-len(by_value[v]), v))[:top]
    other = sum(len(by_value[v]) for v in by_value if v not in largest)
    return SliceReport(
        column, _metrics("all rows", everything), [_metrics(v, by_value[v]) for v in largest], other, missing
    )


def run_slice_metrics(run_dir: str | Path, column: str, *, top: int = TOP_SLICES) -> SliceReport:
    """Slice metrics of a finished run, reading its validation predictions and the file they came from."""
    from ..runs.folder import PREDICTIONS_FILE, RunFolder
    from .columns import require_column
    from .readers import read_table

    run = RunFolder(run_dir)
    predictions = run.path / PREDICTIONS_FILE
    if not predictions.is_file():
        raise DataError(
            f"{run.path} has no validation predictions ({PREDICTIONS_FILE}).",
            "Slice metrics need a finished classification run.",
        )
    config = run.read_run().get("config") or {}
    source = config.get("eval_data") or config.get("data")
    if not source or not Path(source).is_file():
        raise DataError(
            f"the data file of the run in {run.path} ({source}) is no longer there.",
            "Slices are read from the file the run was validated on.",
        )
    table = read_table(source)
    name = require_column(table, column, "slice column")
    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").split("\n") if line.strip()]
    return slice_metrics(records, table.frame[name].tolist(), name, top=top)


@dataclass(frozen=True)
class SliceBalance:
    value: str
    rows: int
    label_counts: dict[str, int] = field(default_factory=dict)

    @property
    def top_share(self) -> float:
        return max(self.label_counts.values()) / self.rows if self.rows else 0.0

    @property
    def top_label(self) -> str:
        return max(self.label_counts, key=self.label_counts.get)


def label_balance_by_slice(
    slice_values: Sequence[Any], labels: Sequence[Any], *, top: int = TOP_SLICES
) -> tuple[list[SliceBalance], list[str]]:
    """The class counts within the largest slices, and a warning for each slice that is a label shortcut."""
    groups: dict[str, Counter] = defaultdict(Counter)
    overall: Counter = Counter()
    for value, label in zip(slice_values, labels):
        value, label = normalize_label(value), _label(label)
        if value is None or label is None:
            continue
        groups[value][label] += 1
        overall[label] += 1
    largest = sorted(groups, key=lambda v: (-sum(groups[v].values()), v))[:top]
    balances = [SliceBalance(v, sum(groups[v].values()), dict(groups[v].most_common())) for v in largest]
    warnings = []
    total = sum(overall.values())
    overall_top = max(overall.values()) / total if total else 1.0
    for balance in balances:
        if balance.rows >= 20 and balance.top_share >= SHORTCUT_SHARE and overall_top < 0.75:
            warnings.append(
                f"'{balance.value}': {balance.top_share:.0%} of its {balance.rows} rows are "
                f"'{balance.top_label}' (overall {overall[balance.top_label] / total:.0%}); where the "
                "texts reveal the slice (a source's name, a brand), a model can learn the slice instead "
                "of the content."
            )
    return balances, warnings


def _label(value: Any) -> str | None:
    try:
        return normalize_label(value)
    except TypeError:
        return None
