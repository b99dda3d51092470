"""Guessing the task a freshly opened file is for, so the app can switch to it.

Only shapes that leave no doubt count: a CoNLL file, or list columns of
tokens and tags, are entity-tagging data.  Anything else keeps the task the
user chose (two text columns could be translation, summarization or
sentence pairs; only the user knows).
"""

from __future__ import annotations


def suggest_task(table) -> tuple[str, str] | None:
    """``(task, reason)`` when the data can only be for one task, else None."""
    from .roles import suggest_token_columns

    if getattr(table, "format", "") == "conll":
        return "token-classification", "it is a CoNLL file (one token and its tag per line)"
    if getattr(table, "format", "") == "image folder":
        return "image-classification", "it is a folder of images in one sub-folder per class"
    tokens = suggest_token_columns(table.frame)
    if tokens["tokens"].column and tokens["tags"].column:
        return ("token-classification", f"'{tokens['tokens'].column}' and '{tokens['tags'].column}' hold a token "
                                        "list and a tag list in each row")
    return None
