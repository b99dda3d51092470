"""Helpers the tests share: small datasets, the real datasets' folder, running the CLI.

The real datasets are found through TLSTUDIO_DATASETS (default
../shared/datasets beside the checkout) and tests that need them skip where
they are absent.
"""

from __future__ import annotations

import csv
import os
import random
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("TLSTUDIO_DATASETS", REPO.parent / "shared" / "datasets"))

POSITIVE = ["great", "lovely", "excellent", "superb", "wonderful", "delightful", "fantastic", "pleasant"]
NEGATIVE = ["awful", "terrible", "dreadful", "horrible", "poor", "nasty", "broken", "disappointing"]
FILLER = ["the", "room", "was", "food", "service", "phone", "really", "quite", "and", "staff", "screen", "very",
          "film", "ending", "battery", "delivery", "chair", "price", "music", "today"]


def make_sentence(rng: random.Random, label: str) -> str:
    words = rng.sample(FILLER, 5) + [rng.choice(POSITIVE if label == "positive" else NEGATIVE)]
    rng.shuffle(words)
    return " ".join(words)


def write_sentiment_csv(path: Path, rows: int = 160, seed: int = 0, **kwargs) -> Path:
    """Two classes a tiny model learns in a few dozen steps."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding=kwargs.get("encoding", "utf-8")) as handle:
        writer = csv.writer(handle, delimiter=kwargs.get("delimiter", ","))
        writer.writerow(["text", "label"])
        for i in range(rows):
            label = "positive" if i % 2 else "negative"
            writer.writerow([make_sentence(rng, label), label])
    return path


def datasets_dir() -> Path:
    return DATASETS


def require_dataset(name: str) -> Path:
    path = DATASETS / name
    if not path.is_file():
        pytest.skip(f"real dataset {name} not found under {DATASETS} (set TLSTUDIO_DATASETS)")
    return path


def tiny_config(data: Path, output: Path, backbone: Path, **overrides):
    from tlstudio.core.config import RunConfig

    values = dict(data=str(data), output=str(output), backbone=str(backbone), text_column="text",
                  label_column="label", epochs=6, batch_size=16, learning_rate=3e-3, logging_steps=2,
                  warmup_ratio=0.0)
    values.update(overrides)
    return RunConfig(**values)


def run_cli(*args, timeout=600, env=None, **kwargs):
    """Run ``python -m tlstudio ARGS`` in a subprocess, as a user's shell would."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tlstudio", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=kwargs.get("cwd", REPO))
