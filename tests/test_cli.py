"""The command line as users and scripts drive it: exit codes, one-line errors, files left untouched.

Broken data files are covered by the corpus in test_bad_input_corpus.py."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys

import pytest

from helpers import REPO, assert_user_error, run_cli, write_sentiment_csv


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unknown_column_names_the_column_and_lists_the_real_ones(tmp_path, sentiment_csv):
    result = run_cli("train", sentiment_csv, "--text-column", "txet", "--output", tmp_path / "out")
    assert_user_error(result, "'txet'", "Did you mean 'text'", "text, label")


@pytest.mark.parametrize("target", ["missing.csv", "."])
def test_missing_path_or_directory(tmp_path, target):
    result = run_cli("train", tmp_path / target, "--output", tmp_path / "out")
    assert_user_error(result)


def test_bad_arguments_are_one_error_line(tmp_path, sentiment_csv):
    assert_user_error(run_cli("train", sentiment_csv, "--epochs", "lots", "--output", tmp_path / "o"), "--epochs")
    assert_user_error(
        run_cli("train", sentiment_csv, "--learning-rate", "5", "--output", tmp_path / "o"), "learning_rate"
    )
    assert_user_error(run_cli("train", sentiment_csv), "--output")


def test_train_predict_evaluate_and_repeat_from_run_json(tmp_path, tiny_backbone):
    data = tmp_path / "reviews.csv"
    write_sentiment_csv(data, rows=160)
    mixed = data.read_text().replace("\n", "\r\n")
    data.write_bytes(mixed.encode("utf-8-sig"))  # Windows line endings and a BOM
    before = digest(data)
    common = [
        "--backbone",
        tiny_backbone,
        "--epochs",
        "6",
        "--batch-size",
        "16",
        "--learning-rate",
        "3e-3",
        "--warmup-ratio",
        "0",
    ]
    result = run_cli("train", data, *common, "--output", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    assert "using column 'text' as the text" in result.stderr  # suggested roles are printed
    assert "step 54/54" in result.stdout and "accuracy" in result.stdout
    assert digest(data) == before

    result = run_cli("predict", tmp_path / "run", "a great and lovely film", "awful broken phone", "--json")
    assert result.returncode == 0, result.stderr
    assert [p["label"] for p in json.loads(result.stdout)] == ["positive", "negative"]

    out = tmp_path / "predictions.csv"
    result = run_cli("predict", tmp_path / "run", "--input", data, "--output", out)
    assert result.returncode == 0, result.stderr
    header = out.read_text().splitlines()[0]
    assert header == "text,label,prediction,confidence,prob_negative,prob_positive"
    assert_user_error(run_cli("predict", tmp_path / "run", "--input", data, "--output", data), "never overwrites")

    result = run_cli("evaluate", tmp_path / "run", data, "--json")
    report = json.loads(result.stdout)
    assert report["accuracy"] > 0.9 and report["rows"] == 160

    result = run_cli("train", "--config", tmp_path / "run" / "run.json", "--output", tmp_path / "again", "--json")
    assert result.returncode == 0, result.stderr
    again = json.loads(result.stdout)
    first = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert again["metrics"]["confusion_matrix"] == first["confusion_matrix"]  # same seed, same run


def test_ctrl_c_saves_a_checkpoint_exits_130_and_resume_finishes(tmp_path, tiny_backbone):
    data = write_sentiment_csv(tmp_path / "big.csv", rows=2000)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tlstudio",
            "train",
            data,
            "--backbone",
            tiny_backbone,
            "--epochs",
            "3",
            "--batch-size",
            "8",
            "--logging-steps",
            "1",
            "--output",
            tmp_path / "run",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    for line in process.stdout:
        if line.startswith("step 3/"):
            break
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "tlstudio train --resume" in stderr and "Traceback" not in stderr
    checkpoints = list((tmp_path / "run" / "checkpoints").glob("checkpoint-*"))
    assert len(checkpoints) == 1
    stopped_at = int(checkpoints[0].name.split("-")[1])

    result = run_cli("train", "--resume", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    assert f"resuming from step {stopped_at}" in result.stdout
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "completed"


def test_resume_takes_no_other_settings(tmp_path):
    assert_user_error(run_cli("train", "--resume", tmp_path, "--epochs", "2"), "--resume")


def test_every_command_prints_its_help(capsys):
    # A '%' in a setting's help once made 'tlstudio train --help' crash inside argparse.
    from tlstudio.cli.commands import COMMANDS, build_parser

    parser = build_parser()
    for name in COMMANDS:
        with pytest.raises(SystemExit) as stopped:
            parser.parse_args([name, "--help"])
        assert stopped.value.code == 0, name
        assert "usage: tlstudio " + name in capsys.readouterr().out
