"""Exports a colleague can use: a clean HF folder, a verified ONNX model, a portable zip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from helpers import REPO, assert_user_error, imported_modules, run_cli
from tlstudio.core.errors import ConfigError
from tlstudio.core.export import ExportOptions, export

TEXTS = ["a great and lovely film", "awful broken phone", "the staff were really quite delightful today"]


def files_under(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_hf_export_is_a_clean_model_folder(tmp_path, trained_run):
    result = export(trained_run, ExportOptions("hf", tmp_path / "hf"))
    files = files_under(tmp_path / "hf")
    assert set(result.files) == files - {".tlstudio-export.json"}  # the manifest says what --force may replace
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md", "run.json", "metrics.json"} <= files
    assert not [f for f in files if f.startswith("checkpoints/") or f.endswith((".bin", ".pt", ".pth", ".pkl"))]
    assert "eval_predictions.jsonl" not in files  # the user's validation texts stay private
    assert (tmp_path / "hf" / "model.safetensors").read_bytes() == (trained_run / "model.safetensors").read_bytes()

    with pytest.raises(ConfigError, match="already exists"):
        export(trained_run, ExportOptions("hf", tmp_path / "hf"))
    export(trained_run, ExportOptions("hf", tmp_path / "hf", force=True))  # an earlier export: replaced
    (tmp_path / "hf" / "stale.txt").write_text("the user's")
    with pytest.raises(ConfigError, match="stale.txt"):  # a file tlstudio did not write: never deleted
        export(trained_run, ExportOptions("hf", tmp_path / "hf", force=True))
    assert (tmp_path / "hf" / "stale.txt").read_text() == "the user's"
    with pytest.raises(ConfigError, match="overlaps"):
        export(trained_run, ExportOptions("hf", trained_run / "copy"))


@pytest.fixture(scope="module")
def onnx_export(tmp_path_factory, trained_run):
    out = tmp_path_factory.mktemp("onnx") / "model"
    result = run_cli("export", trained_run, "--format", "onnx", "--quantize", "int8", "--output", out, "--json")
    assert result.returncode == 0, result.stderr
    return out, json.loads(result.stdout)


def test_onnx_export_is_verified_against_pytorch_at_several_lengths(onnx_export):
    out, result = onnx_export
    report = result["verification"]
    assert report == json.loads((out / "onnx" / "verification.json").read_text())
    assert report["passed"] and report["check"]["label_agreement"] == 1.0
    assert report["check"]["max_abs_diff"] < 1e-3
    lengths = {tuple(b["tokens"]) for b in report["check"]["buckets"]}
    assert len(lengths) >= 2 and max(high for _, high in lengths) == report["max_length"]
    assert all(b["max_abs_diff"] < 1e-3 and b["label_agreement"] == 1.0 for b in report["check"]["buckets"])
    assert report["sample"].startswith("the run's validation split")
    assert set(report["latency"]) == {"pytorch", "onnx", "onnx-int8"}
    int8 = report["int8"]
    assert int8["metric_name"] == "accuracy" and 0 <= int8["metric"] <= 1 and int8["size_mb"] < report["size_mb"]
    card = (out / "README.md").read_text()
    assert "## ONNX" in card and "Verification **passed**" in card and card.index("## ONNX") < card.index("## How to")
    assert card.startswith("---\n")  # the front matter the Hub reads is kept

    import onnxruntime

    session = onnxruntime.InferenceSession(str(out / "onnx" / "model.onnx"))
    assert all(i.shape == ["batch", "sequence"] for i in session.get_inputs())


def test_predict_and_evaluate_run_the_onnx_model(onnx_export, trained_run, tmp_path):
    out, _ = onnx_export
    reference = run_cli("predict", trained_run, *TEXTS, "--json")
    auto = run_cli("predict", out, *TEXTS, "--json")
    assert reference.returncode == 0 and auto.returncode == 0, auto.stderr
    assert "with pytorch" in reference.stderr and "with onnx (" in auto.stderr  # auto picks the ONNX model
    ref, got = json.loads(reference.stdout), json.loads(auto.stdout)
    assert [p["label"] for p in got] == [p["label"] for p in ref]
    assert max(abs(a["score"] - b["score"]) for a, b in zip(ref, got)) < 1e-4
    int8 = run_cli("predict", out, *TEXTS, "--runtime", "onnx-int8")
    assert int8.returncode == 0 and "with onnx-int8" in int8.stderr
    assert_user_error(run_cli("predict", trained_run, "x", "--runtime", "onnx"), "onnx/model.onnx", "--format onnx")

    data = tmp_path / "eval.csv"
    data.write_text("text,label\n" + "".join(f"{t},{p['label']}\n" for t, p in zip(TEXTS, ref)))
    report = json.loads(run_cli("evaluate", out, data, "--json", "--runtime", "onnx").stdout)
    assert report["runtime"] == "onnx" and report["accuracy"] == 1.0


def test_onnx_bundle_runs_in_a_fresh_virtualenv_with_only_its_requirements(onnx_export, tmp_path):
    out, _ = onnx_export
    zip_path = tmp_path / "sentiment.zip"
    result = run_cli("export", out, "--format", "bundle", "--output", zip_path)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unzipped")
    assert {
        "sentiment/predict.py",
        "sentiment/requirements.txt",
        "sentiment/labels.json",
        "sentiment/README.md",
        "sentiment/model/model.safetensors",
        "sentiment/model/onnx/model.onnx",
    } <= names
    root = tmp_path / "unzipped" / "sentiment"
    requirements = (root / "requirements.txt").read_text().split()
    assert [r.split(">")[0] for r in requirements] == ["onnxruntime", "tokenizers", "numpy"]
    assert "| Accuracy |" in (root / "README.md").read_text()  # the card with its metrics

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "-r", root / "requirements.txt"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    run = subprocess.run(
        [python, "predict.py", "--json", *TEXTS], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert run.returncode == 0, run.stderr
    reference = json.loads(run_cli("predict", out, *TEXTS, "--json", "--runtime", "pytorch").stdout)
    got = json.loads(run.stdout)
    assert [p["label"] for p in got] == [p["label"] for p in reference]
    assert max(abs(a["score"] - b["score"]) for a, b in zip(got, reference)) < 1e-4
    freeze = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True)
    installed = {p["name"].lower() for p in json.loads(freeze.stdout)}
    assert "torch" not in installed and "transformers" not in installed


def test_export_errors_are_one_line(tmp_path, trained_run):
    assert_user_error(
        run_cli("export", trained_run, "--format", "hf", "--quantize", "int8", "--output", tmp_path / "x"), "--quantize"
    )
    assert_user_error(run_cli("export", trained_run, "--format", "bundle", "--output", tmp_path / "x.tar"), ".zip")
    assert_user_error(
        run_cli("export", tmp_path / "missing", "--format", "onnx", "--output", tmp_path / "y"), "does not exist"
    )
    assert_user_error(run_cli("export", trained_run, "--format", "zip", "--output", tmp_path / "y"), "--format")
    assert_user_error(
        run_cli("export", trained_run, "--format", "hf", "--with-onnx", "--output", tmp_path / "z"), "--with-onnx"
    )


def test_bundle_templates_never_import_tlstudio():

    scripts = list((REPO / "tlstudio" / "core" / "export" / "templates").glob("*.py"))
    assert scripts
    for script in scripts:
        assert "tlstudio" not in imported_modules(script), script


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("TLSTUDIO_HEAVY_TESTS"),
    reason="installs torch and transformers into a fresh virtualenv; set TLSTUDIO_HEAVY_TESTS=1",
)
def test_transformers_bundle_runs_in_a_fresh_virtualenv(trained_run, tmp_path):
    zip_path = tmp_path / "plain.zip"
    assert run_cli("export", trained_run, "--format", "bundle", "--output", zip_path).returncode == 0
    zipfile.ZipFile(zip_path).extractall(tmp_path)
    root = tmp_path / "plain"
    assert "transformers" in (root / "requirements.txt").read_text()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    # The constraints keep torch on its CPU build, as for the project's own test installs.
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            root / "requirements.txt",
            "-c",
            REPO / "packaging" / "constraints-cpu.txt",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert install.returncode == 0, install.stderr
    run = subprocess.run(
        [python, "predict.py", "--json", *TEXTS], capture_output=True, text=True, cwd=root, timeout=300
    )
    assert run.returncode == 0, run.stderr
    reference = json.loads(run_cli("predict", trained_run, *TEXTS, "--json").stdout)
    assert [p["label"] for p in json.loads(run.stdout)] == [p["label"] for p in reference]
