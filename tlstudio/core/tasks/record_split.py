"""The train/validation split of a task's records: an eval file, a split column, or a seeded random share.

Tasks whose rows are not single labels (tag sequences, source/target pairs,
prompts and responses) split the same three ways; the records only need their
1-based file rows in ``.rows`` and a ``.take(positions)``.  Single-label
classification stratifies by label instead (``text_classification``).
"""

from __future__ import annotations

from typing import Callable, TypeVar

from ..data.columns import require_column
from ..data.readers import read_table
from ..data.splits import random_split, split_from_column
from ..errors import DataError
from .base import emit_notes

Records = TypeVar("Records")


def split_records(
    config, table, records: Records, read_eval: Callable[[object], Records], sink, unit: str = "rows"
) -> tuple[Records, Records, dict]:
    """``(train, evaluation, split summary)``; ``read_eval(table)`` reads the eval file's records."""
    if config.eval_data:
        eval_table = read_table(config.eval_data)
        emit_notes(sink, eval_table.warnings)
        return records, read_eval(eval_table), {"method": "eval file", "eval_file": str(eval_table.path)}
    if config.split_column:
        column = require_column(table, config.split_column, "--split-column")
        values = table.frame[column].tolist()
        train_pos, eval_pos, kind = split_from_column([values[r - 1] for r in records.rows], column, str(table.path))
        return (
            records.take(train_pos),
            records.take(eval_pos),
            {"method": "split column", "column": column, "eval_split": kind},
        )
    count = len(records.rows)
    if count < 2:
        raise DataError(
            f"{config.data} has too few {unit} to hold any out for validation.",
            f"Add {unit} or give an evaluation file with --eval-data.",
        )
    train_pos, eval_pos = random_split(count, config.eval_fraction, config.seed)
    return (
        records.take(train_pos),
        records.take(eval_pos),
        {"method": "random", "eval_fraction": config.eval_fraction, "seed": config.seed},
    )
