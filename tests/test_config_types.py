"""RunConfig as a typed, frozen, grouped record: what run.json and flags may hold, and what they get told."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tlstudio.core.config import SETTING_GROUPS, RunConfig, config_fields
from tlstudio.core.errors import ConfigError

# run.json's "config" exactly as the main branch before typed settings wrote it (a text-classification run whose
# learning rate was filled in at launch); files like it sit in users' run folders and must keep loading.
OLD_RUN_JSON_CONFIG = {
    "data": "/home/u/proj/reviews.csv",
    "task": "text-classification",
    "text_column": "text",
    "image_column": None,
    "prompt_column": None,
    "response_column": None,
    "label_column": "label",
    "text_pair_column": None,
    "tokens_column": None,
    "tags_column": None,
    "source_column": None,
    "target_column": None,
    "subtasks": None,
    "compare_single_task": False,
    "eval_data": None,
    "split_column": None,
    "eval_fraction": 0.1,
    "sheet": None,
    "backbone": "minilm",
    "max_length": 128,
    "strategy": "full",
    "gradual_stages": 3,
    "layer_lr_decay": 0.8,
    "lora_rank": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.1,
    "lora_target_modules": None,
    "adapt_source": "off",
    "adapt_column": None,
    "adapt_path": None,
    "adapt_epochs": 1.0,
    "adapt_max_steps": None,
    "adapt_learning_rate": 0.0001,
    "mlm_probability": 0.15,
    "multi_label": False,
    "label_delimiter": None,
    "regression": False,
    "long_texts": "truncate",
    "window_overlap": 32,
    "image_size": None,
    "augment": "none",
    "prompt_template": None,
    "sample_prompts": None,
    "num_beams": 4,
    "max_new_tokens": 128,
    "temperature": 0.8,
    "top_p": 0.95,
    "length_penalty": 1.0,
    "source_prefix": None,
    "generation_eval_rows": 200,
    "epochs": 3.0,
    "max_steps": 200,
    "batch_size": 32,
    "learning_rate": 0.0001,
    "warmup_ratio": 0.06,
    "weight_decay": 0.01,
    "gradient_accumulation_steps": 1,
    "class_weighting": "auto",
    "early_stopping_patience": 0,
    "seed": 42,
    "eval_strategy": "steps",
    "eval_steps": 50,
    "checkpoint_steps": None,
    "logging_steps": None,
    "save_total_limit": 2,
    "keep_checkpoints": False,
    "device": "auto",
    "precision": "auto",
    "report_to": "none",
    "output": "/home/u/proj/runs/reviews-20250101-1200",
}


def test_a_config_cannot_be_changed_in_place():
    config = RunConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.learning_rate = 3e-4
    assert dataclasses.replace(config, learning_rate=3e-4).learning_rate == 3e-4
    assert config.learning_rate is None


def test_every_setting_belongs_to_one_known_group():
    for f in config_fields():
        assert f.metadata.get("setting_group") in SETTING_GROUPS, f.name
    groups = RunConfig.groups()
    assert tuple(groups) == SETTING_GROUPS
    listed = [name for names in groups.values() for name in names]
    assert sorted(listed) == sorted(f.name for f in config_fields())  # each once, none left out
    assert groups["optimisation"][:4] == ("epochs", "max_steps", "batch_size", "learning_rate")


def test_a_run_json_written_by_the_previous_version_still_loads(tmp_path):
    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps({"status": "completed", "config": OLD_RUN_JSON_CONFIG}), encoding="utf-8")
    config = RunConfig.load(run_json)
    assert config.to_dict() == OLD_RUN_JSON_CONFIG
    assert list(config.to_dict()) == list(OLD_RUN_JSON_CONFIG)  # same flat keys in the same order
    assert config.validate() is config


def test_to_dict_and_back_gives_the_same_config():
    config = RunConfig(
        data="train.csv",
        output="run",
        learning_rate=3e-4,
        max_steps=10,
        multi_label=True,
        subtasks=[{"name": "topic", "task": "text-classification", "data": "a.csv"}],
    )
    again = RunConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert RunConfig.from_dict(RunConfig().to_dict()) == RunConfig()


def test_the_sub_task_setting_takes_a_list_or_a_file_but_not_an_object(tmp_path):
    assert RunConfig.from_dict({"subtasks": "tasks.json"}).subtasks == "tasks.json"
    entries = [{"name": "topic", "task": "text-classification", "data": "a.csv"}]
    assert RunConfig.from_dict({"subtasks": entries}).subtasks == entries
    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps({"config": {"task": "multi-task", "subtasks": {"name": "topic"}}}))
    with pytest.raises(ConfigError) as error:
        RunConfig.load(run_json)
    assert error.value.message.startswith(f"{run_json}: key 'subtasks' must be a list or a string")
    assert '{"name": "topic"}' in error.value.message


def test_a_wrong_type_names_the_run_json_key_or_the_flag():
    with pytest.raises(ConfigError) as error:
        RunConfig.from_dict({"learning_rate": "fast"}, source="run.json")
    assert error.value.message == "run.json: key 'learning_rate' must be a number (or null), got 'fast'."
    assert error.value.hint
    with pytest.raises(ConfigError) as error:
        RunConfig.from_dict({"batch_size": 2.5}, source="the command line")
    assert error.value.message == "--batch-size must be a whole number, got 2.5."
    with pytest.raises(ConfigError, match="setting 'batch_size' must be a whole number, got null"):
        RunConfig.from_dict({"batch_size": None})
    with pytest.raises(ConfigError, match="key 'multi_label' must be true or false, got 'maybe'"):
        RunConfig.from_dict({"multi_label": "maybe"}, source="x.json")
    with pytest.raises(ConfigError, match="key 'epochs' must be a number, got true"):
        RunConfig.from_dict({"epochs": True}, source="x.json")
    with pytest.raises(ConfigError, match="key 'text_column' must be a string"):
        RunConfig.from_dict({"text_column": ["a", "b"]}, source="x.json")


def test_values_written_as_text_are_still_read():
    config = RunConfig.from_dict(
        {
            "learning_rate": "1e-4",
            "batch_size": "16",
            "max_steps": 20.0,
            "epochs": 2,
            "multi_label": "yes",
            "regression": 0,
            "sheet": 2024,
        }
    )
    assert (config.learning_rate, config.batch_size, config.max_steps, config.epochs) == (1e-4, 16, 20, 2.0)
    assert (config.multi_label, config.regression, config.sheet) == (True, False, "2024")
    assert type(config.epochs) is float and type(config.max_steps) is int


def test_unknown_keys_are_refused_as_before():
    with pytest.raises(ConfigError, match="run.json has unknown setting"):
        RunConfig.from_dict({"learning_rat": 1e-4}, source="run.json")


def test_train_help_lists_every_setting_under_its_group():
    import argparse

    from tlstudio.cli.flags import add_config_flags
    from tlstudio.core.config import RunConfig

    parser = argparse.ArgumentParser()
    add_config_flags(parser)
    sections = {group.title: [a.dest for a in group._group_actions] for group in parser._action_groups}
    for group, names in RunConfig.groups().items():
        title = "checkpoint settings" if group == "checkpoints" else f"{group} settings"
        assert sections[title] == [name for name in names if name != "data"]
