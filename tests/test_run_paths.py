"""A run resumes from any working folder: run.json records absolute paths, and one written by an older
tlstudio (paths as typed, relative to where it started) is found again from its recorded data path."""

from __future__ import annotations

import json

from helpers import cancel_at, cli_in_process, tiny_config, write_sentiment_csv
from tlstudio.core.progress import CancelToken
from tlstudio.core.training.engine import train


def _resume(run) -> int:
    return cli_in_process(["train", "--resume", str(run)])


def test_a_run_started_with_relative_paths_resumes_from_another_folder(tmp_path, tiny_backbone, monkeypatch, capsys):
    project = tmp_path / "project"
    (project / "sets").mkdir(parents=True)
    write_sentiment_csv(project / "sets" / "reviews.csv", rows=80)
    monkeypatch.chdir(project)
    cancel = CancelToken()
    config = tiny_config("sets/reviews.csv", "runs/first", tiny_backbone, epochs=2, eval_strategy="steps", eval_steps=2)
    result = train(config, cancel_at(4, cancel), cancel)
    assert result.status == "cancelled"
    run = project / "runs" / "first"
    record = json.loads((run / "run.json").read_text())
    assert record["config"]["data"] == str(project / "sets" / "reviews.csv")
    assert record["config"]["output"] == str(run)

    # The same run as an older tlstudio recorded it: the data path as typed.
    record["config"]["data"] = "sets/reviews.csv"
    (run / "run.json").write_text(json.dumps(record))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert _resume(run) == 0, capsys.readouterr().err
    assert json.loads((run / "run.json").read_text())["status"] == "completed"
