"""The data health check on factorised codes and Arrow kernels counts exactly what the row-by-row check did."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tlstudio.core.data.health import classification_health, label_counts
from tlstudio.core.data.labels import normalize_label, sort_labels


def _row_by_row(frame: pd.DataFrame, text: str, label: str) -> tuple:
    """The counts as the first version of the check computed them: one Python value at a time."""
    names, usable_texts = [], []
    empty = unlabelled = 0

    def missing(value) -> bool:
        return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))

    for value, cell in zip(frame[text].tolist(), frame[label].tolist()):
        blank = missing(value) or str(value).strip() == ""
        try:
            name = None if missing(cell) else normalize_label(cell)
        except TypeError:
            name = None
        if blank and name is not None:
            empty += 1
        elif name is None and not blank:
            unlabelled += 1
        elif not blank:
            names.append(name)
            usable_texts.append(value)
    counts = pd.Series(names, dtype=object).value_counts()
    ordered = {n: int(counts[n]) for n in sort_labels(counts.index.tolist())}
    return ordered, len(names), unlabelled, empty, len(usable_texts) - len(set(usable_texts))


MESSY_TEXTS = ["good", "bad", "  ", None, "good", "fine", "", "bad ", "ok", "good", float("nan"), "meh"]
MESSY_LABELS = ["pos", " pos", "neg", "neg", "1", "1.0", None, "nan", "neg", "pos", "pos", "NULL"]


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", "string[python]"])
def test_messy_cells_are_counted_as_before_whatever_the_string_storage(dtype):
    frame = pd.DataFrame({"text": MESSY_TEXTS, "label": MESSY_LABELS}).astype(dtype)
    health = classification_health(frame, "text", "label")
    got = (health.label_counts, health.labelled, health.unlabelled, health.empty_text, health.duplicates)
    assert got == _row_by_row(frame, "text", "label")


def test_a_big_frame_gives_the_same_counts_as_checking_row_by_row():
    rng = np.random.default_rng(0)
    rows = 60_000
    words = np.array(["good", "bad", "slow", "fast", " ", "", "room", "staff"])
    texts = [" ".join(rng.choice(words, 3)) for _ in range(rows)]  # many repeats, some blank
    labels = rng.choice(np.array(["a", "b", " b", "3", "3.0", "", "none", "c"], dtype=object), rows)
    frame = pd.DataFrame({"text": texts, "label": labels}).astype("string[pyarrow]")
    frame.loc[rng.choice(rows, 500, replace=False), "text"] = None
    health = classification_health(frame, "text", "label")
    expected = _row_by_row(frame, "text", "label")
    assert (health.label_counts, health.labelled, health.unlabelled, health.empty_text, health.duplicates) == expected
    assert health.duplicates > 0 and health.empty_text > 0 and set(health.label_counts) == {"a", "b", "3", "c"}


def test_numbers_and_lists_as_labels():
    frame = pd.DataFrame({"text": ["x", "y", "z", "w"], "label": [1, 1.0, 2, np.nan]})
    assert classification_health(frame, "text", "label").label_counts == {"1": 2, "2": 1}
    listed = pd.DataFrame({"text": ["x", "y"], "label": [["a"], ["b", "c"]]})
    health = classification_health(listed, "text", "label")
    assert health.labelled == 0 and health.unlabelled == 2 and not health.ok
    assert label_counts(pd.Series(["b", "a", " b", None])) == {"b": 2, "a": 1}
