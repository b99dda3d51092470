"""Text generation: a tiny GPT-2 adapts to a text column, reports perplexity and samples, streams, exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from lm_fixtures import make_tiny_gpt2, write_stories_csv


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory) -> Path:
    return make_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_gpt2):
    from tlstudio.core.config import RunConfig
    from tlstudio.core.progress import ListSink
    from tlstudio.core.training.engine import train

    root = tmp_path_factory.mktemp("lm")
    data = write_stories_csv(root / "stories.csv")
    sink = ListSink()
    config = RunConfig(
        data=str(data),
        task="text-generation",
        backbone=str(tiny_gpt2),
        output=str(root / "run"),
        text_column="story",
        epochs=2,
        batch_size=16,
        learning_rate=3e-3,
        warmup_ratio=0.0,
        max_length=32,
        max_new_tokens=12,
        logging_steps=5,
    )
    return train(config, sink), sink


def test_held_out_perplexity_falls_by_at_least_30_percent(trained):
    from tlstudio.core.progress import Evaluated

    result, sink = trained
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert metrics["task"] == "text-generation"
    assert metrics["perplexity"] <= 0.7 * metrics["initial_perplexity"]
    assert metrics["perplexity_drop"] >= 0.30
    evaluations = sink.of_type(Evaluated)
    assert evaluations[0].step == 0 and evaluations[0].metrics["perplexity"] == pytest.approx(
        metrics["initial_perplexity"]
    )
    assert evaluations[-1].metrics["perplexity"] == pytest.approx(metrics["perplexity"], rel=1e-4)
    assert [e.step for e in evaluations] == sorted(e.step for e in evaluations) and len(evaluations) == 3


def test_sample_generations_follow_every_evaluation_from_the_same_prompts(trained):
    from tlstudio.core.progress import SamplesGenerated

    result, sink = trained
    samples = sink.of_type(SamplesGenerated)
    assert [s.step for s in samples][0] == 0 and len(samples) == 3
    prompts = [s["prompt"] for s in samples[0].samples]
    assert prompts and all([s["prompt"] for s in event.samples] == prompts for event in samples)
    assert all(p.startswith("the ") for p in prompts)  # the start of validation rows
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert [s["prompt"] for s in metrics["samples"]] == prompts


def test_streaming_yields_what_generate_returns_and_stops_when_cancelled(trained):
    from tlstudio.core.predictors.loading import load_predictor
    from tlstudio.core.progress import CancelToken

    result, _ = trained
    generator = load_predictor(result.output_dir)
    assert generator.task == "text-generation"
    expected = generator.generate(["the cat"], temperature=0, max_new_tokens=10)[0]
    pieces = list(generator.stream("the cat", temperature=0, max_new_tokens=10))
    assert len(pieces) >= 2 and "".join(pieces).strip() == expected
    cancel = CancelToken()
    cancel.cancel()
    stopped = "".join(generator.stream("the cat", temperature=0, max_new_tokens=10, cancel=cancel))
    assert len(stopped) < len("".join(pieces))
    sampled = generator.predict(["the dog", "the fox"], temperature=0.9, top_p=0.9, seed=1)
    assert len(sampled) == 2 and all(p.kind == "text" for p in sampled)


def test_run_folder_loads_with_the_text_generation_pipeline_and_streams_from_the_cli(trained):
    from transformers import pipeline

    result, _ = trained
    generate = pipeline("text-generation", model=str(result.output_dir))
    text = generate("the cat", max_new_tokens=8, do_sample=False)[0]["generated_text"]
    assert text.startswith("the cat") and len(text) > len("the cat")
    done = run_cli("predict", result.output_dir, "the dog", "--stream", "--temperature", "0", "--max-new-tokens", "8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_prompt_response_rows_are_joined_by_the_template_with_the_loss_on_the_response(tiny_gpt2, tmp_path):
    from tlstudio.core.backbones import load_tokenizer
    from tlstudio.core.data.readers import read_table
    from tlstudio.core.progress import ListSink
    from tlstudio.core.tasks.lm_data import DEFAULT_TEMPLATE, choose_lm_columns, encode_lm, read_lm_rows

    data = tmp_path / "qa.csv"
    data.write_text("question,answer\nWhat does the cat do?,It sleeps.\nWhat does the dog do?,It runs.\n")
    table = read_table(data)
    columns, note = choose_lm_columns(table, {})
    assert columns == {"prompt_column": "question", "response_column": "answer"} and "prompt" in note
    rows = read_lm_rows(table, columns, DEFAULT_TEMPLATE, ListSink())
    assert rows.prompts[0] == "### Prompt:\nWhat does the cat do?\n\n### Response:\n"
    tokenizer = load_tokenizer(tiny_gpt2)
    encoded, cut, owners = encode_lm(tokenizer, rows, max_length=64)
    assert cut == 0 and owners == [0, 1]
    ids, labels = encoded["input_ids"][0], encoded["labels"][0]
    prompt_tokens = len(tokenizer(rows.prompts[0])["input_ids"])
    assert labels[:prompt_tokens] == [-100] * prompt_tokens
    assert labels[prompt_tokens:] == ids[prompt_tokens:] and ids[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(ids[prompt_tokens:-1]) == "It sleeps."


def test_long_plain_texts_are_read_in_blocks_not_cut(tiny_gpt2):
    from tlstudio.core.backbones import load_tokenizer
    from tlstudio.core.tasks.lm_data import LMRows, encode_lm

    tokenizer = load_tokenizer(tiny_gpt2)
    text = " ".join(["the cat sleeps on the hill every day ."] * 10)
    encoded, cut, owners = encode_lm(tokenizer, LMRows([""], [text], [1]), max_length=16)
    total = len(tokenizer(text)["input_ids"]) + 1
    assert cut == 1 and owners == [0] * len(encoded["input_ids"])
    assert sum(encoded["length"]) >= total - 1 and max(encoded["length"]) <= 16


def test_text_generation_refuses_an_encoder_backbone_and_half_given_columns(tmp_path):
    from tlstudio.core.config import RunConfig
    from tlstudio.core.errors import BackboneError, ConfigError
    from tlstudio.core.training.engine import train

    data = write_stories_csv(tmp_path / "stories.csv", rows=20)
    with pytest.raises(BackboneError, match="causal language model"):
        train(RunConfig(data=str(data), task="text-generation", output=str(tmp_path / "run"), text_column="story"))
    with pytest.raises(ConfigError, match="go together"):
        RunConfig(
            data=str(data), task="text-generation", output=str(tmp_path / "run2"), prompt_column="story"
        ).validate()
    with pytest.raises(ConfigError, match="prompt_template"):
        RunConfig(
            data=str(data), task="text-generation", output=str(tmp_path / "run3"), prompt_template="no placeholders"
        ).validate()


def test_generation_never_runs_past_the_model_positions(trained):
    from tlstudio.core.errors import DataError
    from tlstudio.core.predictors.loading import load_predictor

    result, _ = trained
    generator = load_predictor(result.output_dir)
    text = generator.generate(["the cat"], temperature=0, max_new_tokens=5000)[0]  # 128 positions in all
    assert text
    with pytest.raises(DataError, match="at most 128"):
        generator.generate([" ".join(["the cat sleeps"] * 100)], max_new_tokens=5)


def test_the_auto_strategy_trains_lora_on_a_large_backbone_and_everything_on_a_small_one(
    tiny_gpt2, tmp_path, monkeypatch
):
    from tlstudio.core.config import STRATEGY_DEFAULTS, TASK_DEFAULTS, RunConfig
    from tlstudio.core.progress import ListSink, Message
    from tlstudio.core.training import strategy_choice
    from tlstudio.core.training.engine import train

    data = write_stories_csv(tmp_path / "stories.csv")
    parameters = strategy_choice.backbone_parameters(tiny_gpt2)
    assert parameters > 10_000  # read from the safetensors header, not guessed

    def run(name: str):
        sink = ListSink()
        config = RunConfig(
            data=str(data),
            task="text-generation",
            backbone=str(tiny_gpt2),
            output=str(tmp_path / name),
            text_column="story",
            max_steps=2,
            batch_size=8,
            max_length=32,
            max_new_tokens=4,
            sample_prompts="Once",
        )
        assert config.strategy == "auto"  # the default
        assert train(config, sink).status == "completed"
        notes = [m.text for m in sink.of_type(Message) if m.text.startswith("strategy auto")]
        return json.loads((tmp_path / name / "run.json").read_text()), notes

    # The threshold moved just below the tiny model: it counts as large, so auto means LoRA, with LoRA's rate.
    monkeypatch.setattr(strategy_choice, "LORA_ABOVE_PARAMETERS", parameters - 1)
    record, notes = run("large")
    assert record["config"]["strategy"] == "lora" and record["strategy"]["name"] == "lora"
    assert record["strategy"]["trainable_parameters"] < parameters / 2
    assert record["config"]["learning_rate"] == STRATEGY_DEFAULTS["lora"]["learning_rate"]
    assert len(notes) == 1 and "Choose the 'full' strategy" in notes[0]
    assert (tmp_path / "large" / "adapter").is_dir()

    monkeypatch.setattr(strategy_choice, "LORA_ABOVE_PARAMETERS", parameters)
    record, notes = run("small")
    assert record["config"]["strategy"] == "full" and notes == []
    assert record["config"]["learning_rate"] == TASK_DEFAULTS["text-generation"]["learning_rate"]
    # Other tasks never take LoRA by default, whatever the size.
    assert not strategy_choice.lora_by_default("text-classification", 10**12)
