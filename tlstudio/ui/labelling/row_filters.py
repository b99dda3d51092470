"""Which rows the labelling table shows, and in what order."""

from __future__ import annotations

FILTERS = (
    ("all", "All rows"),
    ("unlabelled", "Unlabelled rows"),
    ("labelled", "Labelled rows"),
    ("queue", "Label next (most uncertain first)"),
    ("disagree", "Rows the model gets wrong"),
    ("edited", "Rows edited since the last save"),
)


def filter_rows(
    controller, key: str, suggestions: dict, search: str, text_column: str | None, extra: list[int] | None = None
) -> list[int]:
    """Table positions for filter ``key`` (see FILTERS, or ``class:NAME``, or ``rows`` for ``extra``)."""
    count = len(controller.edited)
    if key == "rows" and extra is not None:
        rows = [r for r in extra if 0 <= r < count]
    elif key == "unlabelled":
        rows = [r for r in range(count) if controller.label(r) is None]
    elif key == "labelled":
        rows = [r for r in range(count) if controller.label(r) is not None]
    elif key.startswith("class:"):
        name = key[len("class:") :]
        rows = [r for r in range(count) if controller.label(r) == name]
    elif key == "disagree":
        rows = [
            r
            for r, s in sorted(suggestions.items())
            if controller.label(r) is not None and controller.label(r) != s.label
        ]
    elif key == "edited":
        rows = controller.edited.rows_changed()
    elif key == "queue":
        from ...api import label_next_order

        unlabelled = [r for r in range(count) if controller.label(r) is None]
        scored = [r for r in unlabelled if r in suggestions]
        rows = label_next_order(scored, [suggestions[r].uncertainty for r in scored])
        rows += [r for r in unlabelled if r not in suggestions]
    else:
        rows = list(range(count))
    needle = search.strip().casefold()
    if needle and text_column:
        rows = [r for r in rows if needle in str(controller.edited.value(r, text_column) or "").casefold()]
    return rows
