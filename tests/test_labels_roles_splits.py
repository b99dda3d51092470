"""Labels as people mean them, column suggestions, and reproducible splits."""

from __future__ import annotations

import pandas as pd
import pytest

from tlstudio.core.data.labels import normalize_label, sort_labels
from tlstudio.core.tasks.column_roles import suggest_roles
from tlstudio.core.data.splits import split_from_column, stratified_split
from tlstudio.core.errors import DataError


@pytest.mark.parametrize("value", [1, "1", 1.0, "1.0", " 1 ", "1.00"])
def test_numeric_looking_labels_are_one_label(value):
    assert normalize_label(value) == "1"


@pytest.mark.parametrize("value", [None, float("nan"), "", "  ", "NaN", "null"])
def test_empty_labels_mean_unlabelled(value):
    assert normalize_label(value) is None


def test_codes_and_names_are_kept():
    assert normalize_label("007") == "007"
    assert normalize_label("Positive ") == "Positive"
    assert normalize_label(True) == "true"
    assert normalize_label(2.5) == "2.5"


def test_sort_labels_numeric_and_text():
    assert sort_labels(["10", "2", "1"]) == ["1", "2", "10"]
    assert sort_labels(["neg", "Pos", "neutral"]) == ["neg", "neutral", "Pos"]


def test_suggested_roles_with_reasons():
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(60)],
            "review": [f"this is a fairly long review number {i} about a product" for i in range(60)],
            "stars": [str(i % 3) for i in range(60)],
        }
    )
    roles = suggest_roles(frame)
    assert roles["text"].column == "review" and "words" in roles["text"].reason
    assert roles["label"].column == "stars" and "3 distinct values" in roles["label"].reason


def test_stratified_split_is_reproducible_and_keeps_class_shares():
    labels = ["a"] * 65 + ["b"] * 25 + ["c"] * 10
    train, evaluation = stratified_split(labels, 0.1, seed=7)
    assert stratified_split(labels, 0.1, seed=7) == (train, evaluation)
    assert sorted(train + evaluation) == list(range(100))
    assert [labels[i] for i in evaluation].count("c") == 1
    assert stratified_split(labels, 0.1, seed=8) != (train, evaluation)


def test_split_column_prefers_validation_and_rejects_unknown_names():
    train, evaluation, kind = split_from_column(["train", "val", "test", "train"], "split", "f.csv")
    assert (train, evaluation, kind) == ([0, 3], [1], "validation")
    with pytest.raises(DataError, match="not a split name"):
        split_from_column(["train", "holdit"], "split", "f.csv")
