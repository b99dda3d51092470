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

# End-to-end CLI runs of several tasks that take close to a minute each on 2 cores. Their parts are
# covered in-process by faster tests; the default suite skips them to stay under ten minutes.
heavy = pytest.mark.skipif(not os.environ.get("TLSTUDIO_HEAVY_TESTS"),
                           reason="a long end-to-end CLI run; set TLSTUDIO_HEAVY_TESTS=1 to include it")

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


PEOPLE = [["Anna"], ["Marco", "Rossi"], ["Lena"], ["Tom", "Berg"], ["Sara"], ["Ivo", "Kral"]]
PLACES = [["Lisbon"], ["Paris"], ["New", "York"], ["Oslo"], ["Cairo"], ["Porto"]]
COMPANIES = [["Orbitel"], ["Sunfold", "Energy"], ["Kappa"], ["Nordvik", "Bank"]]
TEMPLATES = [
    ["PER", "flew", "to", "LOC", "on", "Monday", "."],
    ["PER", "works", "for", "ORG", "in", "LOC", "."],
    ["ORG", "opened", "an", "office", "in", "LOC", "."],
    ["the", "staff", "met", "PER", "and", "PER", "today", "."],
    ["PER", "said", "ORG", "was", "great", "."],
]


def make_tagged_sentence(rng: random.Random) -> tuple[list[str], list[str]]:
    """Tokens and BIO tags from templates: names, places and companies a tiny model learns by position."""
    tokens, tags = [], []
    for slot in rng.choice(TEMPLATES):
        pool = {"PER": PEOPLE, "LOC": PLACES, "ORG": COMPANIES}.get(slot)
        if pool is None:
            tokens.append(slot)
            tags.append("O")
            continue
        words = rng.choice(pool)
        tokens += words
        tags += [("B-" if i == 0 else "I-") + slot for i in range(len(words))]
    return tokens, tags


def write_entities_jsonl(path: Path, rows: int = 160, seed: int = 0) -> Path:
    import json

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(rows):
            tokens, tags = make_tagged_sentence(rng)
            handle.write(json.dumps({"tokens": tokens, "tags": tags}) + "\n")
    return path


EN_FR = {"the": "le", "red": "rouge", "small": "petit", "old": "vieux", "cat": "chat", "dog": "chien",
         "coffee": "café", "tea": "thé", "is": "est", "here": "ici", "there": "là", "good": "bon"}


def make_translation_pair(rng: random.Random) -> tuple[str, str]:
    """'the red cat is here' -> 'le chat rouge est ici': word swaps, one reordering, some accents."""
    adjective, noun = rng.choice(["red", "small", "old", "good"]), rng.choice(["cat", "dog", "coffee", "tea"])
    place = rng.choice(["here", "there"])
    en = f"The {adjective} {noun} is {place}."
    fr = f"Le {EN_FR[noun]} {EN_FR[adjective]} est {EN_FR[place]}."
    return en, fr


def write_translation_csv(path: Path, rows: int = 120, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["en", "fr"])
        for _ in range(rows):
            writer.writerow(make_translation_pair(rng))
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
