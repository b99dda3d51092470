"""Which columns of a table fill each role a task needs (text and label, tokens and tags, source and target,
image and label), asking the task what it reads; the column-by-column rules are in ``data/roles.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..data.roles import (
    LABEL_NAMES,
    RoleSuggestion,
    suggest_label_column,
    suggest_label_set_column,
    suggest_number_column,
    suggest_seq2seq_columns,
    suggest_text_column,
    suggest_token_columns,
)

if TYPE_CHECKING:
    import pandas as pd


def suggest_roles(
    frame: "pd.DataFrame",
    task: str = "text-classification",
    mode: str = "single-label",
    given: dict[str, str | None] | None = None,
) -> dict[str, RoleSuggestion]:
    """Suggestions for each role the task needs, keyed by role.

    ``given`` maps text-classification roles (``text``, ``label``) to the columns the user named: those are
    not guessed (guessing profiles columns, which costs time on a wide table), only passed back.

    text-classification: ``text`` and ``label`` (``mode`` is single-label, multi-label or regression);
    token-classification: ``tokens`` and ``tags``; translation and summarization: ``source`` and ``target``;
    image-classification: ``image`` and ``label``; text-generation: ``text`` (prompt/response pairs are
    recognised by name, see ``tasks/lm_data.py``).
    """
    from . import find_task

    found = find_task(task)
    reads = found.input_kind if found is not None else None
    if reads == "tokens":
        return suggest_token_columns(frame)
    if found is not None and found.is_sequence_to_sequence:
        return suggest_seq2seq_columns(frame, bool(getattr(found, "shortens_text", False)))
    if reads == "image":
        from ..data.image_tables import suggest_image_column

        column, reason = suggest_image_column(frame)
        image = RoleSuggestion("image", column, reason)
        label = suggest_label_column(frame, exclude=(column,) if column else ())
        if label.column is None:
            # A few images per class (a folder of class sub-folders, say) have too few rows for the distinct-value
            # rule; a column named like a label with repeated values is the label.
            for name in [c for c in frame.columns if c != column and str(c).lower() in LABEL_NAMES]:
                distinct = frame[name].dropna().astype(str).nunique()
                if 2 <= distinct < len(frame):
                    label = RoleSuggestion("label", str(name), f"named '{name}', {distinct} distinct values")
                    break
        return {"image": image, "label": label}
    given = {role: column for role, column in (given or {}).items() if column}
    if reads == "prompt":
        return {"text": _given("text", given) or suggest_text_column(frame)}
    label = _given("label", given)
    if label is None and mode == "regression":
        label = suggest_number_column(frame)
    elif label is None and mode == "multi-label":
        label = suggest_label_set_column(frame)
    elif label is None:
        label = suggest_label_column(frame)
    text = _given("text", given) or suggest_text_column(frame, exclude=(label.column,) if label.column else ())
    return {"text": text, "label": label}


def _given(role: str, given: dict[str, str]) -> RoleSuggestion | None:
    return RoleSuggestion(role, given[role], "named by you") if role in given else None
