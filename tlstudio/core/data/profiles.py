"""Cheap, bounded statistics of a table's columns, for guessing what each one holds.

Guessing is bounded so that a table of 50,000 feature columns is judged in a second, not hours; a leaf
module, so that the role suggestions and the image-column guess share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .labels import normalize_label

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_ROWS = 5000
# Guessing is bounded so that a table of 50,000 feature columns is judged in a second, not hours: at most this
# many columns are profiled per role (those named like the role first, then the rest in file order), and on a
# wide table fewer rows of each, keeping the cells looked at under CELL_BUDGET.  A column that is named with its
# flag is never guessed at all.
MAX_CANDIDATES = 200
CELL_BUDGET = 250_000
MIN_SAMPLE_ROWS = 200


def column_profile(series: "pd.Series", rows: int = SAMPLE_ROWS) -> dict:
    """Cheap statistics of a column on (at most) its first ``rows`` rows."""
    sample = series.iloc[:rows]
    values = [v for v in sample.tolist() if v is not None and not (isinstance(v, float) and v != v)]
    strings = [v for v in values if isinstance(v, str)]
    lengths = [len(v) for v in strings]
    try:
        # Normalise each distinct value once, not each cell (keyed by type too: True, 1 and 1.0 are equal keys).
        raw = [v for _, v in set(zip(map(type, values), values))]
    except TypeError:  # lists, dicts, arrays: unhashable
        raw = values
    distinct = set()
    for v in raw:
        try:
            distinct.add(normalize_label(v))
        except TypeError:
            distinct.add(repr(v))
    distinct.discard(None)
    return {
        "filled": len(values),
        "rows": len(sample),
        "string_share": len(strings) / max(1, len(values)),
        "mean_length": sum(lengths) / max(1, len(lengths)),
        "mean_words": sum(len(v.split()) for v in strings) / max(1, len(strings)),
        "distinct": len(distinct),
        "list_share": sum(isinstance(v, list) for v in values) / max(1, len(values)),
    }


@dataclass(frozen=True)
class Candidates:
    """The columns one guess looks at, the rows of each it profiles, and what it left out."""

    columns: list
    rows: int
    total: int

    @property
    def note(self) -> str:
        """'' when every column was looked at, else a clause saying where the guess stopped."""
        if len(self.columns) >= self.total:
            return ""
        return f"; only {len(self.columns):,} of the {self.total:,} columns were looked at"

    def profile(self, frame: "pd.DataFrame", column) -> dict:
        return column_profile(frame[column], self.rows)


def candidate_columns(frame: "pd.DataFrame", names: tuple[str, ...] = (), exclude: tuple = ()) -> Candidates:
    """At most MAX_CANDIDATES columns to profile for a role: those named like it (``names``) first, then the
    others in file order; rows per column shrink on wide tables so the cells looked at stay under CELL_BUDGET."""
    columns = [c for c in frame.columns if c not in exclude]
    named = [c for c in columns if str(c).lower() in names]
    chosen = named + [c for c in columns if str(c).lower() not in names][: max(0, MAX_CANDIDATES - len(named))]
    chosen = chosen[:MAX_CANDIDATES]
    rows = max(MIN_SAMPLE_ROWS, min(SAMPLE_ROWS, CELL_BUDGET // max(1, len(chosen))))
    # Keep file order among those chosen: ties between equally good columns go to the earlier one, as before.
    position = {c: i for i, c in enumerate(columns)}
    return Candidates(sorted(chosen, key=position.__getitem__), rows, len(columns))
