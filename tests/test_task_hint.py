"""Which task an opened file is for: the current task stays when the data fits it or can still serve it, and
switches only when another task clearly fits."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from tlstudio.core.data.table import Table
from tlstudio.core.tasks.task_hint import suggest_task

RNG = random.Random(0)
TEXTS = [f"review number {i} says the film was {'good' if i % 2 else 'bad'} and long" for i in range(300)]


def table(**columns) -> Table:
    return Table(pd.DataFrame(columns), Path("data.csv"), "csv")


LABELLED = table(text=TEXTS, label=["good" if i % 2 else "bad" for i in range(300)])
SCORES = table(text=TEXTS, score=[RNG.random() * 5 for _ in TEXTS])  # regression: many distinct numbers
UNLABELLED = table(text=TEXTS)
PAIRS = table(en=TEXTS, fr=[t.replace("film", "le film") + " fr" for t in TEXTS])
SUMMARIES = table(split=["train"] * 300, abstract=[t * 4 for t in TEXTS], summary=TEXTS)
TAGS = table(tokens=[t.split() for t in TEXTS], tags=[["O"] * len(t.split()) for t in TEXTS])


@pytest.mark.parametrize(
    "data,current,expected",
    [
        (LABELLED, "translation", "text-classification"),
        (LABELLED, "token-classification", "text-classification"),
        (LABELLED, "text-classification", None),
        (PAIRS, "text-classification", "translation"),
        (PAIRS, "token-classification", "translation"),
        (SUMMARIES, "text-classification", "summarization"),  # a train/test column is not a label
        (TAGS, "text-classification", "token-classification"),
        (SCORES, "text-classification", None),  # a regression file keeps classification (its number mode)
        (UNLABELLED, "text-classification", None),  # a file to label keeps classification, not text generation
        (UNLABELLED, "translation", "text-classification"),
        (UNLABELLED, "text-generation", None),
        (PAIRS, "multi-task", None),
    ],
)
def test_the_task_follows_the_data_only_when_it_must(data, current, expected):
    hint = suggest_task(data, current)
    assert (hint[0] if hint else None) == expected
    if hint:
        assert hint[1]  # and it says why
