"""A run killed with SIGKILL in the middle of saving a checkpoint resumes to exactly the same model.

The kill lands in epoch 2, after a step checkpoint, while the next checkpoint
is being written: the worst moment.  The resumed run must ignore the
half-written checkpoint, start from the last complete one, visit the same
batches in the same order with the same random state (dropout), and end with
the same weights as a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import REPO, tiny_config, write_sentiment_csv
from tlstudio.core.progress import ListSink, RunStarted
from tlstudio.core.runs.recovery import find_interrupted_runs
from tlstudio.core.training.engine import resume, train

# 96 rows -> 86 training rows, batch 8 -> 11 steps per epoch, 33 in all; epoch 2 is steps 12-22.
SETTINGS = dict(
    epochs=3,
    batch_size=8,
    checkpoint_steps=4,
    logging_steps=1,
    device="cpu",
    precision="fp32",
    learning_rate=1e-3,
    keep_checkpoints=True,
)  # the final checkpoints are compared
CHECKPOINT_BEFORE_KILL = 16
KILLED_DURING_SAVE_OF = 20

CHILD = textwrap.dedent("""
    import json, sys, time
    from tlstudio.core.config import RunConfig
    from tlstudio.core.training import checkpoints
    from tlstudio.core.training.engine import train

    publish = checkpoints._publish

    def publish_then_hang(staging, final):
        # Everything of the checkpoint is written and flushed; only the rename is left.
        if final.name == "checkpoint-{step}":
            print("SAVING", flush=True)
            time.sleep(600)
        publish(staging, final)

    checkpoints._publish = publish_then_hang
    train(RunConfig(**json.loads(sys.argv[1])))
""")


def weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def max_difference(a, b) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


def loss_history(run):
    history = json.loads((run / "trainer_state.json").read_text())["log_history"]
    return [(h["step"], h["loss"]) for h in history if "loss" in h]


def test_sigkill_mid_save_in_epoch_two_resumes_to_the_same_weights(tmp_path, tiny_backbone):
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=96)
    reference = tmp_path / "uninterrupted"
    train(tiny_config(data, reference, tiny_backbone, **SETTINGS))

    killed = tmp_path / "killed"
    config = tiny_config(data, killed, tiny_backbone, **SETTINGS)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(step=KILLED_DURING_SAVE_OF), json.dumps(config.to_dict())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "SAVING", child.stderr.read()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    ckpts = killed / "checkpoints"
    assert (ckpts / f"tmp-checkpoint-{KILLED_DURING_SAVE_OF}").is_dir()  # killed mid-save, really
    assert not (ckpts / f"checkpoint-{KILLED_DURING_SAVE_OF}").exists()
    assert json.loads((killed / "run.json").read_text())["status"] == "running"
    # What makes exactness hard: dropout draws random numbers every step, so the RNG state saved in the
    # checkpoint (numpy objects, loaded back with weights_only=True) must really be restored.
    assert json.loads((tiny_backbone / "config.json").read_text())["hidden_dropout_prob"] > 0
    assert (ckpts / f"checkpoint-{CHECKPOINT_BEFORE_KILL}" / "rng_state.pth").is_file()

    [interrupted] = find_interrupted_runs(tmp_path)
    assert interrupted.path == killed.resolve() and interrupted.crashed
    assert interrupted.step == CHECKPOINT_BEFORE_KILL and interrupted.total_steps == 33

    sink = ListSink()
    result = resume(killed, sink)
    assert result.status == "completed" and result.step == 33
    assert sink.of_type(RunStarted)[0].resumed_from_step == CHECKPOINT_BEFORE_KILL
    assert not list(ckpts.glob("tmp-*"))  # the half-written save was cleaned up, never used

    # Same final state as the run that was never interrupted: last checkpoint and the exported (best) model.
    last, reference_last = ckpts / "checkpoint-33", reference / "checkpoints" / "checkpoint-33"
    assert max_difference(weights(last), weights(reference_last)) <= 1e-4
    assert max_difference(weights(killed), weights(reference)) <= 1e-4
    # One loss per step across both processes, no gap and no duplicate, and the same values.
    resumed, uninterrupted = loss_history(killed), loss_history(reference)
    assert [step for step, _ in resumed] == list(range(1, 34))
    assert [step for step, _ in uninterrupted] == list(range(1, 34))
    assert max(abs(a - b) for (_, a), (_, b) in zip(resumed, uninterrupted)) <= 1e-4
    assert find_interrupted_runs(tmp_path) == []
    # Pruned to save_total_limit (2) newest, plus the best one, which is never pruned.
    kept = sorted(p.name for p in ckpts.iterdir())
    best = Path(json.loads((killed / "trainer_state.json").read_text())["best_model_checkpoint"]).name
    assert "checkpoint-33" in kept and best in kept and len(kept) <= 3, kept


@pytest.mark.parametrize("epoch", [0, 1, 2])
def test_training_order_depends_only_on_seed_and_epoch(epoch):
    import torch

    from tlstudio.core.training.sampling import EpochSeededLengthGroupedSampler

    lengths = [(i * 7) % 23 + 1 for i in range(100)]
    first = EpochSeededLengthGroupedSampler(lengths, 8, seed=42)
    first.set_epoch(epoch)
    order = list(first)
    torch.manual_seed(123)  # the global random state (dropout, init) must not matter
    again = EpochSeededLengthGroupedSampler(lengths, 8, seed=42)
    again.set_epoch(epoch)
    assert list(again) == order and sorted(order) == list(range(100))
    other = EpochSeededLengthGroupedSampler(lengths, 8, seed=42)
    other.set_epoch(epoch + 1)
    assert list(other) != order  # each epoch is shuffled anew
