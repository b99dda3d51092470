"""Problems in a classification dataset, found before a run and said in plain words.

The Data page lists these next to the data; the same checks that would stop
a run (one class, no labelled rows) are errors here, and things that quietly
hurt a model (skewed classes, duplicates, classes too small to validate) are
warnings.  A million rows take about a second, off the GUI thread, and never hold
the GIL for long: the work is done on factorised codes (one normalisation per
distinct label, one hash per text) and, for the Arrow-backed strings the CSV
reader gives, in pyarrow's kernels, which release the GIL.  Element-wise
conversions to Python objects (``map`` with a dict, ``astype(object)``) held it
for seconds on a million rows and froze the window while the Data page profiled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .labels import case_variants_note, normalize_label, sort_labels

if TYPE_CHECKING:
    import numpy as np
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


def classification_health(
    frame: "pd.DataFrame", text_column: str | None, label_column: str | None
) -> ClassificationHealth:
    findings: list[Finding] = []
    if not text_column or not label_column:
        missing = "text" if not text_column else "label"
        return ClassificationHealth({}, 0, 0, 0, 0, (Finding("error", f"Choose the {missing} column."),))
    if text_column == label_column:
        return ClassificationHealth(
            {},
            0,
            0,
            0,
            0,
            (Finding("error", f"The text and label columns are both '{text_column}'; choose different columns."),),
        )

    texts = frame[text_column]
    text_missing = _blank(texts)
    label_codes, label_names = _label_codes(frame[label_column])
    label_missing = label_codes < 0
    usable = ~text_missing & ~label_missing
    merged = _merged_counts(label_codes[usable], label_names)
    counts = {name: merged[name] for name in sort_labels(merged)}
    labelled = int(usable.sum())
    empty_text = int((text_missing & ~label_missing).sum())
    unlabelled = int((label_missing & ~text_missing).sum())
    duplicates = _repeated(texts, usable)

    if labelled == 0:
        findings.append(Finding("error", f"No row has both a '{text_column}' and a '{label_column}'."))
    elif len(counts) < 2:
        findings.append(
            Finding(
                "error",
                f"Only one class ('{next(iter(counts))}') among the labelled rows; a classifier needs at least two.",
            )
        )
    elif len(counts) > MAX_CLASSES:
        findings.append(
            Finding("warning", f"'{label_column}' has {len(counts):,} different values: is it really the label column?")
        )
    variants = case_variants_note(counts, label_column)
    if variants:
        findings.append(Finding("warning", variants, "label variants"))
    if unlabelled:
        findings.append(Finding("info", f"{unlabelled:,} row(s) have no label and will not be used for training."))
    if empty_text:
        findings.append(
            Finding("warning", f"{empty_text:,} labelled row(s) have an empty '{text_column}' and will be skipped.")
        )
    if len(counts) >= 2:
        largest, smallest = max(counts.values()), min(counts.values())
        if largest >= SKEW_RATIO * smallest:
            rare = min(counts, key=counts.get)
            common = max(counts, key=counts.get)
            findings.append(
                Finding(
                    "warning",
                    f"Classes are skewed: '{common}' has {largest / smallest:.1f}x the rows "
                    f"of '{rare}'. The loss is weighted by class frequency (class "
                    "weighting 'auto').",
                )
            )
        singletons = [name for name, n in counts.items() if n < 2]
        if singletons:
            findings.append(
                Finding(
                    "warning",
                    f"{len(singletons)} class(es) have a single row "
                    f"({', '.join(singletons[:5])}); they cannot appear in validation.",
                )
            )
    if duplicates:
        findings.append(
            Finding(
                "warning",
                f"{duplicates:,} labelled row(s) repeat an earlier text; a duplicate in "
                "both splits makes validation scores look better than they are.",
                "duplicates",
            )
        )
    if not findings:
        findings.append(Finding("info", f"{labelled:,} labelled rows in {len(counts)} classes; no problems found."))
    return ClassificationHealth(counts, labelled, unlabelled, empty_text, duplicates, tuple(findings))


def _arrow_strings(column: "pd.Series"):
    """The column's pyarrow ChunkedArray when it holds Arrow-backed strings (as CSVs are read), else None."""
    if getattr(column.dtype, "storage", None) != "pyarrow":
        return None
    try:
        return column.array.__arrow_array__()
    except (AttributeError, TypeError):
        return None


def _blank(texts: "pd.Series") -> "np.ndarray":
    """True where a text cell is missing or only whitespace."""
    arrow = _arrow_strings(texts)
    if arrow is not None:
        import pyarrow.compute as pc

        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arrow), ""), True)
        return blank.to_numpy().astype(bool, copy=False)
    return (texts.isna() | (texts.astype("string").str.strip().fillna("") == "")).to_numpy(dtype=bool)


def _label_codes(column: "pd.Series") -> tuple["np.ndarray", list[str]]:
    """Each row's label as an index into canonical names (as a training run sees them), -1 when unlabelled.

    Distinct cells are normalised once each; cells that differ only in spelling ("1" and "1.0",
    " pos" and "pos") get different codes that share a name, merged when counted.
    """
    import numpy as np
    import pandas as pd

    try:
        codes, uniques = pd.factorize(column)
    except TypeError:  # unhashable cells (lists from JSON): no row has a label
        return np.full(len(column), -1, dtype=np.intp), []
    names: list[str] = []
    remap = np.full(len(uniques) + 1, -1, dtype=np.intp)  # the last slot maps factorize's -1 (missing)
    for index, value in enumerate(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)):
        try:
            name = normalize_label(value)
        except TypeError:  # a list or object: not a label
            name = None
        if name is not None:
            remap[index] = len(names)
            names.append(name)
    return remap[codes], names


def label_counts(column: "pd.Series") -> dict[str, int]:
    """Rows per canonical label (unlabelled rows left out), the most frequent first."""
    codes, names = _label_codes(column)
    merged = _merged_counts(codes[codes >= 0], names)
    return dict(sorted(merged.items(), key=lambda item: -item[1]))


def _merged_counts(codes: "np.ndarray", names: list[str]) -> dict[str, int]:
    """Rows per name, for label codes that are all >= 0 (codes sharing a name are added up)."""
    import numpy as np

    merged: dict[str, int] = {}
    for name, count in zip(names, np.bincount(codes, minlength=len(names)).tolist()):
        if count:
            merged[name] = merged.get(name, 0) + count
    return merged


def _repeated(texts: "pd.Series", usable: "np.ndarray") -> int:
    """Usable rows whose text repeats that of an earlier usable row."""
    import numpy as np
    import pandas as pd

    try:
        codes, uniques = pd.factorize(texts)
    except TypeError:  # unhashable cells: nothing to compare
        return 0
    seen = np.zeros(len(uniques) + 1, dtype=bool)
    seen[codes[usable]] = True
    return int(usable.sum()) - int(seen.sum())
