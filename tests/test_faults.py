"""Faults during a run: NaN loss, running out of memory, a full disk, a cancel at any moment.

Each fault is provoked on the CPU by patching the one call that would fail on
a real machine (the loss, the forward pass, a file write), so the tests run
anywhere in seconds.
"""

from __future__ import annotations

import errno
import json
import threading

import pytest

from helpers import tiny_config, write_sentiment_csv
from tlstudio import cli
from tlstudio.core.progress import CancelToken, ListSink, Message, RunStarted, StepEnded, StepLogged
from tlstudio.core.training import checkpoints
from tlstudio.core.training.engine import resume, train
from tlstudio.core.training.faults import OutOfMemory, TrainingDiverged, smaller_batch
from tlstudio.core.training.trainer import StudioTrainer

# 48 rows -> 43 training rows; batch 8 -> 6 steps per epoch, 12 in all.
FAST = dict(epochs=2, batch_size=8, logging_steps=1, device="cpu", precision="fp32", checkpoint_steps=2)


@pytest.fixture
def data(tmp_path):
    return write_sentiment_csv(tmp_path / "reviews.csv", rows=48)


def saved_weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def all_finite(tensors) -> bool:
    import torch

    return all(bool(torch.isfinite(t).all()) for t in tensors.values())


def patch_loss(monkeypatch, change):
    """Wrap the Trainer's loss: ``change(trainer, model, inputs)`` may raise or return a replacement factor."""
    original = StudioTrainer.compute_loss

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        factor = change(self, model, inputs)
        result = original(self, model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)
        if factor is None:
            return result
        if return_outputs:
            return result[0] * factor, result[1]
        return result * factor

    monkeypatch.setattr(StudioTrainer, "compute_loss", compute_loss)


def main_in_process(argv: list[str]) -> int:
    """``tlstudio ARGV`` in this process (so patches apply), restoring the Ctrl+C handler it installs."""
    import signal

    handler = signal.getsignal(signal.SIGINT)
    try:
        return cli.main(argv)
    finally:
        signal.signal(signal.SIGINT, handler)


def run_json(run):
    return json.loads((run / "run.json").read_text())


# --------------------------------------------------------------------------- NaN / inf


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_stops_at_once_naming_the_step_and_keeps_the_last_good_checkpoint(
    tmp_path, tiny_backbone, data, monkeypatch, capsys, bad
):
    # From the 5th optimizer step on the loss is NaN/inf, as when a learning rate is far too high.
    patch_loss(
        monkeypatch, lambda trainer, model, inputs: bad if model.training and trainer.state.global_step >= 4 else None
    )
    run = tmp_path / "run"
    config = tiny_config(data, run, tiny_backbone, **FAST)
    code = main_in_process(
        [
            "train",
            str(data),
            "--backbone",
            str(tiny_backbone),
            "--output",
            str(run),
            *[f"--{k.replace('_', '-')}={v}" for k, v in FAST.items()],
            "--learning-rate",
            str(config.learning_rate),
            "--warmup-ratio",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    [line] = [text for text in err.splitlines() if text.startswith("error:")]
    assert "at step 5" in line and "learning rate" in line and "Traceback" not in err
    assert ("NaN" if bad != bad else "infinite") in line
    record = run_json(run)
    assert record["status"] == "failed" and "step 5" in record["error"]
    assert not (run / "model.safetensors").exists()  # nothing exported from a diverged run
    kept = checkpoints.complete_checkpoints(run / "checkpoints")
    assert [p.name for p in kept][-1] == "checkpoint-4"
    for checkpoint in kept:
        assert all_finite(saved_weights(checkpoint))


def test_nan_weights_are_never_saved_as_a_checkpoint(tmp_path, tiny_backbone, data, monkeypatch):
    import torch

    original = StudioTrainer.training_step

    def poison_after_step_3(self, model, inputs, num_items_in_batch=None):
        loss = original(self, model, inputs, num_items_in_batch)
        if self.state.global_step == 3:  # a finite loss, but the weights go bad (as with an fp16 overflow)
            with torch.no_grad():
                next(model.parameters()).fill_(float("nan"))
        return loss

    monkeypatch.setattr(StudioTrainer, "training_step", poison_after_step_3)
    with pytest.raises(TrainingDiverged, match="no model was exported"):
        train(tiny_config(data, tmp_path / "run", tiny_backbone, **{**FAST, "checkpoint_steps": 1}))
    kept = checkpoints.complete_checkpoints(tmp_path / "run" / "checkpoints")
    assert kept and all(all_finite(saved_weights(p)) for p in kept)
    assert not list((tmp_path / "run" / "checkpoints").glob("tmp-*"))


# --------------------------------------------------------------------------- out of memory


def test_out_of_memory_halves_the_batch_keeps_the_effective_batch_and_continues(
    tmp_path, tiny_backbone, data, monkeypatch
):
    def fake_cuda_oom(trainer, model, inputs):
        # Training batches above 2 examples "do not fit" once training is under way (after the step-2 checkpoint).
        if model.training and inputs["input_ids"].shape[0] > 2 and trainer.state.global_step >= 3:
            raise RuntimeError("CUDA out of memory.")
        return None

    patch_loss(monkeypatch, fake_cuda_oom)
    sink = ListSink()
    run = tmp_path / "run"
    result = train(tiny_config(data, run, tiny_backbone, **FAST), sink)

    assert result.status == "completed" and result.step == 12  # same number of steps: same effective batch
    changes = [m.text for m in sink.of_type(Message) if "ran out of memory" in m.text]
    assert len(changes) == 2
    assert "batch_size 8; continuing with batch_size 4 and gradient_accumulation_steps 2" in changes[0]
    assert "effective batch of 8" in changes[0] and "from the checkpoint at step 2" in changes[0]
    assert "batch_size 4; continuing with batch_size 2 and gradient_accumulation_steps 4" in changes[1]
    assert [e.resumed_from_step for e in sink.of_type(RunStarted)] == [0, 2, 2]
    record = run_json(run)
    assert record["status"] == "completed"
    assert (record["config"]["batch_size"], record["config"]["gradient_accumulation_steps"]) == (2, 4)
    assert len(record["adjustments"]) == 2  # a later --resume keeps the configuration that fits
    steps = [h["step"] for h in json.loads((run / "trainer_state.json").read_text())["log_history"] if "loss" in h]
    assert steps == list(range(1, 13))


def test_out_of_memory_at_batch_one_is_a_clear_error():
    from tlstudio.core.config import RunConfig

    config, text = smaller_batch(RunConfig(batch_size=6, gradient_accumulation_steps=2))
    assert (config.batch_size, config.gradient_accumulation_steps) == (3, 4)  # 6 x 2 == 3 x 4
    assert smaller_batch(RunConfig(batch_size=5))[0].gradient_accumulation_steps == 5  # 5 = 1 x 5, exactly
    with pytest.raises(OutOfMemory, match="even with a batch of 1"):
        smaller_batch(RunConfig(batch_size=1))


def test_other_runtime_errors_are_not_mistaken_for_out_of_memory(tmp_path, tiny_backbone, data, monkeypatch):
    def broken(trainer, model, inputs):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    patch_loss(monkeypatch, broken)
    with pytest.raises(RuntimeError, match="shapes"):
        train(tiny_config(data, tmp_path / "run", tiny_backbone, **FAST))
    assert run_json(tmp_path / "run")["status"] == "failed"


# --------------------------------------------------------------------------- disk full


def test_too_little_free_space_is_caught_before_saving(tmp_path, tiny_backbone, data, monkeypatch):
    real_free = checkpoints.free_bytes
    saves = []

    def free_bytes(folder):
        saves.append(folder)
        # Plenty of room for the first checkpoint, then the disk "fills up".
        return real_free(folder) if len(saves) <= 2 else 1024

    monkeypatch.setattr(checkpoints, "free_bytes", free_bytes)
    run = tmp_path / "run"
    with pytest.raises(checkpoints.CheckpointWriteError) as info:
        train(tiny_config(data, run, tiny_backbone, **FAST))
    message = str(info.value)
    assert "step 4" in message and "only 1.0 KB is free" in message
    assert "previous checkpoint (step 2) is intact" in message and f"--resume {run.resolve()}" in message
    assert [p.name for p in checkpoints.complete_checkpoints(run / "checkpoints")] == ["checkpoint-2"]
    assert not list((run / "checkpoints").glob("tmp-*"))
    assert run_json(run)["status"] == "stopped"

    monkeypatch.setattr(checkpoints, "free_bytes", real_free)  # the user freed some space
    sink = ListSink()
    result = resume(run, sink)
    assert result.status == "completed" and result.step == 12
    assert any("last time this run stopped because: could not save" in m.text for m in sink.of_type(Message))


def test_a_disk_too_small_for_any_checkpoint_is_said_up_front(tmp_path, tiny_backbone, data, monkeypatch):
    monkeypatch.setattr(checkpoints, "free_bytes", lambda folder: 1024)
    sink = ListSink()
    with pytest.raises(checkpoints.CheckpointWriteError, match="There is no earlier checkpoint yet"):
        train(tiny_config(data, tmp_path / "run", tiny_backbone, **FAST), sink)
    [warning] = [m.text for m in sink.of_type(Message) if "free" in m.text]
    assert "has 1.0 KB free" in warning and "ready to resume once there is room" in warning


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed"),
        OSError(errno.EACCES, "Permission denied"),
    ],
)
def test_a_save_that_fails_midway_leaves_the_previous_checkpoint_intact(
    tmp_path, tiny_backbone, data, monkeypatch, failure
):
    original = StudioTrainer._save_optimizer_and_scheduler

    def fail_at_step_4(self, output_dir):
        original(self, output_dir)  # the weights and the optimizer are already on disk: a real midway failure
        if self.state.global_step == 4:
            raise failure

    monkeypatch.setattr(StudioTrainer, "_save_optimizer_and_scheduler", fail_at_step_4)
    run = tmp_path / "run"
    before = None

    class Snapshot(ListSink):
        def emit(self, event):
            nonlocal before
            if isinstance(event, StepEnded) and event.step == 3:
                before = {p.name: p.read_bytes() for p in (run / "checkpoints" / "checkpoint-2").iterdir()}

    with pytest.raises(checkpoints.CheckpointWriteError) as info:
        train(tiny_config(data, run, tiny_backbone, **FAST), Snapshot())
    reason = (
        "cannot be written"
        if getattr(failure, "errno", None) == errno.EACCES
        else "disk is full"
        if isinstance(failure, OSError)
        else "writing failed"
    )
    assert reason in str(info.value) and "step 4" in str(info.value)
    kept = checkpoints.complete_checkpoints(run / "checkpoints")
    assert [p.name for p in kept] == ["checkpoint-2"]
    assert {p.name: p.read_bytes() for p in kept[0].iterdir()} == before  # byte for byte
    assert not list((run / "checkpoints").glob("tmp-*"))


def test_a_bug_while_saving_is_not_reported_as_a_full_disk(tmp_path, tiny_backbone, data, monkeypatch):
    def bug(self, output_dir):
        raise TypeError("unexpected keyword")

    monkeypatch.setattr(StudioTrainer, "_save_rng_state", bug)
    with pytest.raises(TypeError):
        train(tiny_config(data, tmp_path / "run", tiny_backbone, **FAST))
    assert not list((tmp_path / "run" / "checkpoints").glob("tmp-*"))


def test_pruning_keeps_the_newest_and_the_best(tmp_path):
    root = tmp_path / "checkpoints"
    for step in (2, 4, 6, 8, 10):
        (root / f"checkpoint-{step}").mkdir(parents=True)
        (root / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    (root / "tmp-checkpoint-12").mkdir()  # an interrupted save is never counted as a checkpoint
    removed = checkpoints.prune(root, 2, keep=root / "checkpoint-4")
    assert sorted(p.name for p in removed) == ["checkpoint-2", "checkpoint-6"]
    assert [p.name for p in checkpoints.complete_checkpoints(root)] == ["checkpoint-4", "checkpoint-8", "checkpoint-10"]
    assert checkpoints.remove_leftovers(root) == ["tmp-checkpoint-12"]


# --------------------------------------------------------------------------- cancel


def _cancel_in_thread(config, trigger):
    """Run ``train`` on a worker thread, as the app does, and cancel it when ``trigger`` fires."""
    cancel = CancelToken()
    outcome = {}

    def work():
        try:
            outcome["result"] = train(config, ListSink(), cancel)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome["error"] = exc

    trigger(cancel)
    before = set(threading.enumerate())
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "training did not stop after cancel"
    assert "error" not in outcome, outcome.get("error")
    leftover = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leftover == [], leftover
    return outcome["result"]


@pytest.mark.parametrize("moment", ["mid-step", "mid-eval", "mid-save"])
def test_cancel_at_any_moment_ends_cleanly_with_a_resumable_checkpoint(
    tmp_path, tiny_backbone, data, monkeypatch, moment
):
    import psutil

    config = tiny_config(data, tmp_path / "run", tiny_backbone, **{**FAST, "checkpoint_steps": 4})

    def trigger(cancel):
        if moment == "mid-step":
            original = StudioTrainer.training_step

            def step(self, *args, **kwargs):
                if self.state.global_step == 2:
                    cancel.cancel()  # while step 3's forward/backward runs
                return original(self, *args, **kwargs)

            monkeypatch.setattr(StudioTrainer, "training_step", step)
        elif moment == "mid-eval":
            original = StudioTrainer.prediction_step

            def predict(self, *args, **kwargs):
                cancel.cancel()  # during the end-of-epoch evaluation at step 6
                return original(self, *args, **kwargs)

            monkeypatch.setattr(StudioTrainer, "prediction_step", predict)
        else:
            original = checkpoints._publish

            def publish(staging, final):
                cancel.cancel()  # while checkpoint-4 is being written
                return original(staging, final)

            monkeypatch.setattr(checkpoints, "_publish", publish)

    result = _cancel_in_thread(config, trigger)
    expected = {"mid-step": 3, "mid-eval": 6, "mid-save": 4}[moment]
    assert result.status == "cancelled" and result.step == expected
    assert psutil.Process().children(recursive=True) == []
    run = tmp_path / "run"
    assert checkpoints.checkpoint_step(checkpoints.last_checkpoint(run / "checkpoints")) == expected
    assert not list((run / "checkpoints").glob("tmp-*"))
    assert run_json(run)["status"] == "stopped"
    assert not (run / ".lock").exists()
    if moment == "mid-save":
        monkeypatch.undo()
        sink = ListSink()
        assert resume(run, sink).status == "completed"
        assert [e.step for e in sink.of_type(StepLogged)][0] == expected + 1
