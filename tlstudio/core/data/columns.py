"""Resolving the user's column choices against a loaded table."""

from __future__ import annotations

import difflib

from ..errors import DataError
from .roles import RoleSuggestion
from .table import Table

# Flags whose column must hold one text (or path, or split name) per row: a list, an object or binary data
# there would be trained on as its printed form ("[101 2023 ...]").  Label, tokens and tags columns may hold
# lists (multi-label, token classification); their readers judge each cell.
TEXT_FLAGS = (
    "--text-column",
    "--text-pair-column",
    "--source-column",
    "--target-column",
    "--prompt-column",
    "--response-column",
    "--image-column",
    "--split-column",
    "--slice-column",
    "--adapt-column",
)


def require_column(table: Table, column: str, flag: str) -> str:
    """Return ``column`` if the table has it, else raise naming the columns it does have."""
    if column in table.columns:
        if flag.split(" ")[0] in TEXT_FLAGS:
            refuse_nested_cells(table, column, flag)
        return column
    close = difflib.get_close_matches(column, table.columns, n=1)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    raise DataError(
        f"column '{column}' (from {flag}) is not in {table.path}.",
        f"{hint}Its columns are: {', '.join(table.columns)}.",
    )


def choose_column(table: Table, given: str | None, suggestion: RoleSuggestion, flag: str) -> tuple[str, str | None]:
    """The column to use for a role, and a note when it was suggested rather than given."""
    if given:
        return require_column(table, given, flag), None
    if suggestion.column is None:
        raise DataError(
            f"cannot tell which column of {table.path} is the {suggestion.role}: {suggestion.reason}.",
            f"Name it with {flag}. Columns: {', '.join(table.columns)}.",
        )
    if flag.split(" ")[0] in TEXT_FLAGS:
        refuse_nested_cells(table, suggestion.column, flag)
    return (
        suggestion.column,
        f"using column '{suggestion.column}' as the {suggestion.role} ({suggestion.reason}); change it with {flag}",
    )


def refuse_nested_cells(table: Table, column: str, flag: str, wanted: str = "text") -> None:
    """Raise naming ``column`` when its cells hold lists, objects (key/value pairs) or binary data instead of
    one ``wanted`` value each, as Parquet list columns and JSON arrays do."""
    from .labels import describe_cell

    series = table.frame[column]
    if series.dtype != object:  # strings, numbers, dates: one value per cell
        return
    values = series.tolist()
    kinds = set(map(type, values))  # C speed; only a column holding odd types is looked at cell by cell
    if kinds <= {str, int, float, bool, type(None)}:
        return
    odd = [i for i, v in enumerate(values, start=1) if _nested(v)]
    if not odd:
        return
    kind = describe_cell(values[odd[0] - 1])
    raise DataError(
        f"column '{column}' (from {flag}) of {table.path} holds {kind} in {len(odd):,} row(s), not {wanted} "
        f"(first at {table.where(odd[0])}).",
        f"Name a column of {wanted} with {flag}. A column of token lists suits token classification "
        f"(--task token-classification --tokens-column); a list of labels suits --multi-label.",
    )


def _nested(value) -> bool:
    from .labels import is_container

    return isinstance(value, (bytes, bytearray, memoryview)) or is_container(value)
