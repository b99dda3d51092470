"""Multi-task learning: sub-tasks sharing one backbone, trained together, exported one model each."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import write_entities_jsonl, write_two_label_csv
from tlstudio.core.config import RunConfig
from tlstudio.core.errors import ConfigError, DataError
from tlstudio.core.progress import CancelToken, Evaluated, ListSink, RunStarted, StepEnded


def multi_config(tmp_path, backbone, subtasks, **overrides):
    values = dict(
        task="multi-task",
        subtasks=json.dumps(subtasks),
        backbone=str(backbone),
        output=str(tmp_path / "run"),
        epochs=3,
        batch_size=16,
        learning_rate=3e-3,
        warmup_ratio=0.0,
        logging_steps=2,
        device="cpu",
    )
    values.update(overrides)
    return RunConfig(**values)


PIPELINE_CHECK = """
import json, sys
from transformers import pipeline
out = {}
for kind, path, text in json.loads(sys.argv[1]):
    options = {"aggregation_strategy": "first"} if kind == "token-classification" else {}
    result = pipeline(kind, model=path, device=-1, **options)(text)
    out[path] = [r["entity_group"] for r in result] if kind == "token-classification" else result[0]["label"]
print(json.dumps(out))
"""


def pipeline_outputs(checks):
    """Loads each folder with transformers.pipeline in a fresh process that never imports tlstudio."""
    done = subprocess.run(
        [sys.executable, "-c", PIPELINE_CHECK, json.dumps(checks)], capture_output=True, text=True, timeout=120, cwd="/"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_label_columns_of_the_same_rows_train_together_and_export_one_model_each(tmp_path, tiny_backbone):
    from safetensors import safe_open

    from tlstudio.core.predictors.loading import Classifier
    from tlstudio.core.training.engine import train

    data = write_two_label_csv(tmp_path / "reviews.csv", rows=160)
    subtasks = [
        {"name": "sentiment", "text_column": "text", "label_column": "sentiment"},
        {"name": "topic", "text_column": "text", "label_column": "topic", "weight": 0.5},
    ]
    sink = ListSink()
    result = train(multi_config(tmp_path, tiny_backbone, subtasks, data=str(data), epochs=4), sink)
    assert result.status == "completed"
    run = result.output_dir

    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["tasks"]) == {"sentiment", "topic"}
    assert metrics["tasks"]["topic"]["weight"] == 0.5
    assert metrics["mean_task_score"] == pytest.approx(
        (metrics["tasks"]["sentiment"]["macro_f1"] + metrics["tasks"]["topic"]["macro_f1"]) / 2
    )
    for name in ("sentiment", "topic"):  # both heads learn on the shared encoder, well past guessing
        report = metrics["tasks"][name]
        assert report["macro_f1"] >= report["majority_macro_f1"] + 0.25, (name, report)
    # Each evaluation reports every sub-task, for one chart series per sub-task.
    evaluations = sink.of_type(Evaluated)
    assert evaluations and all(
        {"sentiment/macro_f1", "topic/macro_f1", "mean_task_score", "loss"} <= set(e.metrics) for e in evaluations
    )
    # run.json records the sub-tasks with absolute data paths, so the run repeats without the spec file.
    record = json.loads((run / "run.json").read_text())
    assert [s["name"] for s in record["config"]["subtasks"]] == ["sentiment", "topic"]
    assert record["config"]["subtasks"][0]["data"] == str(data.resolve())

    # The joint checkpoint stores the shared encoder once, and every head.
    with safe_open(str(run / "joint" / "model.safetensors"), "pt") as joint:
        keys = list(joint.keys())
    encoder = [k for k in keys if ".encoder.layer.0.attention.self.query.weight" in k]
    assert len(encoder) == 1
    assert {k.split(".")[1] for k in keys if k.endswith("classifier.weight")} == {"sentiment", "topic"}

    texts = ["the food was excellent", "the phone was awful"]
    ours = {name: [p.label for p in Classifier(run / "tasks" / name).predict(texts)] for name in ("sentiment", "topic")}
    theirs = pipeline_outputs(
        [
            ["text-classification", str(run / "tasks" / name), text]
            for name in ("sentiment", "topic")
            for text in texts[:1]
        ]
    )
    assert theirs[str(run / "tasks" / "sentiment")] == ours["sentiment"][0]
    assert theirs[str(run / "tasks" / "topic")] == ours["topic"][0]
    card = (run / "tasks" / "topic" / "README.md").read_text()
    assert card.startswith("---") and "pipeline_tag: text-classification" in card


def test_classification_and_tagging_from_two_files_resume_and_continue_from_the_joint_checkpoint(
    tmp_path, tiny_task_backbone
):
    from tlstudio.core.training.engine import resume, train

    reviews = write_two_label_csv(tmp_path / "reviews.csv", rows=64)
    entities = write_entities_jsonl(tmp_path / "entities.jsonl", rows=64)
    subtasks = [
        {"name": "sentiment", "data": str(reviews), "text_column": "text", "label_column": "sentiment"},
        {"name": "entities", "task": "token-classification", "data": str(entities), "proportion": 2},
    ]
    config = multi_config(tmp_path, tiny_task_backbone, subtasks, epochs=2, save_total_limit=3)

    cancel = CancelToken()

    class StopAtStep:
        def __init__(self):
            self.events = []

        def emit(self, event):
            self.events.append(event)
            if isinstance(event, StepEnded) and event.step == 5:
                cancel.cancel()

    first = train(config, StopAtStep(), cancel)
    assert first.status == "cancelled" and first.step == 5
    sink = ListSink()
    result = resume(config.output, sink)
    assert result.status == "completed"
    assert sink.of_type(RunStarted)[0].resumed_from_step == 5
    metrics = result.metrics
    # proportion 2 : the classification's row share -> the tagger gets most batches.
    assert metrics["batches_per_epoch"]["entities"] > metrics["batches_per_epoch"]["sentiment"]
    assert metrics["score_metrics"] == {"sentiment": "macro_f1", "entities": "f1"}
    assert "per_type" in metrics["tasks"]["entities"]

    tagged = pipeline_outputs(
        [["token-classification", str(result.output_dir / "tasks" / "entities"), "Anna flew to Lisbon on Monday ."]]
    )
    assert isinstance(tagged[str(result.output_dir / "tasks" / "entities")], list)

    # A new run from the joint checkpoint starts with the trained encoder and heads.
    again = ListSink()
    follow = train(
        multi_config(tmp_path, result.output_dir / "joint", subtasks, output=str(tmp_path / "more"), max_steps=2), again
    )
    assert follow.status == "completed"
    notes = " ".join(m.text for m in again.events if hasattr(m, "text"))
    assert "heads of sentiment, entities" in notes


def test_batches_come_from_one_sub_task_in_the_chosen_proportions_and_repeat_per_epoch():
    from tlstudio.core.multitask.batches import TaskBatchSampler, batch_shares

    sizes = [40, 200]
    shares = batch_shares(sizes, [1.0, 1.0])
    sampler = TaskBatchSampler(sizes, shares, 8, seed=3)
    assert sampler.counts == [15, 15]  # 30 batches an epoch (5 + 25), shared equally
    batches = sampler.batches()
    for task, indices in batches:
        low, high = (0, 40) if task == 0 else (40, 240)
        assert len(indices) == 8 and all(low <= i < high for i in indices)
    assert len(list(sampler)) == len(sampler)
    sampler.set_epoch(1)
    other = sampler.batches()
    sampler.set_epoch(0)
    assert sampler.batches() == batches and other != batches
    by_rows = TaskBatchSampler(sizes, batch_shares(sizes, [None, None]), 8, seed=3)
    assert by_rows.counts == [5, 25]


@pytest.mark.parametrize(
    "entry, expected",
    [
        ({"name": "b", "weight": -1}, "sub-task 2 ('b'): 'weight' must be a positive number"),
        ({"name": "b", "proportion": "lots"}, "sub-task 2 ('b'): 'proportion' must be a positive number"),
        ({"name": "b", "task": "translation"}, "'task' must be text-classification or token-classification"),
        ({"name": "b c"}, "sub-task 2 ('b c'): 'name' must be a short name"),
        ({"name": "a"}, "two sub-tasks are named 'a'"),
        ({"name": "b", "colour": "red"}, "sub-task 2 ('b'): unknown key(s) colour"),
    ],
)
def test_a_bad_sub_task_is_a_one_line_error_naming_the_field(tmp_path, entry, expected):
    from tlstudio.core.multitask.spec import read_spec

    data = write_two_label_csv(tmp_path / "reviews.csv", rows=8)
    with pytest.raises(ConfigError) as caught:
        read_spec([{"name": "a"}, entry], default_data=str(data))
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_spec_file_errors_reach_the_cli_as_one_line(tmp_path, capsys):
    from tlstudio.cli import main
    from tlstudio.core.multitask.spec import read_spec

    data = write_two_label_csv(tmp_path / "reviews.csv", rows=8)
    with pytest.raises(DataError, match="sub-task 2 \\('b'\\): data file .*missing.csv does not exist"):
        read_spec([{"name": "a"}, {"name": "b", "data": "missing.csv"}], default_data=str(data))
    with pytest.raises(ConfigError, match="needs at least two"):
        read_spec([{"name": "a"}], default_data=str(data))
    spec = tmp_path / "tasks.json"
    spec.write_text(json.dumps([{"name": "a", "label_column": "sentiment"}, {"name": "b", "label_column": "nope"}]))
    code = main(
        [
            "train",
            str(data),
            "--task",
            "multi-task",
            "--subtasks",
            str(spec),
            "--output",
            str(tmp_path / "out"),
            "--backbone",
            str(tmp_path),
        ]
    )
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 2 and len(err) == 1 and err[0].startswith("error: sub-task 'b':") and "'nope'" in err[0]
    code = main(
        [
            "train",
            str(data),
            "--task",
            "multi-task",
            "--subtasks",
            str(spec),
            "--strategy",
            "lora",
            "--output",
            str(tmp_path / "out2"),
        ]
    )
    assert code == 2 and "not available for multi-task" in capsys.readouterr().err


def test_cli_trains_two_tasks_compares_with_single_task_runs_and_predicts_per_sub_task(tmp_path, tiny_backbone, capsys):
    from tlstudio.cli import main

    data = write_two_label_csv(tmp_path / "reviews.csv", rows=64)
    spec = tmp_path / "tasks.json"
    spec.write_text(
        json.dumps(
            {"tasks": [{"name": "sentiment", "label_column": "sentiment"}, {"name": "topic", "label_column": "topic"}]}
        )
    )
    run = tmp_path / "run"
    code = main(
        [
            "train",
            str(data),
            "--task",
            "multi-task",
            "--subtasks",
            str(spec),
            "--backbone",
            str(tiny_backbone),
            "--max-steps",
            "4",
            "--batch-size",
            "16",
            "--device",
            "cpu",
            "--compare-single-task",
            "--output",
            str(run),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "multi-task" in out and "alone" in out and "mean_task_score" in out
    metrics = json.loads((run / "metrics.json").read_text())
    for name in ("sentiment", "topic"):
        row = metrics["comparison"][name]
        assert row["metric"] == "macro_f1" and isinstance(row["single_task"], float)
        assert json.loads((run / "single" / name / "metrics.json").read_text())["task"] == "text-classification"
    assert "Against each sub-task trained alone" in (run / "README.md").read_text()

    assert main(["predict", str(run), "the food was lovely"]) == 2
    assert "--subtask" in capsys.readouterr().err
    assert main(["predict", str(run), "the food was lovely", "--subtask", "topic", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["label"] in ("food", "service", "tech")
    assert (
        main(
            [
                "evaluate",
                str(run),
                str(data),
                "--subtask",
                "sentiment",
                "--text-column",
                "text",
                "--label-column",
                "sentiment",
                "--json",
            ]
        )
        == 0
    )
    assert "accuracy" in json.loads(capsys.readouterr().out)
    assert main(["export", str(run), "--format", "hf", "--output", str(tmp_path / "x")]) == 2
    assert "is a multi-task run" in capsys.readouterr().err


def test_a_search_over_a_multi_task_run_tries_only_the_strategies_multi_task_can_use(tmp_path, tiny_backbone):
    from tlstudio.core.studies.tuning import objective_of, tune

    data = write_two_label_csv(tmp_path / "reviews.csv", rows=64)
    subtasks = [
        {"name": "sentiment", "text_column": "text", "label_column": "sentiment"},
        {"name": "topic", "text_column": "text", "label_column": "topic"},
    ]
    config = multi_config(
        tmp_path,
        tiny_backbone,
        subtasks,
        data=str(data),
        output=str(tmp_path / "search"),
        max_steps=4,
        eval_strategy="steps",
        eval_steps=2,
    )
    result = tune(config, trials=4, space=["learning_rate", "strategy"])
    assert result.status == "completed" and result.objective == objective_of(config)[0]
    assert [t.state for t in result.trials] == ["complete"] * 4, [(t.state, t.note) for t in result.trials]
    assert {t.params["strategy"] for t in result.trials} <= {"full", "frozen"}
    best = json.loads((tmp_path / "search" / "best_run.json").read_text())
    assert best["config"]["task"] == "multi-task"
    assert [(s["name"], s["data"]) for s in best["config"]["subtasks"]] == [
        ("sentiment", str(data.resolve())),
        ("topic", str(data.resolve())),
    ]
    from tlstudio.cli import main

    # The best settings train again from another folder (the sub-tasks' paths are absolute).
    assert (
        main(["train", "--config", str(tmp_path / "search" / "best_run.json"), "--output", str(tmp_path / "promoted")])
        == 0
    )
    assert set(json.loads((tmp_path / "promoted" / "metrics.json").read_text())["tasks"]) == {"sentiment", "topic"}
