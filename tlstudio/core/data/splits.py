"""Train/validation splits: from a split column, or stratified by label.

The split is a pure function of the labels and the seed, so a resumed or
repeated run sees exactly the same rows in each split.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from ..errors import DataError
from .labels import normalize_label

TRAIN_NAMES = {"train", "training", "trn"}
EVAL_NAMES = {"validation", "valid", "val", "dev", "eval", "evaluation"}
TEST_NAMES = {"test", "testing", "tst", "holdout"}


def stratified_split(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Row positions for training and validation; see :func:`split_by_label`."""
    train, evaluation, _ = split_by_label(labels, fraction, seed)
    return train, evaluation


def split_by_label(labels: list[str], fraction: float, seed: int) -> tuple[list[int], list[int], str | None]:
    """Row positions for training and validation, and a note when part of the split could not be stratified.

    A class whose share of the hold-out is at least half a row gives that share to validation (stratified, as
    always). Classes too small for that (5,000 classes of two rows would otherwise put half the data in
    validation) are pooled: a random ``fraction`` of their rows is held out, never a class's last training row
    (a class seen only in validation cannot be scored). A class with a single row stays in training.
    """
    by_class: dict[str, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        by_class[label].append(position)
    rng = random.Random(seed)
    train, evaluation, pooled = [], [], []
    small = []
    for label in sorted(by_class):
        positions = by_class[label]
        rng.shuffle(positions)
        if len(positions) < 2:
            train += positions
        elif len(positions) * fraction < 0.5:
            small.append(label)
            pooled.append(positions)
        else:
            n_eval = min(max(1, round(len(positions) * fraction)), len(positions) - 1)
            evaluation += positions[:n_eval]
            train += positions[n_eval:]
    if pooled:
        # Each small class offers all but one of its rows; a random fraction of all their rows is taken from those.
        spare = [p for positions in pooled for p in positions[1:]]
        rng.shuffle(spare)
        # At least one row when nothing else is held out: a tiny file still gets a validation row, as before.
        wanted = min(len(spare), max(0 if evaluation else 1, round(sum(len(p) for p in pooled) * fraction)))
        held = set(spare[:wanted])
        evaluation += sorted(held)
        train += [p for positions in pooled for p in positions if p not in held]
    note = _small_classes_note(small, by_class, fraction) if small else None
    return sorted(train), sorted(evaluation), note


def _small_classes_note(small: list[str], by_class: dict[str, list[int]], fraction: float) -> str:
    need = math.ceil(0.5 / fraction) if fraction > 0 else 2
    return (
        f"{len(small):,} of {len(by_class):,} classes have only 2 to {need - 1} rows, too few to give each one "
        f"validation row at {fraction:.0%}; a random {fraction:.0%} of their rows is held out instead (each keeps "
        "at least one training row, so some of them have no validation row). The other classes are stratified."
    )


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
