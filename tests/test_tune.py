"""Hyperparameter search: trials, pruning, the results table and promoting the best config."""

from __future__ import annotations

import csv
import json

from helpers import tiny_config
from tlstudio.cli import main
from tlstudio.core.config import RunConfig
from tlstudio.core.progress import CancelToken, Evaluated, ListSink, TrialFinished, TrialStarted
from tlstudio.core.training.engine import RunResult


def test_tune_writes_the_trials_and_a_best_config_that_train_promotes(tmp_path, tiny_backbone, sentiment_csv, capsys):
    out = tmp_path / "search"
    flags = [
        "--backbone",
        str(tiny_backbone),
        "--text-column",
        "text",
        "--label-column",
        "label",
        "--max-steps",
        "4",
        "--batch-size",
        "16",
        "--eval-strategy",
        "steps",
        "--eval-steps",
        "2",
        "--warmup-ratio",
        "0",
    ]
    code = main(
        [
            "tune",
            str(sentiment_csv),
            "--output",
            str(out),
            "--trials",
            "2",
            "--space",
            "learning_rate,strategy,batch_size",
            *flags,
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.startswith("trial  "))
    assert header.split() == ["trial", "state", "macro_f1", "time", "learning_rate", "strategy"]
    assert "tlstudio train --config" in printed
    rows = list(csv.DictReader((out / "trials.csv").open()))
    assert [r["trial"] for r in rows] == ["0", "1"]
    assert set(rows[0]) >= {"macro_f1", "learning_rate", "strategy"}
    best = json.loads((out / "best_run.json").read_text())
    summary = json.loads((out / "tuning.json").read_text())
    assert best["config"]["learning_rate"] == summary["best"]["params"]["learning_rate"]
    assert best["config"]["batch_size"] == 16 and summary["searched"] == ["learning_rate", "strategy"]  # flags fixed
    assert best["config"]["max_steps"] == 4 and best["config"]["output"] == ""
    kept = [r for r in rows if (out / "trials" / f"trial-{int(r['trial']):03d}" / "model.safetensors").exists()]
    assert [r["trial"] for r in kept] == [str(summary["best"]["number"])]  # only the best trial keeps weights
    assert not list(out.glob("trials/*/checkpoints"))

    assert main(["train", "--config", str(out / "best_run.json"), "--output", str(tmp_path / "full")]) == 0
    promoted = json.loads((tmp_path / "full" / "run.json").read_text())["config"]
    assert promoted["strategy"] == summary["best"]["params"]["strategy"]


def test_a_trial_below_the_median_is_stopped_early(tmp_path, monkeypatch, sentiment_csv, tiny_backbone):
    """Pruning logic with a stand-in for training: the third trial scores far below the first two."""
    from tlstudio.core.studies import tuning
    from tlstudio.core.training import engine

    scores = iter([[0.8, 0.9, 0.9], [0.7, 0.8, 0.85], [0.1, 0.1, 0.1]])
    evaluations = []

    def fake_train(config, sink, cancel, allow_pickle=False):
        (tmp_path / "x").mkdir(exist_ok=True)
        for step, value in enumerate(next(scores), start=1):
            sink.emit(Evaluated(step=step, epoch=float(step), metrics={"macro_f1": value}))
            evaluations.append(config.output)
            if cancel.cancelled:
                return RunResult("cancelled", config.output, step=step)
        return RunResult("completed", config.output, {}, 3)

    monkeypatch.setattr(engine, "train", fake_train)
    sink = ListSink()
    result = tuning.tune(
        tiny_config(sentiment_csv, tmp_path / "search", tiny_backbone), trials=3, space=["learning_rate"], sink=sink
    )
    assert [t.state for t in result.trials] == ["complete", "complete", "pruned"]
    assert result.best.number == 0 and result.best.value == 0.9
    assert sum(1 for output in evaluations if output.endswith("trial-002")) == 1  # stopped after one evaluation
    assert [e.number for e in sink.of_type(TrialStarted)] == [0, 1, 2]
    assert sink.of_type(TrialFinished)[-1].best_value == 0.9


def test_cancelling_a_search_keeps_the_finished_trials(tmp_path, monkeypatch, sentiment_csv, tiny_backbone):
    from tlstudio.core.studies import tuning
    from tlstudio.core.training import engine

    cancel = CancelToken()

    def fake_train(config, sink, token, allow_pickle=False):
        sink.emit(Evaluated(step=1, epoch=1.0, metrics={"macro_f1": 0.5}))
        cancel.cancel()  # the user presses Stop during the first trial...
        return RunResult("cancelled" if token.cancelled else "completed", config.output, step=1)

    monkeypatch.setattr(engine, "train", fake_train)
    result = tuning.tune(
        tiny_config(sentiment_csv, tmp_path / "search", tiny_backbone), trials=5, space=["learning_rate"], cancel=cancel
    )
    assert result.status == "cancelled" and [t.state for t in result.trials] == ["stopped"]
    assert (tmp_path / "search" / "tuning.json").is_file() and not (tmp_path / "search" / "best_run.json").exists()


def test_tune_needs_a_budget(tmp_path, sentiment_csv, capsys):
    assert main(["tune", str(sentiment_csv), "--output", str(tmp_path / "s")]) == 2
    assert "--trials N, --minutes M" in capsys.readouterr().err
    assert (
        main(["tune", str(sentiment_csv), "--output", str(tmp_path / "s"), "--trials", "2", "--space", "max_length"])
        == 2
    )
    assert RunConfig().strategy == "auto"
