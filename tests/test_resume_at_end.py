"""A run that died after its last checkpoint, during the final evaluation: resuming it finishes the run
without training a step past its end (issue: 13 steps of 12 recorded, a negative time left shown)."""

from __future__ import annotations

import json

import pytest

from helpers import tiny_config
from tlstudio.core.progress import ListSink, RunFinished, RunStarted, StageChanged, StepEnded, StepLogged
from tlstudio.core.training.engine import resume, train


class Killed(BaseException):
    """Stands for the process dying: nothing in the engine catches it, so run.json keeps saying 'running'."""


class DiesAtFinalEvaluation(ListSink):
    def emit(self, event):
        super().emit(event)
        if isinstance(event, StageChanged) and event.stage == "evaluating":
            raise Killed()


def test_resuming_after_the_last_checkpoint_trains_no_step_past_the_end(tmp_path, tiny_backbone, sentiment_csv):
    config = tiny_config(
        sentiment_csv,
        tmp_path / "run",
        tiny_backbone,
        max_steps=12,
        eval_strategy="steps",
        eval_steps=6,
        logging_steps=1,
    )
    with pytest.raises(Killed):
        train(config, DiesAtFinalEvaluation())
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["status"] == "running"
    assert (tmp_path / "run" / "checkpoints" / "checkpoint-12").is_dir()

    sink = ListSink()
    result = resume(tmp_path / "run", sink)
    assert result.status == "completed" and result.step == 12
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["total_steps"] == 12
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["total_steps"] == 12
    assert not [e for e in sink.of_type(StepLogged) if e.step > 12]
    started = sink.of_type(RunStarted)[0]
    assert started.resumed_from_step == 12 and started.total_steps == 12
    etas = [e.eta_seconds for e in sink.of_type(StepEnded) + sink.of_type(StepLogged) if e.eta_seconds is not None]
    assert all(eta >= 0 for eta in etas)
    assert sink.of_type(RunFinished)[0].step == 12


def test_the_finished_checkpoint_gives_the_same_model_as_an_uninterrupted_run(tmp_path, tiny_backbone, sentiment_csv):
    def config(name):
        return tiny_config(
            sentiment_csv, tmp_path / name, tiny_backbone, max_steps=12, eval_strategy="steps", eval_steps=6
        )

    with pytest.raises(Killed):
        train(config("died"), DiesAtFinalEvaluation())
    resumed = resume(tmp_path / "died", ListSink())
    whole = train(config("whole"), ListSink())
    # The best checkpoint is loaded as train() would have loaded it: same best step, same validation figures.
    assert resumed.metrics["best_step"] == whole.metrics["best_step"]
    for key in ("accuracy", "macro_f1"):
        assert resumed.metrics[key] == pytest.approx(whole.metrics[key], abs=1e-6)
    import numpy as np
    from safetensors.numpy import load_file

    a, b = load_file(tmp_path / "died" / "model.safetensors"), load_file(tmp_path / "whole" / "model.safetensors")
    assert a.keys() == b.keys()
    assert max(float(np.abs(a[k] - b[k]).max()) for k in a) <= 1e-4
