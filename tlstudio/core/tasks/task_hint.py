"""Which task a freshly opened file is for, so the app can follow the data.

A file can fit several tasks (a table with a text, a label and a summary
column), so the app keeps the task the user has when the data fits it, and
otherwise switches to the first task the data fits, saying why.  Only shapes
that are clear count: a CoNLL file or token/tag lists are entity tagging, a
folder of class sub-folders or a column of image files is image
classification, columns named like a source/target pair are translation or
summarization, a free-text column beside a column of a few repeated values is
text classification.
"""

from __future__ import annotations

# Fits are listed (and tried, when the current task does not fit) in the order they are found below: the most
# specific shapes first (entity tagging, images, a source/target pair, then text with labels, then free text).
_LANGUAGE_NAMES = {"en", "fr", "de", "es", "it", "pt", "nl", "zh", "ja", "ru", "ar"}
_SUMMARY_NAMES = {"summary", "summaries", "highlights", "abstract", "headline", "tldr"}
_SPLIT_COLUMN_NAMES = {"split", "set", "subset", "fold", "partition", "part"}
_PROMPT_PAIRS = (("prompt", "response"), ("instruction", "output"), ("question", "answer"), ("prompt", "completion"))


def task_fits(table) -> dict[str, str]:
    """Each task the data clearly fits, with the reason, in the order the app would switch to them."""
    from ..data.roles import (
        SEQ2SEQ_NAMES,
        column_profile,
        suggest_label_column,
        suggest_label_set_column,
        suggest_text_column,
        suggest_token_columns,
    )

    fits: dict[str, str] = {}
    fmt = getattr(table, "format", "")
    frame = table.frame
    if fmt == "conll":
        return {"token-classification": "it is a CoNLL file (one token and its tag per line)"}
    if fmt == "image folder":
        return {"image-classification": "it is a folder of images in one sub-folder per class"}
    tokens = suggest_token_columns(frame)
    if tokens["tokens"].column and tokens["tags"].column:
        fits["token-classification"] = (
            f"'{tokens['tokens'].column}' and '{tokens['tags'].column}' hold a token list and a tag list in each row"
        )
    from ..data.image_tables import suggest_image_column

    image, _ = suggest_image_column(frame)
    if image is not None:
        fits["image-classification"] = f"'{image}' holds image file names"
    names = {str(c).lower(): str(c) for c in frame.columns}
    for source, target in SEQ2SEQ_NAMES:
        if source in names and target in names and _free_text(column_profile(frame[names[target]])):
            reason = f"it has a '{names[source]}' column and a '{names[target]}' column"
            if target in _SUMMARY_NAMES:
                fits["summarization"] = reason
            elif source in _LANGUAGE_NAMES:
                fits["translation"] = reason
            else:  # source/target, input/output: either; a much shorter target reads as a summary
                short = (
                    column_profile(frame[names[target]])["mean_length"]
                    < 0.5 * column_profile(frame[names[source]])["mean_length"]
                )
                if short:  # offered first
                    fits["summarization"] = reason
                fits["translation"] = reason
                fits.setdefault("summarization", reason)
            break
    text = suggest_text_column(frame)
    splits = tuple(
        c for c in frame.columns if str(c).lower() in _SPLIT_COLUMN_NAMES and _holds_split_names(frame[c])
    )  # train/test marks are not labels
    label = suggest_label_column(frame, exclude=((text.column,) if text.column else ()) + splits)
    if text.column and label.column:
        fits["text-classification"] = f"'{text.column}' holds free text and '{label.column}' a few repeated values"
    elif text.column and "token-classification" not in fits:
        labels = suggest_label_set_column(frame, exclude=(text.column,))
        if labels.column:  # multi-label data: a list of labels per row
            fits["text-classification"] = f"'{text.column}' holds free text and '{labels.column}' a set of labels"
    for prompt, response in _PROMPT_PAIRS:
        if prompt in names and response in names:
            fits["text-generation"] = f"it has '{names[prompt]}' and '{names[response]}' columns"
            break
    return fits


def usable_by(table) -> dict[str, str]:
    """Tasks that can use the data though nothing in it says it is for them: any free-text column can be labelled
    (or hold a number: regression) for classification, or continued by a language model."""
    from ..data.roles import suggest_text_column

    text = suggest_text_column(table.frame).column
    if not text:
        return {}
    return {
        "text-classification": f"'{text}' holds free text (label it on the Label page)",
        "text-generation": f"'{text}' holds free text",
    }


def suggest_task(table, current: str | None = None) -> tuple[str, str] | None:
    """``(task, reason)`` to switch to, or None to keep ``current``.

    The current task is kept when the data clearly fits it, or when nothing clearly fits another task and the
    current one can still use it (a regression file, a file still to be labelled). Otherwise the first task the
    data clearly fits, else the first that can use it."""
    from . import find_task

    found = find_task(current)
    if found is not None and found.has_subtasks:  # its sub-tasks name their own data and columns
        return None
    fits = task_fits(table)
    if current in fits:
        return None
    if fits:
        task = next(iter(fits))
        return task, fits[task]
    usable = usable_by(table)
    if not usable or current in usable:
        return None
    task = next(iter(usable))
    return task, usable[task]


def _free_text(profile: dict) -> bool:
    """Mostly distinct strings of a few words: a sentence column, not a label column."""
    return (
        profile["string_share"] >= 0.8
        and profile["distinct"] >= 0.5 * max(1, profile["filled"])
        and profile["mean_words"] >= 2
    )


def _holds_split_names(series) -> bool:
    from ..data.splits import EVAL_NAMES, TEST_NAMES, TRAIN_NAMES

    values = set(series.iloc[:2000].dropna().astype(str).str.strip().str.lower().unique()[:20])
    return bool(values) and values <= TRAIN_NAMES | EVAL_NAMES | TEST_NAMES
