"""The labels-needed study: nested stratified samples, random-weight twin, one table."""

from __future__ import annotations

import csv
import json

from tlstudio.cli import main
from tlstudio.core.studies.labels_needed import nested_samples


def test_samples_are_nested_and_stratified():
    labels = ["a"] * 60 + ["b"] * 30 + ["c"] * 10
    samples = nested_samples(labels, [9, 30, 60], seed=1)
    assert set(samples[9]) < set(samples[30]) < set(samples[60])
    assert sorted(labels[i] for i in samples[9]) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert len(samples[60]) == 60 and len({labels[i] for i in samples[30]}) == 3


def test_cli_study_compares_pretrained_and_random_weights(tmp_path, tiny_backbone, sentiment_csv, capsys):
    out = tmp_path / "study"
    code = main(
        [
            "labels-needed",
            str(sentiment_csv),
            "--output",
            str(out),
            "--sizes",
            "8",
            "--backbone",
            str(tiny_backbone),
            "--text-column",
            "text",
            "--label-column",
            "label",
            "--max-steps",
            "2",
            "--batch-size",
            "8",
        ]
    )
    assert code == 0
    rows = list(csv.DictReader((out / "labels_needed.csv").open()))
    assert [r["labels"] for r in rows] == ["8"] and rows[0]["random_macro_f1"] != ""
    points = json.loads((out / "labels_needed.json").read_text())["points"]
    assert {(p["size"], p["init"]) for p in points} == {(8, "pretrained"), (8, "random")}
    assert json.loads((out / "runs" / "random-8" / "run.json").read_text())["data"]["train_size"] == 8
    # both runs are scored on the same validation rows
    assert (
        len(
            {
                json.loads((out / "runs" / f"{i}-8" / "metrics.json").read_text())["eval_size"]
                for i in ("pretrained", "random")
            }
        )
        == 1
    )
    from safetensors.torch import load_file

    random_weights = load_file(str(out / "random-init-backbone" / "model.safetensors"))
    pretrained = load_file(str(tiny_backbone / "model.safetensors"))
    name = "encoder.layer.0.attention.self.query.weight"
    assert random_weights[name].shape == pretrained[name].shape and not (random_weights[name] == pretrained[name]).all()
    assert "gain" in capsys.readouterr().out
