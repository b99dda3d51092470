"""The model card's front matter is huggingface_hub's own metadata block, read back the same by the Hub's parser."""

from __future__ import annotations

import numpy as np
from huggingface_hub import ModelCard

from tlstudio.core.config import RunConfig
from tlstudio.core.runs.model_card import render_model_card


def record(task: str = "text-classification", **config) -> dict:
    settings = RunConfig(
        task=task, data="/data/reviews.csv", output="/models/sentiment", backbone="prajjwal1/bert-tiny"
    ).to_dict()
    settings.update(config)
    return {
        "config": settings,
        "base_model": "prajjwal1/bert-tiny",
        "backbone_license": "mit",
        "data": {"sha256": "ab" * 32, "split": {"method": "stratified"}, "train_size": 10, "eval_size": 4},
        "labels": ["neg", "pos"],
        "versions": {"torch": "2.0"},
    }


def test_front_matter_is_the_hubs_metadata_with_the_eval_results():
    card_text = render_model_card(record(), {"accuracy": 0.75, "macro_f1": np.float64(0.7)}, {"license": "apache-2.0"})
    card = ModelCard(card_text)
    assert card.content == card_text  # the Hub's parser and writer leave it as it is
    data = card.data
    assert (data.library_name, data.pipeline_tag, data.base_model, data.license) == (
        "transformers",
        "text-classification",
        "prajjwal1/bert-tiny",
        "apache-2.0",
    )  # the user's licence wins
    assert data.tags == ["text-classification", "tlstudio", "generated_from_trainer"]
    assert data.metrics == ["accuracy", "f1"] and data.model_name == "sentiment"
    assert [
        (r.metric_type, r.metric_value, r.metric_name, r.dataset_name, r.dataset_type, r.task_type)
        for r in data.eval_results
    ] == [
        ("accuracy", 0.75, "Accuracy", "reviews.csv", "custom", "text-classification"),
        ("f1", 0.7, "Macro F1", "reviews.csv", "custom", "text-classification"),
    ]
    assert type(data.eval_results[1].metric_value) is float  # a NumPy figure is written as a plain number
    assert card_text.startswith("---\nlibrary_name: transformers\npipeline_tag: text-classification\n")
    assert card.text.startswith("\n# sentiment\n") and "tlstudio" in card.text  # export --force knows its own card
    assert "| Accuracy |" in card.text


def test_unknown_base_model_and_licence_and_no_metrics_are_left_out():
    local = record("text-generation")
    local["base_model"] = local["backbone_license"] = None
    card_text = render_model_card(local, {"loss": 1.0})
    front = card_text.split("---")[1]
    assert "base_model" not in front and "license" not in front
    assert "model-index" not in front and "metrics" not in front  # no figure to report: no empty results list
    assert ModelCard(card_text).data.pipeline_tag == "text-generation"
    assert "`prajjwal1/bert-tiny`" in card_text  # the body names the local backbone instead
