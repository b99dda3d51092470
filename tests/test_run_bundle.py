"""The cluster run bundle: plain transformers, two processes, a model that loads and predicts."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from helpers import imported_modules, run_cli, tiny_config, write_sentiment_csv


def test_run_bundle_trains_with_two_processes_and_the_model_predicts(tmp_path, tiny_backbone):
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=160)
    config = tiny_config(data, tmp_path / "never-written", tiny_backbone, epochs=6)
    (tmp_path / "run.json").write_text(json.dumps(config.to_dict()))
    bundle = tmp_path / "bundle"
    result = run_cli("export", tmp_path / "run.json", "--format", "run-bundle", "--output", bundle)
    assert result.returncode == 0, result.stderr

    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {
        "train.py",
        "run.json",
        "accelerate_config.yaml",
        "data_manifest.json",
        "requirements.txt",
        "README.md",
        "slurm.sbatch",
        "data/train.jsonl",
        "data/validation.jsonl",
        "backbone/model.safetensors",
    } <= names
    assert "tlstudio" not in imported_modules(bundle / "train.py")
    manifest = json.loads((bundle / "data_manifest.json").read_text())
    for entry in manifest["files"]:
        assert hashlib.sha256((bundle / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert sum(e["rows"] for e in manifest["files"]) == 160
    requirements = (bundle / "requirements.txt").read_text()
    assert "torch==" in requirements and "transformers==" in requirements and "accelerate==" in requirements
    readme = (bundle / "README.md").read_text()
    assert "accelerate launch --config_file accelerate_config.yaml train.py" in readme
    assert "torchrun --nproc-per-node" in readme and "srun torchrun" in readme

    # The bundle's own accelerate config, here without GPUs: two CPU processes over gloo.
    launch = subprocess.run(
        [sys.executable, "-m", "accelerate.commands.launch", "--config_file", "accelerate_config.yaml", "train.py"],
        cwd=bundle,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert launch.returncode == 0, launch.stderr[-3000:]
    assert "training on 2 process(es)" in launch.stdout
    metrics = json.loads((bundle / "output" / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["eval_accuracy"] > 0.8
    assert not list((bundle / "output").glob("*.bin"))

    code = (
        "import json, sys\nfrom transformers import pipeline\n"
        "clf = pipeline('text-classification', model=sys.argv[1])\n"
        "print(json.dumps([o['label'] for o in clf(['a great and lovely film', 'awful broken phone'])]))"
    )
    predicted = subprocess.run(
        [sys.executable, "-c", code, str(bundle / "output")], capture_output=True, text=True, check=True
    )
    assert json.loads(predicted.stdout.strip().splitlines()[-1]) == ["positive", "negative"]


def test_train_py_refuses_changed_data(tmp_path, tiny_backbone):
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)
    (tmp_path / "run.json").write_text(json.dumps(tiny_config(data, tmp_path / "x", tiny_backbone).to_dict()))
    bundle = tmp_path / "bundle"
    assert run_cli("export", tmp_path / "run.json", "--format", "run-bundle", "--output", bundle).returncode == 0
    with open(bundle / "data" / "train.jsonl", "a") as handle:
        handle.write('{"text": "sneaked in", "label": "positive"}\n')
    result = subprocess.run([sys.executable, "train.py"], cwd=bundle, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "data/train.jsonl does not match its SHA-256" in result.stderr
