"""Fine-tuning end to end with a tiny BERT: the run folder, metrics, cancel and resume."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import tiny_config, write_sentiment_csv
from tlstudio.core.errors import ConfigError, DataError
from tlstudio.core.progress import CancelToken, Evaluated, ListSink, RunStarted, StepEnded, StepLogged
from tlstudio.core.training.engine import resume, train


def test_run_folder_is_a_standard_model_folder(tmp_path, tiny_backbone, sentiment_csv):
    sink = ListSink()
    result = train(tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone), sink)
    run = tmp_path / "run"
    assert result.status == "completed"
    names = {p.name for p in run.iterdir()}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "README.md",
        "run.json",
        "metrics.json",
        "trainer_state.json",
    } <= names
    assert not [n for n in names if n.endswith((".bin", ".pt", ".pth", ".pkl"))]
    config = json.loads((run / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["accuracy"] > 0.9 and metrics["macro_f1"] > 0.9  # the fixture data is easy to learn
    assert set(metrics["per_class"]) == {"negative", "positive"}
    assert metrics["confusion_matrix"]["labels"] == ["negative", "positive"]
    assert metrics["eval_size"] == 16 and metrics["train_size"] == 144
    card = (run / "README.md").read_text()
    assert card.startswith("---\n") and "base_model" not in card.split("---")[1]  # local backbone: none known
    assert "| Accuracy |" in card
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "completed" and record["config"]["seed"] == 42
    assert len(record["data"]["sha256"]) == 64
    # events a UI can draw: a start, loss points, per-epoch evaluations
    assert sink.of_type(RunStarted)[0].total_steps == 54
    assert len(sink.of_type(StepLogged)) == 27  # logging_steps=2
    assert [round(e.epoch) for e in sink.of_type(Evaluated)] == [1, 2, 3, 4, 5, 6]


def test_export_loads_with_pipeline_in_a_process_without_tlstudio(tmp_path, tiny_backbone, sentiment_csv):
    train(tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone))
    code = (
        "import sys, json\n"
        "from transformers import pipeline\n"
        "clf = pipeline('text-classification', model=sys.argv[1])\n"
        "out = clf(['the food was great and lovely', 'awful and terrible service'])\n"
        "assert 'tlstudio' not in sys.modules\n"
        "print(json.dumps([o['label'] for o in out]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "run")], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["positive", "negative"]


def test_cancel_saves_a_checkpoint_and_resume_finishes_the_run(tmp_path, tiny_backbone, sentiment_csv):
    cancel = CancelToken()

    class StopAtStep5(ListSink):
        def emit(self, event):
            super().emit(event)
            if isinstance(event, StepEnded) and event.step == 5:
                cancel.cancel()

    config = tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone, logging_steps=1)
    first = train(config, StopAtStep5(), cancel)
    assert first.status == "cancelled" and first.step == 5
    assert (tmp_path / "run" / "checkpoints" / "checkpoint-5" / "trainer_state.json").is_file()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "stopped"

    sink = ListSink()
    second = resume(tmp_path / "run", sink)
    assert second.status == "completed" and second.step == 54
    assert sink.of_type(RunStarted)[0].resumed_from_step == 5
    steps = [e.step for e in sink.of_type(StepLogged)]
    assert steps[0] == 6 and steps == sorted(set(steps))  # picks up where it stopped, no step twice
    history = json.loads((tmp_path / "run" / "trainer_state.json").read_text())["log_history"]
    logged = [h["step"] for h in history if "loss" in h]
    assert logged == list(range(1, 55))  # one loss per step across both sessions: no gap, no duplicate


def test_resume_refuses_a_finished_run_and_a_changed_data_file(tmp_path, tiny_backbone):
    data = write_sentiment_csv(tmp_path / "d.csv")
    cancel = CancelToken()

    class StopAtStep3(ListSink):
        def emit(self, event):
            if isinstance(event, StepEnded) and event.step == 3:
                cancel.cancel()

    train(tiny_config(data, tmp_path / "run", tiny_backbone), StopAtStep3(), cancel)
    write_sentiment_csv(data, seed=5)
    with pytest.raises(DataError, match="has changed since this run started"):
        resume(tmp_path / "run")
    done = tiny_config(data, tmp_path / "done", tiny_backbone, epochs=1)
    train(done)
    with pytest.raises(ConfigError, match="already finished"):
        resume(tmp_path / "done")


def test_output_folder_holding_other_files_is_refused(tmp_path, tiny_backbone, sentiment_csv):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        train(tiny_config(sentiment_csv, tmp_path / "out", tiny_backbone))
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_skewed_labels_turn_on_class_weighting(tmp_path, tiny_backbone):
    import csv

    from helpers import make_sentence
    import random

    rng = random.Random(3)
    path = tmp_path / "skewed.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(200):
            label = "positive" if i % 10 else "negative"  # 90/10
            writer.writerow([make_sentence(rng, label), label])
    sink = ListSink()
    result = train(tiny_config(path, tmp_path / "run", tiny_backbone, epochs=8), sink)
    assert any("weighting the loss" in m.text for m in sink.events if hasattr(m, "text"))
    assert result.metrics["macro_f1"] > result.metrics["majority_macro_f1"] + 0.2


def test_gradient_accumulation_keeps_the_loss_on_the_plain_batch_scale(tmp_path, tiny_backbone, sentiment_csv):
    # Most heads average their loss over the batch in front of them; transformers would skip dividing
    # by the accumulation steps for them (they take **kwargs), doubling the loss and gradients here.
    def first_loss(name, **settings):
        sink = ListSink()
        train(
            tiny_config(sentiment_csv, tmp_path / name, tiny_backbone, max_steps=1, logging_steps=1, **settings), sink
        )
        return sink.of_type(StepLogged)[0].loss

    plain = first_loss("plain", batch_size=16)
    accumulated = first_loss("accumulated", batch_size=8, gradient_accumulation_steps=2)
    assert 0.5 < plain < 0.9  # two classes, a fresh head: about ln 2
    assert abs(accumulated - plain) < 0.1
