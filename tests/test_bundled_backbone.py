"""The real bundled backbone (all-MiniLM-L6-v2), fine-tuned briefly, exported and reloaded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import require_dataset, run_cli
from tlstudio.core.backbones import resolve_backbone
from tlstudio.core.samples import sample_path

pytestmark = pytest.mark.slow


def test_bundled_backbone_resolves_offline():
    backbone = resolve_backbone("minilm")
    assert backbone.source == "bundled" and (backbone.path / "model.safetensors").is_file()
    assert backbone.base_model == "sentence-transformers/all-MiniLM-L6-v2"


def test_fine_tune_sample_reviews_and_reload_with_pipeline(tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        "train", sample_path("sentiment"), "--task", "text-classification", "--epochs", "2", "--output", out, "--json"
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)["metrics"]
    # 48 validation reviews, two classes: after 2 short epochs the model must clearly beat the majority class.
    assert metrics["macro_f1"] > metrics["majority_macro_f1"] + 0.2
    card = (out / "README.md").read_text()
    assert "base_model: sentence-transformers/all-MiniLM-L6-v2" in card
    code = (
        "import sys, json\n"
        "from transformers import pipeline\n"
        "clf = pipeline('text-classification', model=sys.argv[1])\n"
        "out = clf(['Lovely staff and a spotless room, we will be back.', 'It broke on day two and nobody helped.'])\n"
        "assert 'tlstudio' not in sys.modules\n"
        "print(json.dumps(out))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"HF_HUB_OFFLINE": "1", "PATH": ""},
        check=True,
    )
    predictions = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert [p["label"] for p in predictions] == ["positive", "negative"]


def test_rotten_tomatoes_short_run_beats_majority(tmp_path):
    data = require_dataset("rotten_tomatoes.csv")
    # 60 steps, not fewer: at 40 the model is only starting to learn and whether it beats the majority
    # depends on which batches happen to come first (measured: accuracy 0.59 to 0.74 across training
    # orders at 40 steps; 0.75 and 0.76 at 60).
    result = run_cli(
        "train",
        data,
        "--text-column",
        "text",
        "--label-column",
        "label",
        "--max-steps",
        "60",
        "--output",
        tmp_path / "run",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["eval_size"] == 1280  # 10% of each class, stratified
    assert metrics["accuracy"] > metrics["majority_accuracy"] + 0.05
