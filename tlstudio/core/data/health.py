"""Problems in a classification dataset, found before a run and said in plain words.

The Data page lists these next to the data; the same checks that would stop
a run (one class, no labelled rows) are errors here, and things that quietly
hurt a model (skewed classes, duplicates, classes too small to validate) are
warnings.  Vectorised over pandas so a million rows take about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .labels import normalize_label, sort_labels

if TYPE_CHECKING:
    import pandas as pd

SKEW_RATIO = 3.0  # the same threshold class_weighting='auto' uses
MAX_CLASSES = 200


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning" | "info"
    text: str
    kind: str = ""  # what it is about ("duplicates", "balance", ...), for fuller reports to replace it


@dataclass(frozen=True)
class ClassificationHealth:
    label_counts: dict[str, int]
    labelled: int
    unlabelled: int
    empty_text: int
    duplicates: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)


def classification_health(frame: "pd.DataFrame", text_column: str | None,
                          label_column: str | None) -> ClassificationHealth:
    findings: list[Finding] = []
    if not text_column or not label_column:
        missing = "text" if not text_column else "label"
        return ClassificationHealth({}, 0, 0, 0, 0, (Finding("error", f"Choose the {missing} column."),))
    if text_column == label_column:
        return ClassificationHealth({}, 0, 0, 0, 0, (
            Finding("error", f"The text and label columns are both '{text_column}'; choose different columns."),))

    texts = frame[text_column]
    text_missing = texts.isna() | (texts.astype("string").str.strip().fillna("") == "")
    labels = _normalized_labels(frame[label_column])
    label_missing = labels.isna()
    usable = ~text_missing & ~label_missing
    counts_raw = labels[usable].value_counts()
    counts = {name: int(counts_raw[name]) for name in sort_labels(counts_raw.index.tolist())}
    labelled = int(usable.sum())
    empty_text = int((text_missing & ~label_missing).sum())
    unlabelled = int((label_missing & ~text_missing).sum())
    duplicates = int(texts[usable].duplicated().sum())

    if labelled == 0:
        findings.append(Finding("error", f"No row has both a '{text_column}' and a '{label_column}'."))
    elif len(counts) < 2:
        findings.append(Finding("error", f"Only one class ('{next(iter(counts))}') among the labelled rows; "
                                         "a classifier needs at least two."))
    elif len(counts) > MAX_CLASSES:
        findings.append(Finding("warning", f"'{label_column}' has {len(counts):,} different values: is it really "
                                           "the label column?"))
    if unlabelled:
        findings.append(Finding("info", f"{unlabelled:,} row(s) have no label and will not be used for training."))
    if empty_text:
        findings.append(Finding("warning", f"{empty_text:,} labelled row(s) have an empty '{text_column}' and will "
                                           "be skipped."))
    if len(counts) >= 2:
        largest, smallest = max(counts.values()), min(counts.values())
        if largest >= SKEW_RATIO * smallest:
            rare = min(counts, key=counts.get)
            common = max(counts, key=counts.get)
            findings.append(Finding("warning", f"Classes are skewed: '{common}' has {largest / smallest:.1f}x the rows "
                                               f"of '{rare}'. The loss is weighted by class frequency (class "
                                               "weighting 'auto')."))
        singletons = [name for name, n in counts.items() if n < 2]
        if singletons:
            findings.append(Finding("warning", f"{len(singletons)} class(es) have a single row "
                                               f"({', '.join(singletons[:5])}); they cannot appear in validation."))
    if duplicates:
        findings.append(Finding("warning", f"{duplicates:,} labelled row(s) repeat an earlier text; a duplicate in "
                                           "both splits makes validation scores look better than they are.",
                                "duplicates"))
    if not findings:
        findings.append(Finding("info", f"{labelled:,} labelled rows in {len(counts)} classes; no problems found."))
    return ClassificationHealth(counts, labelled, unlabelled, empty_text, duplicates, tuple(findings))


def _normalized_labels(column: "pd.Series") -> "pd.Series":
    """Each cell's canonical label (as a training run sees it), NaN where the row is unlabelled."""
    unique = column.dropna().unique()
    mapping = {}
    for value in unique:
        try:
            mapping[value] = normalize_label(value)
        except TypeError:  # lists or objects: not a label
            mapping[value] = None
    try:
        normalized = column.map(mapping)
    except TypeError:  # unhashable cells (lists from JSON)
        normalized = column.map(lambda v: None)
    return normalized.astype("object").where(normalized.notna(), None).astype("string")
