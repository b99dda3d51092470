"""Resolving the user's column choices against a loaded table."""

from __future__ import annotations

import difflib

from ..errors import DataError
from .roles import RoleSuggestion
from .table import Table


def require_column(table: Table, column: str, flag: str) -> str:
    """Return ``column`` if the table has it, else raise naming the columns it does have."""
    if column in table.columns:
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
    return suggestion.column, f"using column '{suggestion.column}' as the {suggestion.role} ({suggestion.reason}); change it with {flag}"
