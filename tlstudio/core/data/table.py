"""The loaded form of a user's data file, shared by every reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MAX_LISTED = 8  # rows or lines named in one message before "and N more"


@dataclass
class Table:
    """A loaded data file and what was noticed while reading it."""

    frame: "pd.DataFrame"
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)
    complete: bool = True  # False when only the first rows were read (a preview)
    row_lines: list[int] | None = None  # file line each row starts on, where rows are not lines (CoNLL)
    # Rows per class of a label column, counted on the reading thread as the file loaded, for the first
    # labelling view to take (pop) instead of counting a million labels again on the GUI thread.
    label_counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def where(self, row: int) -> str:
        """How to point a user at a 1-based data row: 'data row 7', or 'sentence 7 (line 52)'."""
        if self.row_lines:
            return f"sentence {row} (line {self.row_lines[row - 1]})"
        return f"data row {row}"

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def __len__(self) -> int:
        return len(self.frame)


def list_numbers(numbers: list[int], total: int | None = None) -> str:
    total = len(numbers) if total is None else total
    shown = ", ".join(str(n) for n in numbers[:MAX_LISTED])
    more = total - min(len(numbers), MAX_LISTED)
    return shown + (f" and {more} more" if more > 0 else "")
