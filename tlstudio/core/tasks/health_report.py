"""The full data-health report shown before training: balance, duplicates, leakage, conflicts.

It builds on :func:`~.health.classification_health` (classes, empty and
unlabelled rows, skew) and adds what needs more than a glance at the
columns: exact and near-duplicate texts, texts that carry different labels,
and validation rows that (nearly) repeat a training row under the split the
run will actually use.  Each item carries the rows it is about, so the app
can show them.  Near-duplicate search takes a few seconds on 10,000 texts;
the app runs this in the background.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..progress import NullSink
from ..data.duplicates import find_duplicates, find_leakage
from ..data.health import ClassificationHealth, classification_health
from ..data.labels import normalize_label

LISTED = 200  # rows kept per item for the app to show


@dataclass(frozen=True)
class HealthItem:
    level: str  # "error" | "warning" | "info"
    text: str
    kind: str = ""  # "balance", "duplicates", "near-duplicates", "conflicts", "leakage", ...
    rows: tuple[int, ...] = ()  # 0-based table positions the item is about


@dataclass
class HealthReport:
    basic: ClassificationHealth
    items: list[HealthItem] = field(default_factory=list)
    split_method: str | None = None
    skewed: bool = False  # the class-weighting offer applies

    @property
    def findings(self) -> list[HealthItem]:
        """Every item, the basic checks first (their duplicate count gives way to the fuller one here)."""
        replaced = {item.kind for item in self.items}
        basic = [
            HealthItem(f.level, f.text, f.kind)
            for f in self.basic.findings
            if not (f.kind and f.kind in replaced)
            and not (f.level == "info" and "no problems" in f.text and self.items)
        ]
        return basic + self.items

    @property
    def ok(self) -> bool:
        return self.basic.ok and not any(i.level == "error" for i in self.items)


def dataset_health(table, config, *, near: bool = True, cancel=None) -> HealthReport:
    """Everything wrong with ``table`` for a text-classification run set up as ``config``."""
    frame, text_column, label_column = table.frame, config.text_column, config.label_column
    basic = classification_health(frame, text_column, label_column)
    report = HealthReport(basic)
    if not basic.ok:
        return report
    counts = basic.label_counts
    if len(counts) >= 2:
        ratio = max(counts.values()) / max(1, min(counts.values()))
        from ..data.health import SKEW_RATIO

        report.skewed = ratio >= SKEW_RATIO
        if report.skewed and config.class_weighting == "off":
            report.items.append(
                HealthItem(
                    "warning",
                    f"Classes are skewed ({ratio:.1f}x) and class weighting is "
                    "off: rare classes will be predicted rarely.",
                    "balance",
                )
            )

    texts = frame[text_column].tolist()
    labels = [_label(v) for v in frame[label_column].tolist()]
    duplicates = find_duplicates(texts, near=near)
    if duplicates.exact_groups:
        rows = [r for group in duplicates.exact_groups for r in group]
        report.items.append(
            HealthItem(
                "warning",
                f"{duplicates.exact_extra:,} row(s) repeat an earlier text exactly (ignoring case and spaces), "
                f"in {len(duplicates.exact_groups):,} group(s).",
                "duplicates",
                tuple(rows[:LISTED]),
            )
        )
        conflicts = [g for g in duplicates.exact_groups if len({labels[r] for r in g if labels[r]}) > 1]
        if conflicts:
            rows = [r for group in conflicts for r in group]
            report.items.append(
                HealthItem(
                    "warning",
                    f"{len(conflicts):,} text(s) appear with different labels; a model cannot get both right. "
                    "Review them and keep one label.",
                    "conflicts",
                    tuple(rows[:LISTED]),
                )
            )
    if duplicates.near_pairs:
        rows = [r for i, j, _ in duplicates.near_pairs for r in (i, j)]
        report.items.append(
            HealthItem(
                "info",
                f"{len(duplicates.near_pairs):,} pair(s) of texts are near-duplicates (80% or more of their "
                "word sequences shared).",
                "near-duplicates",
                tuple(rows[:LISTED]),
            )
        )
    if cancel is not None and cancel.cancelled:
        return report
    _add_leakage(report, table, config, near)
    return report


def _add_leakage(report: HealthReport, table, config, near: bool) -> None:
    """Duplicates across the split a run would make (the same function, the same seed)."""
    from ..errors import TlStudioError
    from .classification_rows import read_rows, split_rows
    from .single_label import SingleLabel

    if config.eval_data:
        return  # a separate evaluation file: the run's own leakage check reads it (not loaded here)
    mode = SingleLabel()
    try:
        rows = read_rows(table, config.text_column, config.label_column, None, mode, NullSink())
        train, evaluation, summary = split_rows(rows, table, config, mode.stratify(rows.targets))
    except TlStudioError as exc:
        report.items.append(HealthItem("info", f"Leakage not checked: {exc.message}", "leakage"))
        return
    report.split_method = summary.get("method")
    leakage = find_leakage(train.texts, evaluation.texts, near=near)
    leaked = leakage.eval_rows_leaked
    if not leaked:
        report.items.append(
            HealthItem(
                "info",
                f"No validation text repeats a training text ({len(evaluation.texts):,} "
                f"validation rows, {summary.get('method')} split).",
                "leakage",
            )
        )
        return
    rows_out = []
    for t, e in leakage.exact:
        rows_out += [train.rows[t] - 1, evaluation.rows[e] - 1]
    for t, e, _ in leakage.near:
        rows_out += [train.rows[t] - 1, evaluation.rows[e] - 1]
    report.items.append(
        HealthItem(
            "warning",
            f"{leaked:,} of {len(evaluation.texts):,} validation rows repeat a training text "
            f"({len(leakage.exact):,} exactly, {len(leakage.near):,} nearly): validation scores will look "
            "better than the model is. Remove the copies, or keep each group in one split with a split column.",
            "leakage",
            tuple(rows_out[:LISTED]),
        )
    )


def _label(value) -> str | None:
    try:
        return normalize_label(value)
    except TypeError:
        return None
