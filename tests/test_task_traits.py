"""What callers ask of a task instead of testing its name: every registered task answers each question.

The app, the CLI and the data helpers read these attributes (which views, which columns, what to count), so a
task added to the registry without them fails here rather than falling into another task's behaviour.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tlstudio.core.config import RunConfig, config_fields
from tlstudio.core.tasks import find_task, get_task, is_single_label_text, task_names

INPUT_KINDS = {"text", "tokens", "image", "prompt"}
LABEL_KINDS = {"class", "classes", "number", "tags", "text", None}
# The keys ui/views maps to evaluation widgets.
EVALUATION_VIEWS = {
    "single-label",
    "multi-label",
    "regression",
    "entities",
    "generation",
    "language-model",
    "multi-task",
}
COLUMN_FIELDS = {f.name for f in config_fields() if f.name.endswith("_column")}


@pytest.fixture(params=task_names())
def task(request):
    return get_task(request.param)


def test_every_task_says_what_it_reads(task):
    if task.has_subtasks:
        assert task.input_kind is None and task.column_roles == {}  # each sub-task reads its own data
    else:
        assert task.input_kind in INPUT_KINDS
        assert task.column_roles and set(task.column_roles) <= COLUMN_FIELDS
        assert all(isinstance(role, str) and role for role in task.column_roles.values())
    assert task.predict_field in COLUMN_FIELDS and task.length_field in COLUMN_FIELDS


def test_every_task_names_its_evaluation_view_and_label_kind(task):
    assert task.view_for({}) in EVALUATION_VIEWS
    assert task.label_kind(RunConfig(task=task.name)) in LABEL_KINDS
    assert isinstance(task.data_checks, str) and task.data_checks
    key, higher = task.best_metric(RunConfig(task=task.name))
    assert isinstance(key, str) and key and isinstance(higher, bool)


def test_the_generation_traits_agree(task):
    if task.is_sequence_to_sequence:
        assert task.generates_text and task.input_kind == "text"
        assert task.label_kind(RunConfig(task=task.name)) == "text"
        assert task.notes_sample_field in COLUMN_FIELDS and isinstance(task.shortens_text, bool)
        assert task.scored_by  # the vocabulary note names the metric the lost characters lower
    if task.samples_each_epoch:
        assert task.generates_text


def test_what_the_data_page_counts_is_a_column_of_the_task(task):
    if task.counted is not None:
        field, unit = task.counted
        assert field in task.column_roles and unit in {"rows", "entities"}


def test_every_task_with_its_own_model_has_a_predictor(task):
    if not task.has_subtasks:
        assert isinstance(task.predictor_class(), type)


def test_a_classifier_follows_its_label_mode():
    task = get_task("text-classification")
    config = RunConfig()
    assert [
        task.label_kind(dataclasses.replace(config, **flags))
        for flags in ({}, {"multi_label": True}, {"regression": True})
    ] == ["class", "classes", "number"]
    assert [task.view_for(report) for report in ({}, {"micro_f1": 0.5}, {"mse": 1.0})] == [
        "single-label",
        "multi-label",
        "regression",
    ]
    assert task.best_metric(dataclasses.replace(config, regression=True))[1] is False  # a lower error is better
    assert is_single_label_text(config)
    assert not is_single_label_text(dataclasses.replace(config, multi_label=True))
    assert not is_single_label_text(RunConfig(task="image-classification"))  # one class per image, not per text
    assert not is_single_label_text(RunConfig(task="translation"))


def test_an_unknown_task_is_none_not_another_tasks_behaviour():
    assert find_task("no-such-task") is None and find_task(None) is None
    assert find_task("translation").name == "translation"


def test_the_data_page_counts_come_from_the_task():
    frame = pd.DataFrame(
        {
            "tags": [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-PER"]],
            "spans": [[{"start": 0, "end": 3, "label": "ORG"}], []],
            "label": ["cat", "dog"],
        }
    )
    tagger = get_task("token-classification")
    assert tagger.count_labels(frame, "tags") == {"PER": 2, "LOC": 1}
    assert tagger.count_labels(frame, "spans") == {"ORG": 1}
    assert get_task("image-classification").count_labels(frame.assign(label=["cat", " cat "]), "label") == {"cat": 2}


def test_the_measured_column_is_the_tasks_input():
    from tlstudio.core.run_plan import measured_column

    config = RunConfig(text_column="review", tokens_column="words", source_column="english")
    assert {
        name: measured_column(dataclasses.replace(config, task=name))
        for name in ("text-classification", "token-classification", "translation", "summarization")
    } == {
        "text-classification": "review",
        "token-classification": "words",
        "translation": "english",
        "summarization": "english",
    }
