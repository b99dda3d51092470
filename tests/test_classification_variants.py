"""Multi-label, regression, sentence pairs and long documents, end to end with a tiny BERT."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from helpers import FILLER, NEGATIVE, POSITIVE, heavy, run_cli, tiny_config
from tlstudio.core.errors import DataError
from tlstudio.core.predictors.loading import LabelSet, Value, load_predictor
from tlstudio.core.tasks.windows import aggregate
from tlstudio.core.training.engine import train


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def multi_label_rows(rng, count):
    """'praise' when a positive word is in the text, 'complaint' for a negative one: none, either or both."""
    rows = []
    for _ in range(count):
        labels = [name for name in ("complaint", "praise") if rng.random() < 0.5]
        words = (
            rng.sample(FILLER, 4)
            + [rng.choice(POSITIVE)] * ("praise" in labels)
            + [rng.choice(NEGATIVE)] * ("complaint" in labels)
        )
        rng.shuffle(words)
        rows.append([" ".join(words), "|".join(labels)])
    return rows


def test_multi_label_learns_label_sets_and_exports_its_threshold(tmp_path, tiny_backbone):
    data = write_csv(tmp_path / "feedback.csv", ["text", "tags"], multi_label_rows(random.Random(0), 240))
    config = tiny_config(data, tmp_path / "run", tiny_backbone, label_column="tags", multi_label=True, epochs=6)
    metrics = train(config).metrics
    # Always answering both labels scores a micro-F1 of about 0.67 on this data.
    assert metrics["micro_f1"] > 0.75 and set(metrics["per_class"]) == {"complaint", "praise"}
    assert 0.05 <= metrics["threshold"] <= 0.95 and "samples_f1" in metrics
    exported = json.loads((tmp_path / "run" / "config.json").read_text())
    assert exported["problem_type"] == "multi_label_classification"
    assert exported["multi_label_threshold"] == metrics["threshold"]
    # The exported model with its saved threshold predicts exactly the sets the run reported.
    records = [json.loads(line) for line in (tmp_path / "run" / "eval_predictions.jsonl").read_text().splitlines()]
    predictions = load_predictor(tmp_path / "run").predict([r["text"] for r in records])
    assert all(isinstance(p, LabelSet) and p.threshold == metrics["threshold"] for p in predictions)
    assert [p.labels for p in predictions] == [r["predicted"] for r in records]
    assert all(isinstance(r["labels"], list) for r in records)
    card = (tmp_path / "run" / "README.md").read_text()
    assert "top_k=None" in card and "| Micro F1 |" in card
    result = run_cli("export", tmp_path / "run", "--format", "run-bundle", "--output", tmp_path / "cluster")
    assert result.returncode == 2 and "multi-label runs cannot be exported as one" in result.stderr


def test_regression_predicts_in_the_users_units_after_export(tmp_path, tiny_backbone):
    rng = random.Random(1)
    rows = []
    for _ in range(200):
        good = rng.randint(0, 3)
        words = rng.sample(POSITIVE, good) + rng.sample(FILLER, 6 - good)
        rng.shuffle(words)
        rows.append([" ".join(words), str(1000 + 250 * good)])  # large units: scaling must be undone
    data = write_csv(tmp_path / "scores.csv", ["text", "score"], rows)
    result = train(tiny_config(data, tmp_path / "run", tiny_backbone, label_column="score", regression=True, epochs=8))
    metrics = result.metrics
    assert metrics["spearman"] > 0.8 and metrics["mse"] < 0.5 * metrics["mean_baseline_mse"]
    values = [
        v.value
        for v in load_predictor(tmp_path / "run").predict(
            ["great lovely superb the room was", "the room was very quite today"]
        )
    ]
    assert values[0] > values[1] and 900 < values[1] < 1900  # in the data's units, not standardised
    code = (
        "import sys\nfrom transformers import pipeline\n"
        "p = pipeline('text-classification', model=sys.argv[1], function_to_apply='none')\n"
        "print(p('great lovely superb the room was')[0]['score'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "run")], capture_output=True, text=True, check=True
    )
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(values[0], rel=1e-3)
    assert isinstance(load_predictor(tmp_path / "run").predict(["x"])[0], Value)

    # The portable bundle's predict.py answers in the same units (not a softmax over one output).
    assert (
        run_cli("export", tmp_path / "run", "--format", "bundle", "--output", tmp_path / "scores.zip").returncode == 0
    )
    zipfile.ZipFile(tmp_path / "scores.zip").extractall(tmp_path)
    bundled = subprocess.run(
        [sys.executable, "predict.py", "--json", "great lovely superb the room was", "the room was very quite today"],
        cwd=tmp_path / "scores",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bundled.returncode == 0, bundled.stderr
    assert [r["value"] for r in json.loads(bundled.stdout)] == pytest.approx(values, rel=1e-4)
    result = run_cli("export", tmp_path / "run", "--format", "bundle", "--with-onnx", "--output", tmp_path / "o.zip")
    assert result.returncode == 2 and "holds a regression model" in result.stderr


@heavy
def test_sentence_pairs_through_the_cli(tmp_path, tiny_backbone):
    rng = random.Random(2)
    rows = []
    for i in range(200):
        # A neutral question and an answer that carries the label: only the pair column tells them apart.
        label = "positive" if i % 2 else "negative"
        answer = rng.sample(FILLER, 3) + [rng.choice(POSITIVE if label == "positive" else NEGATIVE)]
        rng.shuffle(answer)
        rows.append([" ".join(rng.sample(FILLER, 4)), " ".join(answer), label])
    data = write_csv(tmp_path / "pairs.csv", ["question", "answer", "label"], rows)
    # A short warmup: at 3e-3 from the first step this tiny random BERT can sit at chance for several epochs
    # (how long depends on the batch order), on pairs and single texts alike.
    result = run_cli(
        "train",
        data,
        "--text-column",
        "question",
        "--text-pair-column",
        "answer",
        "--label-column",
        "label",
        "--backbone",
        tiny_backbone,
        "--epochs",
        "6",
        "--batch-size",
        "16",
        "--learning-rate",
        "3e-3",
        "--warmup-ratio",
        "0.1",
        "--output",
        tmp_path / "run",
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["accuracy"] > 0.9
    result = run_cli(
        "predict",
        tmp_path / "run",
        "was the room",
        "the food was",
        "--pair",
        "lovely chair",
        "--pair",
        "awful film",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert [p["label"] for p in json.loads(result.stdout)] == ["positive", "negative"]
    result = run_cli("predict", tmp_path / "run", "great room")
    assert result.returncode == 2 and "sentence pairs" in result.stderr
    report = json.loads(run_cli("evaluate", tmp_path / "run", data, "--json").stdout)
    assert report["text_pair_column"] == "answer" and report["accuracy"] > 0.9

    # The bundle's predict.py takes the pair the same way; the run bundle's data carries both texts.
    assert run_cli("export", tmp_path / "run", "--format", "bundle", "--output", tmp_path / "pairs.zip").returncode == 0
    zipfile.ZipFile(tmp_path / "pairs.zip").extractall(tmp_path)
    bundled = subprocess.run(
        [
            sys.executable,
            "predict.py",
            "--json",
            "was the room",
            "the food was",
            "--pair",
            "lovely chair",
            "--pair",
            "awful film",
        ],
        cwd=tmp_path / "pairs",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bundled.returncode == 0, bundled.stderr
    assert [p["label"] for p in json.loads(bundled.stdout)] == ["positive", "negative"]
    result = run_cli("export", tmp_path / "run", "--format", "run-bundle", "--output", tmp_path / "cluster")
    assert result.returncode == 0, result.stderr
    first = json.loads((tmp_path / "cluster" / "data" / "train.jsonl").read_text().splitlines()[0])
    assert set(first) == {"text", "text_pair", "label", "row"} and first["label"] in ("positive", "negative")


def test_long_texts_read_in_overlapping_windows(tmp_path, tiny_backbone):
    rng = random.Random(3)

    def long_text(label):
        # The only clue (two words of the label's kind) comes after 40 filler words: truncation to 32 tokens
        # never sees it.  Every window is trained with its document's label, so the filler-only windows are
        # noise the model must learn to leave undecided; one clue word alone is too faint beside them for
        # this tiny model to pick up reliably within a few epochs.
        return " ".join(
            [rng.choice(FILLER) for _ in range(40)] + rng.sample(POSITIVE if label == "positive" else NEGATIVE, 2)
        )

    rows = [[long_text(label), label] for label in ["negative", "positive"] * 80]
    data = write_csv(tmp_path / "long.csv", ["text", "label"], rows)
    config = tiny_config(
        data,
        tmp_path / "run",
        tiny_backbone,
        max_length=32,
        long_texts="windows",
        window_overlap=4,
        epochs=6,
        warmup_ratio=0.1,
    )
    result = train(config)
    assert result.metrics["accuracy"] > 0.9 and result.metrics["train_truncated"] == 144
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["data"]["train_windows"] > 144  # every long text became several windows
    answers = load_predictor(tmp_path / "run").predict([long_text("negative"), long_text("positive")])
    assert [a.label for a in answers] == ["negative", "positive"]


def test_window_scores_combine_per_document():
    scores = [[0.2, 0.8], [0.6, 0.4], [1.0, 0.0]]
    assert aggregate(scores, [0, 0, 1], 2) == pytest.approx(np.array([[0.4, 0.6], [1.0, 0.0]]))
    assert aggregate(scores, [0, 0, 1], 2, "max") == pytest.approx(np.array([[0.6, 0.8], [1.0, 0.0]]))
    # A window order that interleaves documents still lands each window on its own document.
    assert aggregate(scores, [1, 0, 1], 2) == pytest.approx(np.array([[0.6, 0.4], [0.6, 0.4]]))


def test_bad_targets_are_named(tmp_path, tiny_backbone):
    data = write_csv(tmp_path / "bad.csv", ["text", "score"], [["good one", "4.5"], ["bad one", "lots"]] * 5)
    with pytest.raises(DataError, match=r"not numbers in data row\(s\) 2, 4"):
        train(tiny_config(data, tmp_path / "run", tiny_backbone, label_column="score", regression=True))
