"""Helpers the tests share: small datasets, the real datasets' folder, running the CLI, stand-ins.

Test modules import what they share from here, never from one another.

The real datasets are found through TLSTUDIO_DATASETS (default
../shared/datasets beside the checkout) and tests that need them skip where
they are absent.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("TLSTUDIO_DATASETS", REPO.parent / "shared" / "datasets"))

# End-to-end CLI runs of several tasks that take close to a minute each on 2 cores. Their parts are
# covered in-process by faster tests; the default suite skips them to stay under ten minutes.
heavy = pytest.mark.skipif(
    not os.environ.get("TLSTUDIO_HEAVY_TESTS"),
    reason="a long end-to-end CLI run; set TLSTUDIO_HEAVY_TESTS=1 to include it",
)

POSITIVE = ["great", "lovely", "excellent", "superb", "wonderful", "delightful", "fantastic", "pleasant"]
NEGATIVE = ["awful", "terrible", "dreadful", "horrible", "poor", "nasty", "broken", "disappointing"]
FILLER = [
    "the",
    "room",
    "was",
    "food",
    "service",
    "phone",
    "really",
    "quite",
    "and",
    "staff",
    "screen",
    "very",
    "film",
    "ending",
    "battery",
    "delivery",
    "chair",
    "price",
    "music",
    "today",
]


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


EN_FR = {
    "the": "le",
    "red": "rouge",
    "small": "petit",
    "old": "vieux",
    "cat": "chat",
    "dog": "chien",
    "coffee": "café",
    "tea": "thé",
    "is": "est",
    "here": "ici",
    "there": "là",
    "good": "bon",
}


def make_translation_pair(rng: random.Random) -> tuple[str, str]:
    """'the red cat is here' -> 'le chat rouge est ici': word swaps, one reordering, some accents."""
    adjective, noun = rng.choice(["red", "small", "old", "good"]), rng.choice(["cat", "dog", "coffee", "tea"])
    place = rng.choice(["here", "there"])
    en = f"The {adjective} {noun} is {place}."
    fr = f"Le {EN_FR[noun]} {EN_FR[adjective]} est {EN_FR[place]}."
    return en, fr


TOPICS = {"food": "food", "service": "service", "phone": "tech", "screen": "tech", "battery": "tech"}


def write_two_label_csv(path, rows=96, seed=0):
    """Texts with two labels each: sentiment (a positive or negative word) and topic (a subject word)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "sentiment", "topic"])
        subjects = ["food", "phone", "service"]
        for i in range(rows):
            sentiment = "positive" if i % 2 else "negative"
            subject = subjects[(i // 2) % 3]
            words = [w for w in make_sentence(rng, sentiment).split() if w not in TOPICS] + [subject]
            rng.shuffle(words)
            writer.writerow([" ".join(words), sentiment, TOPICS[subject]])
    return path


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

    values = dict(
        data=str(data),
        output=str(output),
        backbone=str(backbone),
        text_column="text",
        label_column="label",
        epochs=6,
        batch_size=16,
        learning_rate=3e-3,
        logging_steps=2,
        warmup_ratio=0.0,
    )
    values.update(overrides)
    return RunConfig(**values)


def run_cli(*args, timeout=600, env=None, **kwargs):
    """Run ``python -m tlstudio ARGS`` in a subprocess, as a user's shell would."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tlstudio", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=kwargs.get("cwd", REPO),
    )


def assert_user_error(result, *fragments):
    """A CLI run that stopped on the user's mistake: exit 2, one error line last, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    # One error line, last; anything before it is a note or warning about the data, never a traceback.
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    assert all(line.startswith(("note: ", "warning: ", "error: ")) for line in lines), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in errors[0]


def imported_modules(path: Path) -> set[str]:
    """The top-level packages a Python file imports (absolute imports, and modules named to
    ``importlib.import_module`` or ``__import__``, which an import-linter contract cannot see)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                names.add(node.args[0].value.lstrip(".").split(".")[0])
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def write_run(
    project: Path,
    name: str,
    metrics: dict,
    *,
    status: str = "completed",
    started: str = "2026-01-01",
    eval_size: int = 400,
    **config,
) -> Path:
    """A finished run folder (run.json and metrics.json) without training, for comparing runs."""
    from tlstudio.core.config import RunConfig

    run = project / name
    run.mkdir(parents=True)
    values = {
        "task": "text-classification",
        "data": "/data/news.csv",
        "backbone": "minilm",
        "output": str(run),
        **config,
    }
    record = {"status": status, "started_at": started, "config": RunConfig(**values).to_dict()}
    if values.get("adapt_source", "off") != "off":
        record["adaptation"] = {"steps": 10}
    (run / "run.json").write_text(json.dumps(record))
    data = {"eval_size": eval_size, "split": {"method": "stratified", "eval_fraction": 0.1, "seed": 42}}
    (run / "metrics.json").write_text(json.dumps({**metrics, "data": data}))
    return run


def fake_training(steps: int = 200, delay: float = 0.01, fail: Exception | None = None):
    """A stand-in for engine.train with the same contract: events to the sink, cancel polled every step."""
    import numpy as np

    from tlstudio.core.progress import Evaluated, Message, RunStarted, StepEnded, StepLogged
    from tlstudio.core.training.engine import RunResult

    def job(sink, cancel):
        sink.emit(RunStarted(steps, 1.0, 10, 2, "CPU", "fp32", "/tmp/run"))
        for step in range(1, steps + 1):
            if cancel.cancelled:
                return RunResult("cancelled", Path("/tmp/run"), step=step - 1)
            time.sleep(delay)
            sink.emit(StepEnded(step, steps, 1.0))
            sink.emit(StepLogged(step, steps, step / steps, 1.0 / step, 1e-4, 10.0, 100.0, 1.0))
            if step == 3:
                sink.emit(Evaluated(step, 0.5, {"loss": np.float64(0.5), "accuracy": np.float32(0.75)}))
                sink.emit(Message("warning", "labels are skewed"))
            if fail is not None and step == 5:
                raise fail
        return RunResult("completed", Path("/tmp/run"), {"accuracy": np.float64(0.9)}, steps)

    return job


# Stand-ins for the Hub and the system keyring (the Hub cannot be reached from the tests).
GOOD = "hf_good_token_123"


class FakeKeyring:
    def __init__(self):
        self.secrets = {}

    def get_password(self, service, account):
        return self.secrets.get((service, account))

    def set_password(self, service, account, value):
        self.secrets[(service, account)] = value

    def delete_password(self, service, account):
        del self.secrets[(service, account)]


class FakeHub:
    """Records calls like HfApi; only GOOD is a valid token."""

    uploads: list = []

    def __init__(self, token=None):
        self.token = token

    def whoami(self):
        if self.token != GOOD:
            from huggingface_hub.errors import HfHubHTTPError

            class Response:
                status_code = 401
                headers = {}
                request = None

            raise HfHubHTTPError("401 Unauthorized", response=Response())
        return {"name": "alice"}

    def create_repo(self, repo_id, **kwargs):
        return f"https://hub.example/{repo_id}"

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        FakeHub.uploads.append((repo_id, sorted(p.name for p in Path(folder_path).rglob("*") if p.is_file())))


def cli_in_process(argv) -> int:
    """``tlstudio ARGV`` in this process (fast; no interpreter start-up), with the Ctrl+C handler it installs
    put back afterwards."""
    import signal

    from tlstudio import cli

    handler = signal.getsignal(signal.SIGINT)
    try:
        return cli.main([str(a) for a in argv])
    finally:
        signal.signal(signal.SIGINT, handler)


def cancel_at(step: int, cancel):
    """A sink that records every event and asks the run to stop when step ``step`` ends."""
    from tlstudio.core.progress import ListSink, StepEnded

    class CancelAt(ListSink):
        def emit(self, event):
            super().emit(event)
            if isinstance(event, StepEnded) and event.step == step:
                cancel.cancel()

    return CancelAt()
