"""Reading a classification table into examples, and splitting them.

Shared by training and ``tlstudio evaluate``: the text (and, for sentence
pairs, the second text) of every usable row with its target, parsed by the
label mode (a class, a set of labels, or a number).  Rows that cannot be used
are counted and named, never silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.columns import require_column
from ..data.readers import read_table
from ..data.splits import random_split, split_by_label, split_from_column
from ..data.table import Table, list_numbers
from ..errors import DataError
from ..progress import Message


@dataclass
class Rows:
    texts: list[str]
    pairs: list[str] | None  # the second text of each pair, or None
    targets: list[Any]  # class name, list of class names, or float: whatever the label mode parsed
    rows: list[int]  # 1-based data row in the source file
    counts: dict[str, int] = field(default_factory=dict)

    def take(self, positions: list[int]) -> "Rows":
        return Rows(
            [self.texts[p] for p in positions],
            [self.pairs[p] for p in positions] if self.pairs is not None else None,
            [self.targets[p] for p in positions],
            [self.rows[p] for p in positions],
        )


def cell_text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def read_rows(table: Table, text_column: str, label_column: str, pair_column: str | None, mode, sink) -> Rows:
    """The usable rows of ``table``; unlabelled rows and rows with an empty text are skipped and named."""
    texts, pairs, targets, rows = [], [], [], []
    unlabelled, empty, bad = [], [], []
    frame = table.frame
    text_values = frame[text_column].tolist()
    label_values = frame[label_column].tolist()
    pair_values = frame[pair_column].tolist() if pair_column else [None] * len(frame)
    parser = mode.parser(label_values, label_column, table)
    for number, (text, pair, label) in enumerate(zip(text_values, pair_values, label_values), start=1):
        try:
            target = parser(label)
        except (TypeError, ValueError):
            bad.append(number)
            continue
        text, pair = cell_text(text), cell_text(pair)
        if not text.strip() or (pair_column and not pair.strip()):
            empty.append(number)
            continue
        if target is None:
            unlabelled.append(number)
            continue
        texts.append(text)
        pairs.append(pair)
        targets.append(target)
        rows.append(number)
    if bad:
        raise DataError(
            f"column '{label_column}' of {table.path} holds values that are not {mode.value_description} "
            f"in data row(s) {list_numbers(bad)}.",
            mode.bad_value_hint,
        )
    if not texts:
        raise DataError(
            f"{table.path} has no rows with both a '{text_column}' and a '{label_column}'.",
            "Check the column names and that the label column is filled in.",
        )
    columns = f"'{text_column}' or '{pair_column}'" if pair_column else f"'{text_column}'"
    if empty:
        sink.emit(
            Message(
                "warning",
                f"{table.path}: skipped {len(empty)} row(s) with an empty {columns} "
                f"(data row(s) {list_numbers(empty)}).",
            )
        )
    if unlabelled:
        sink.emit(
            Message(
                "info",
                f"{table.path}: {len(unlabelled)} row(s) have no '{label_column}' and count as "
                f"unlabelled; training uses the {len(texts)} labelled rows.",
            )
        )
    counts = {"labelled": len(texts), "unlabelled_skipped": len(unlabelled), "empty_text_skipped": len(empty)}
    return Rows(texts, pairs if pair_column else None, targets, rows, counts)


def read_eval_file(config, columns: list[str], flags: list[str], sink) -> Table:
    table = read_table(config.eval_data)
    for note in table.warnings:
        sink.emit(Message("warning", note))
    for column, flag in zip(columns, flags):
        require_column(table, column, f"{flag} (in the eval file)")
    return table


def split_rows(rows: Rows, table: Table, config, stratify: list | None, sink=None) -> tuple[Rows, Rows, dict[str, Any]]:
    """Training and validation rows from a split column or a (stratified when possible) random hold-out;
    ``sink`` hears why a split could not be stratified."""
    if config.split_column:
        column = require_column(table, config.split_column, "--split-column")
        values = table.frame[column].tolist()
        split_values = [values[r - 1] for r in rows.rows]
        train_pos, eval_pos, kind = split_from_column(split_values, column, str(table.path))
        return (
            rows.take(train_pos),
            rows.take(eval_pos),
            {"method": "split column", "column": column, "eval_split": kind},
        )
    if len(rows.texts) < 2:
        raise DataError(
            f"{table.path} has too few usable rows to hold any out for validation.",
            "Add rows or give an evaluation file with --eval-data.",
        )
    if stratify is not None:
        train_pos, eval_pos, note = split_by_label(stratify, config.eval_fraction, config.seed)
        method = "stratified, small classes pooled" if note else "stratified"
        if note and sink is not None:
            sink.emit(Message("warning", f"{table.path}: {note}"))
        if not eval_pos and len(set(stratify)) == len(stratify):
            raise DataError(
                f"every label in {table.path} is on a single row ({len(stratify):,} labels), so no class can be "
                "both trained on and validated.",
                "Check that --label-column names the class column (not an id or free text), or give an "
                "evaluation file with --eval-data.",
            )
    else:
        train_pos, eval_pos = random_split(len(rows.texts), config.eval_fraction, config.seed)
        method = "random"
    return (
        rows.take(train_pos),
        rows.take(eval_pos),
        {"method": method, "eval_fraction": config.eval_fraction, "seed": config.seed},
    )
