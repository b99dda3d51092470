"""The cells a user changed in a loaded table, and their values before the first change.

:class:`EditedTable` applies :class:`CellChange` batches to the table's frame
(undo is just the reversed batch) and keeps, for every cell ever touched, the
value the file holds.  Saving writes only the cells whose value now differs
from the file's, so editing a label and changing it back leaves the record
untouched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

Cell = tuple[int, str]  # (0-based row position in the frame, column name)


def plain(value: Any) -> Any:
    """A cell value as plain Python: None for every kind of missing, numpy scalars unwrapped."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return value
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


@dataclass(frozen=True)
class CellChange:
    row: int
    column: str
    old: Any
    new: Any

    def reversed(self) -> "CellChange":
        return CellChange(self.row, self.column, self.new, self.old)

    def to_list(self) -> list:
        return [self.row, self.column, self.old, self.new]

    @classmethod
    def from_list(cls, item: list) -> "CellChange":
        row, column, old, new = item
        return cls(int(row), str(column), old, new)


def reverse_all(changes: Iterable[CellChange]) -> list[CellChange]:
    return [change.reversed() for change in reversed(list(changes))]


class EditedTable:
    """A loaded :class:`~tlstudio.core.data.table.Table` and the edits made to it since it was read or saved."""

    def __init__(self, table):
        self.table = table
        self._original: dict[Cell, Any] = {}
        self.added_columns: list[str] = []

    @property
    def frame(self):
        return self.table.frame

    def __len__(self) -> int:
        return len(self.table.frame)

    def value(self, row: int, column: str) -> Any:
        if column not in self.frame.columns:
            return None
        return plain(self.frame.iat[row, self.frame.columns.get_loc(column)])

    def change(self, row: int, column: str, new: Any) -> CellChange:
        """The change that would set one cell (not applied)."""
        return CellChange(row, column, self.value(row, column), _clean(new))

    def apply(self, changes: Iterable[CellChange]) -> None:
        """Set each change's ``new`` value; a column that does not exist yet is added (empty)."""
        frame = self.frame
        for change in changes:
            if not 0 <= change.row < len(frame):
                raise IndexError(f"row {change.row} is outside the table ({len(frame)} rows)")
            if change.column not in frame.columns:
                frame[change.column] = None
                frame[change.column] = frame[change.column].astype(object)
                self.added_columns.append(change.column)
            cell = (change.row, change.column)
            if cell not in self._original:
                self._original[cell] = change.old
            position = frame.columns.get_loc(change.column)
            if not _holds_text(frame[change.column]):
                # Numbers in a label column (Parquet, JSON) meet typed class names: keep both as objects.
                frame[change.column] = frame[change.column].astype(object)
            frame.iat[change.row, position] = change.new

    def pending(self) -> dict[Cell, tuple[Any, Any]]:
        """Cells whose value differs from the file's: ``{(row, column): (in_file, now)}``."""
        result = {}
        for cell, original in self._original.items():
            current = self.value(*cell)
            if not same_value(original, current):
                result[cell] = (original, current)
        return result

    def is_edited(self, row: int, column: str) -> bool:
        cell = (row, column)
        return cell in self._original and not same_value(self._original[cell], self.value(row, column))

    @property
    def dirty(self) -> bool:
        return bool(self.pending()) or any(c in self.frame.columns for c in self.added_columns)

    def mark_saved(self) -> None:
        """What the frame holds now is what the file holds."""
        self._original.clear()
        self.added_columns.clear()

    def rows_changed(self) -> list[int]:
        return sorted({row for row, _ in self.pending()})


def same_value(a: Any, b: Any) -> bool:
    a, b = plain(a), plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) != isinstance(b, str):  # 1 and "1" are different things in a JSON file
        return False
    return a == b


def _clean(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _holds_text(series) -> bool:
    return series.dtype == object or str(series.dtype) in ("str", "string")
