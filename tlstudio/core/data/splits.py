"""Train/validation splits: from a split column, or stratified by label.

The split is a pure function of the labels and the seed, so a resumed or
repeated run sees exactly the same rows in each split.
"""

from __future__ import annotations

import random
from collections import defaultdict

from ..errors import DataError
from .labels import normalize_label

TRAIN_NAMES = {"train", "training", "trn"}
EVAL_NAMES = {"validation", "valid", "val", "dev", "eval", "evaluation"}
TEST_NAMES = {"test", "testing", "tst", "holdout"}


def stratified_split(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row positions for training and validation, keeping each class's share.

    Every class with at least two rows gets at least one validation row; a
    class with a single row stays in training (it cannot be in both).
    """
    by_class: dict[str, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        by_class[label].append(position)
    rng = random.Random(seed)
    train, evaluation = [], []
    for label in sorted(by_class):
        positions = by_class[label]
        rng.shuffle(positions)
        n_eval = round(len(positions) * fraction)
        if len(positions) >= 2:
            n_eval = min(max(1, n_eval), len(positions) - 1)
        else:
            n_eval = 0
        evaluation += positions[:n_eval]
        train += positions[n_eval:]
    return sorted(train), sorted(evaluation)


def random_split(count: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row positions for training and validation when there is nothing to stratify on."""
    positions = list(range(count))
    random.Random(seed).shuffle(positions)
    n_eval = min(max(1, round(count * fraction)), count - 1)
    return sorted(positions[n_eval:]), sorted(positions[:n_eval])


def split_from_column(values: list, column: str, source: str) -> tuple[list[int], list[int], str]:
    """Positions of training and evaluation rows named by a split column.

    Validation-like values are preferred for evaluation; test rows are used
    only when there is no validation split.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    unknown: set[str] = set()
    for position, value in enumerate(values):
        name = (normalize_label(value) or "").lower()
        if name in TRAIN_NAMES:
            groups["train"].append(position)
        elif name in EVAL_NAMES:
            groups["eval"].append(position)
        elif name in TEST_NAMES:
            groups["test"].append(position)
        elif name:
            unknown.add(name)
    if unknown:
        raise DataError(
            f"split column '{column}' in {source} has value(s) {', '.join(sorted(unknown)[:5])} that are not a split name.",
            "Use train, validation (or dev) and test.",
        )
    if not groups["train"]:
        raise DataError(f"split column '{column}' in {source} marks no rows as 'train'.")
    if groups["eval"]:
        return groups["train"], groups["eval"], "validation"
    if groups["test"]:
        return groups["train"], groups["test"], "test"
    raise DataError(
        f"split column '{column}' in {source} marks no rows as validation or test.",
        "Mark some rows 'validation', or leave out --split-column to hold out a share automatically.",
    )
