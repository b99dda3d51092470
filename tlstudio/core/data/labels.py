"""Label values as people mean them.

A label column exported by a spreadsheet can hold ``1``, ``"1"`` and ``1.0``
for the same class; JSON can hold ``true`` and ``"true"``.  Labels are kept
as human-readable strings (they become ``id2label`` in the exported model), so
each value is turned into one canonical string and empty cells into ``None``
(an unlabelled row).
"""

from __future__ import annotations

import math
import re
from typing import Any

# Integers written with an optional ".0" tail.  A leading zero ("007") marks a
# code rather than a number, so it is left as written.
_INTEGRAL = re.compile(r"^[+-]?(0|[1-9]\d*)(\.0+)?$")


def normalize_label(value: Any) -> str | None:
    """The canonical string for a label cell, or None when the cell is empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = _bytes_text(value)
    elif is_container(value):
        # Parquet list columns arrive as numpy arrays (token ids exported by `datasets`), structs as dicts.
        raise TypeError(f"{describe_cell(value)} is not a single label")
    elif hasattr(value, "item") and getattr(value, "ndim", 0) == 0 and not isinstance(value, str):  # numpy scalars
        return normalize_label(value.item())
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    if _INTEGRAL.match(text):
        return str(int(float(text))) if "." in text else str(int(text))
    return text


def is_container(value: Any) -> bool:
    """A cell holding several values: a list, tuple, set, dict, or a numpy array that is not a scalar."""
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return True
    return getattr(value, "ndim", 0) > 0 and hasattr(value, "tolist")  # numpy (and pyarrow-made) arrays


def describe_cell(value: Any) -> str:
    """What a cell holds, in words for a message: 'a list', 'an object (key/value pairs)', 'a binary value'."""
    if isinstance(value, dict):
        return "an object (key/value pairs)"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "a binary value"
    if is_container(value):
        return "a list"
    return f"a {type(value).__name__}"


def _bytes_text(value) -> str:
    """A binary cell as text when it is UTF-8 (Parquet 'binary' columns often hold plain strings)."""
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise TypeError("a binary value that is not UTF-8 text is not a label") from None


def case_variants(names) -> list[list[str]]:
    """Groups of class names that differ only in upper/lower case ('Pos', 'pos', 'POS'), each sorted.

    Surrounding spaces are already gone (``normalize_label`` strips them), so 'pos ' is among 'pos'."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.casefold(), []).append(name)
    return [sorted(group) for _, group in sorted(groups.items()) if len(group) > 1]


def case_variants_note(names, column: str) -> str | None:
    """A warning naming the class names in ``column`` that look like one class spelt differently, or None."""
    groups = case_variants(names)
    if not groups:
        return None
    shown = "; ".join(", ".join(f"'{name}'" for name in group) for group in groups[:5])
    more = f" and {len(groups) - 5:,} more group(s)" if len(groups) > 5 else ""
    return (
        f"column '{column}' has labels that differ only in upper/lower case (surrounding spaces are already "
        f"ignored), and they train as separate classes: {shown}{more}. If each group is one class, merge them "
        "(the Label page can merge classes) or make them the same in the file."
    )


def sort_labels(labels) -> list[str]:
    """Class names in a stable, natural order: numerically when all are numbers."""
    labels = list(labels)
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels, key=lambda s: (s.lower(), s))
