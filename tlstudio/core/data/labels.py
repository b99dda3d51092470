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
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return normalize_label(value.item())
    if isinstance(value, (list, tuple, dict)):
        raise TypeError("a list or object is not a single label")
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    if _INTEGRAL.match(text):
        return str(int(float(text))) if "." in text else str(int(text))
    return text


def sort_labels(labels) -> list[str]:
    """Class names in a stable, natural order: numerically when all are numbers."""
    labels = list(labels)
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels, key=lambda s: (s.lower(), s))
