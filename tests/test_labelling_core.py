"""Model-assisted labelling and data health, without Qt: uncertainty, duplicates, leakage, slices, noise."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpers import NEGATIVE, POSITIVE, make_sentence
from tlstudio.core.config import RunConfig
from tlstudio.core.data.duplicates import find_duplicates, find_leakage
from tlstudio.core.tasks.health_report import dataset_health
from tlstudio.core.data.label_noise import candidates_from_probabilities, find_label_errors
from tlstudio.core.data.readers import read_table
from tlstudio.core.data.slices import label_balance_by_slice, slice_metrics
from tlstudio.core.labelling.uncertainty import label_next_order, uncertainty


def test_entropy_and_margin_rank_the_unsure_rows_first():
    probs = [[0.98, 0.01, 0.01], [0.34, 0.33, 0.33], [0.5, 0.5, 0.0], [0.7, 0.2, 0.1]]
    entropy, margin = uncertainty(probs, "entropy"), uncertainty(probs, "margin")
    # Entropy weighs the whole spread: 0.7/0.2/0.1 is less certain than 0.5/0.5/0 ...
    assert label_next_order([10, 11, 12, 13], entropy) == [11, 13, 12, 10]
    # ... while margin looks only at the top two: a 50/50 tie is the most uncertain decision.
    assert label_next_order([10, 11, 12, 13], margin) == [12, 11, 13, 10]
    assert 0.99 < entropy[1] <= 1.0 and margin[2] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        uncertainty(probs, "coin")


def test_a_trained_models_least_sure_rows_are_queued_first(trained_run):
    # A tiny model's calibration is not stable across CPUs and thread counts (its margins on made-up
    # "mixed" reviews were within 0.01 of clear ones), so this checks what tlstudio itself does with
    # the model's scores: each suggestion is the model's top class, its runner-up and probability,
    # and the queue follows the model's own margin, smallest first.
    from tlstudio.core.labelling.suggestions import load_suggester, suggest

    predictor = load_suggester(trained_run, device="cpu")
    rng = random.Random(5)
    texts = [make_sentence(rng, label) for label in ["positive", "negative"] * 4]
    texts += [f"the room was {p} and the staff {n}" for p, n in zip(POSITIVE[3:6], NEGATIVE[3:6])]
    rows = [100 + i for i in range(len(texts))]  # table positions, not list positions
    suggestions = suggest(predictor, texts, rows, method="margin")
    probs = [list(p) for p in predictor.scores(texts)]
    labels = list(predictor.labels)
    assert [s.row for s in suggestions] == rows
    for s, p in zip(suggestions, probs):
        ranked = sorted(range(len(p)), key=lambda k: -p[k])
        assert (s.label, s.runner_up) == (labels[ranked[0]], labels[ranked[1]])
        assert s.confidence == pytest.approx(p[ranked[0]], abs=1e-6)
        assert s.uncertainty == pytest.approx(1 - (p[ranked[0]] - p[ranked[1]]), abs=1e-6)
    queue = label_next_order([s.row for s in suggestions], [s.uncertainty for s in suggestions])
    margins = {row: p_sorted[0] - p_sorted[1] for row, p_sorted in zip(rows, (sorted(p, reverse=True) for p in probs))}
    assert sorted(queue) == rows
    assert [margins[r] for r in queue] == sorted(margins[r] for r in queue)


def test_exact_and_near_duplicates():
    texts = [
        "The room was great",
        "the room  was GREAT",
        "A long review about the lovely staff and food here",
        "A long review about the lovely staff and food here!",
        "something else entirely",
        None,
        "",
    ]
    report = find_duplicates(texts)
    assert report.exact_groups == [[0, 1]] and report.exact_extra == 1
    assert [(i, j, score) for i, j, score in report.near_pairs] == [(2, 3, 1.0)]  # only punctuation differs
    words = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    near = find_duplicates([words + " fifteen", words + " sixteen", "x y z"])
    assert [(i, j) for i, j, _ in near.near_pairs] == [(0, 1)] and 0.8 <= near.near_pairs[0][2] < 1


def test_leakage_across_splits():
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi"
    train = [words + " omicron", "unique training text", "Shared Exactly"]
    evaluation = ["shared exactly", words + " pi", "only in validation"]
    leak = find_leakage(train, evaluation)
    assert leak.exact == [(2, 0)]
    assert [(t, e) for t, e, _ in leak.near] == [(0, 1)]
    assert leak.eval_rows_leaked == 2


def test_health_report_names_leaked_rows_under_the_runs_split(tmp_path):
    rng = random.Random(1)
    rows = ["text,label"] + [f"{make_sentence(rng, lab)},{lab}" for lab in ["positive", "negative"] * 40]
    rows += ["a copied review,positive"] * 6 + ["a copied review,negative"]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = dataset_health(
        read_table(path), RunConfig(data=str(path), text_column="text", label_column="label", eval_fraction=0.3)
    )
    kinds = {item.kind: item for item in report.findings}
    assert {"duplicates", "conflicts", "leakage"} <= set(kinds)
    assert set(kinds["conflicts"].rows) == set(range(80, 87))
    assert kinds["leakage"].level == "warning" and set(kinds["leakage"].rows) <= set(range(80, 87))
    assert sum(1 for f in report.findings if "repeat an earlier text" in f.text) == 1


def test_slice_metrics_call_out_the_largest_gap():
    values = ["a"] * 6 + ["b"] * 6 + ["c"] * 2 + [None]
    records = [{"row": i + 1, "label": "x", "predicted": "x" if i < 6 or i in (6, 7) else "y"} for i in range(15)]
    report = slice_metrics(records, values, "source", top=2)
    assert [(s.value, s.rows) for s in report.slices] == [("a", 6), ("b", 6)]
    assert report.other_rows == 2 and report.missing_rows == 1
    best, worst = report.gap
    assert (best.value, best.accuracy, worst.value) == ("a", 1.0, "b")
    assert worst.accuracy == pytest.approx(2 / 6)
    assert "'a'" in report.gap_text() and "'b'" in report.gap_text()


def test_label_balance_by_slice_flags_shortcuts():
    slices = ["s1"] * 30 + ["s2"] * 30
    labels = ["pos"] * 29 + ["neg"] + ["pos", "neg"] * 15
    balances, warnings = label_balance_by_slice(slices, labels)
    assert [b.value for b in balances] == ["s1", "s2"]
    assert len(warnings) == 1 and "'s1'" in warnings[0]


def test_label_errors_are_found_out_of_fold():
    rng = random.Random(0)
    texts, labels = [], []
    for i in range(240):
        label = "positive" if i % 2 else "negative"
        texts.append(make_sentence(rng, label))
        labels.append(label)
    flipped = [5, 18, 41]
    for i in flipped:
        labels[i] = "positive" if labels[i] == "negative" else "negative"
    found = find_label_errors(texts, labels, folds=4)
    assert set(flipped) <= {c.position for c in found[:6]}
    assert all(c.suggested != c.given for c in found)


def test_confident_learning_thresholds_are_per_class():
    # Class b is always predicted less confidently; a row given b at 0.55 is normal for b, not an error.
    probs = [[0.9, 0.1], [0.9, 0.1], [0.45, 0.55], [0.4, 0.6], [0.95, 0.05]]
    labels = ["a", "a", "b", "b", "b"]
    found = candidates_from_probabilities(probs, labels, ["a", "b"])
    assert [c.position for c in found] == [4]


def test_health_command_reports_duplicates_leakage_and_slices(tmp_path, capsys):
    import json as jsonlib

    from tlstudio.cli import main

    rng = random.Random(2)
    lines = ["text,label,shop"] + [
        f"{make_sentence(rng, lab)},{lab},{'north' if i % 3 else 'south'}"
        for i, lab in enumerate(["positive", "negative"] * 30)
    ]
    lines += ["the same words again,positive,north"] * 4
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["health", str(path), "--slice-column", "shop", "--json", "--eval-fraction", "0.3"]) == 0
    report = jsonlib.loads(capsys.readouterr().out)
    assert report["class_counts"] == {"negative": 30, "positive": 34}
    duplicates = next(f for f in report["findings"] if f["kind"] == "duplicates")
    assert duplicates["rows"] == [61, 62, 63, 64]  # 1-based data rows
    assert {item["value"] for item in report["slices"]["labels"]} == {"north", "south"}
    assert main(["health", str(path), "--label-column", "nope"]) == 2


def test_learning_curve_trains_nested_samples_on_one_validation_set(tmp_path, tiny_backbone):
    from helpers import tiny_config, write_sentiment_csv
    from tlstudio.core.training.learning_curve import learning_curve, nested_samples, verdict

    samples = nested_samples(["a"] * 8 + ["b"] * 4, (0.25, 0.5, 1.0), seed=3)
    assert set(samples[0.25]) <= set(samples[0.5]) <= set(samples[1.0]) == set(range(12))
    assert len(samples[0.25]) == 3 and sum(1 for p in samples[0.25] if p >= 8) == 1  # stratified

    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=60)
    config = tiny_config(data, tmp_path / "unused", tiny_backbone, epochs=1, eval_fraction=0.25)
    points = learning_curve(config, tmp_path / "curve", (0.5, 1.0))
    assert [p.train_rows for p in points] == [22, 44]
    eval_sizes = {(p.output_dir / "eval_predictions.jsonl").read_text().count("\n") for p in points}
    assert eval_sizes == {16}
    assert all(0.0 <= p.macro_f1 <= 1.0 for p in points) and "labels" in verdict(points)


def test_quick_retrain_starts_from_the_last_model_and_reads_unsaved_labels(tmp_path, trained_run):
    import json as jsonlib

    import pandas as pd

    from tlstudio.core.labelling.retrain import quick_retrain
    from tlstudio.core.labelling.suggestions import load_suggester

    rng = random.Random(5)
    rows = [(make_sentence(rng, lab), lab) for lab in ["positive", "negative"] * 20]
    frame = pd.DataFrame(
        {
            "review": [t for t, _ in rows] + ["not labelled yet"],
            "label": [lab for _, lab in rows] + [None],
            "other": ["x"] * 41,
        }
    )
    result = quick_retrain(trained_run, frame, "review", "label", tmp_path / "refresh")
    assert result.status == "completed"
    record = jsonlib.loads((tmp_path / "refresh" / "run.json").read_text())["config"]
    assert record["backbone"] == str(trained_run.resolve()) and record["epochs"] == 2.0
    snapshot = [jsonlib.loads(line) for line in Path(record["data"]).read_text().splitlines()]
    assert len(snapshot) == 40 and set(snapshot[0]) == {"review", "label"}
    assert load_suggester(result.output_dir, device="cpu").labels == ["negative", "positive"]
