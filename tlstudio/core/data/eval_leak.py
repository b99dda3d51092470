"""Noticing an evaluation file that is the training file.

``--eval-data train.csv`` beside ``--data train.csv`` (or a copy of it) measures
the model on the rows it learned: every score looks better than it is, and early
stopping keeps the most over-fitted checkpoint.  Not an error (a user may want
training-set scores), but never silent.
"""

from __future__ import annotations

from pathlib import Path

from ..files import sha256_of


def eval_leak_warning(data: str, eval_data: str | None) -> str | None:
    if not data or not eval_data:
        return None
    train, held = Path(data).expanduser(), Path(eval_data).expanduser()
    if not (train.is_file() and held.is_file()):
        return None
    same = train.resolve() == held.resolve()
    if not same and train.stat().st_size == held.stat().st_size:
        same = sha256_of(train) == sha256_of(held)  # a copy under another name
    if not same:
        return None
    return (
        f"the evaluation file {held.name} holds the same rows as the training file {train.name}: the "
        "validation scores will be measured on rows the model trained on and look better than they are. "
        "Leave out --eval-data to hold out a validation split instead."
    )
