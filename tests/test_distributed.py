"""``accelerate launch -m tlstudio train``: every process trains, the main one alone writes the run folder.

Without GPUs here, the launcher's processes train on the CPU over gloo; the
code paths are the ones a multi-GPU workstation takes, NCCL aside.
"""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import REPO, write_sentiment_csv


def test_two_process_run_writes_one_complete_run_folder(tmp_path, tiny_backbone):
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=160)
    command = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "tlstudio",
        "train",
        str(data),
        "--backbone",
        str(tiny_backbone),
        "--epochs",
        "6",
        "--batch-size",
        "16",
        "--learning-rate",
        "3e-3",
        "--warmup-ratio",
        "0",
        "--text-column",
        "text",
        "--label-column",
        "label",
        "--keep-checkpoints",
        "--output",
        str(tmp_path / "run"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("model saved to") == 1  # one voice per run
    assert result.stdout.count("step 54/54") == 1  # the global batch is split, so the schedule is unchanged

    run = tmp_path / "run"
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "completed" and record["hardware"]["processes"] == 2
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["accuracy"] > 0.9 and metrics["eval_size"] == 16
    assert len((run / "eval_predictions.jsonl").read_text().splitlines()) == 16
    assert {"config.json", "model.safetensors", "README.md"} <= {p.name for p in run.iterdir()}
    # Checkpoints are written by both processes (one RNG file each) and renamed into place once complete.
    checkpoints = sorted((run / "checkpoints").iterdir(), key=lambda p: int(p.name.rsplit("-", 1)[-1]))
    assert checkpoints and all(p.name.startswith("checkpoint-") for p in checkpoints)
    # The newest (the resume point) holds both processes' RNG state; an older best one keeps only its weights.
    assert {"rng_state_0.pth", "rng_state_1.pth", "trainer_state.json"} <= {f.name for f in checkpoints[-1].iterdir()}
    assert all({"trainer_state.json", "model.safetensors"} <= {f.name for f in p.iterdir()} for p in checkpoints)
    assert not (run / ".lock").exists()
