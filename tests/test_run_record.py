"""run.json, metrics.json and eval_predictions.jsonl read through run_folder: older records open, the file format
is unchanged, keys this tlstudio does not know survive, and damaged files say which file and line."""

from __future__ import annotations

import json

import pytest

from tlstudio.core.errors import ConfigError, DataError
from tlstudio.core.runs.record import RunRecord
from tlstudio.core.tasks.headline import headline
from tlstudio.core.runs.folder import (
    EVENTS_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    RUN_FILE,
    RunFolder,
    find_run_file,
    is_run_folder,
    open_run,
    record_in_file,
)

# A finished run as the previous main wrote it (engine._run_record, then record.update on completion).
COMPLETED = {
    "format": "tlstudio-run/1",
    "status": "completed",
    "started_at": "2024-05-02T09:14:03+00:00",
    "config": {
        "task": "text-classification",
        "data": "/home/u/reviews.csv",
        "backbone": "minilm",
        "strategy": "lora",
        "epochs": 3,
        "text_column": "review",
    },
    "base_model": None,
    "backbone_source": "bundled",
    "backbone_license": "apache-2.0",
    "labels": ["negative", "positive"],
    "data": {
        "path": "/home/u/reviews.csv",
        "sha256": "ab" * 32,
        "text_column": "review",
        "label_column": "label",
        "train_size": 80,
        "eval_size": 20,
        "train_tokens": 1234,
    },
    "hardware": {"device": "cpu", "name": "CPU", "precision": "fp32", "processes": 1},
    "versions": {"python": "3.11.9", "tlstudio": "0.9.0", "torch": "2.3.0"},
    "strategy": {"name": "lora", "trainable_parameters": 1200, "total_parameters": 90000},
    "adjustments": [{"at": "step 4", "change": "batch size 32 -> 16 after running out of memory"}],
    "resumed_from": "checkpoint-4",
    "finished_at": "2024-05-02T09:20:41+00:00",
    "total_steps": 12,
    "duration_seconds": 398.2,
    "checkpoints_deleted_bytes": 1048576,
    "exports": [{"path": "/tmp/out", "format": "hf", "at": "2024-05-02T10:00:00+00:00", "card": {"license": "mit"}}],
}

# An early record: no format, no start time, strategy kept as a bare name, a stop without a finish.
OLD = {
    "status": "stopped",
    "config": {"task": "token-classification", "data": "train.conll", "backbone": "minilm"},
    "labels": ["O", "B-PER"],
    "data": {"path": "/data/train.conll"},
    "strategy": "full",
    "stopped_at_step": 7,
    "error": "cancelled by the user",
}


def write(path, value) -> None:
    # The way atomic_write_json writes run.json.
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run_folder(tmp_path, record, name="run") -> RunFolder:
    folder = tmp_path / name
    folder.mkdir()
    write(folder / RUN_FILE, record)
    return RunFolder(folder)


def test_a_completed_record_opens_typed_and_round_trips_to_the_same_file(tmp_path):
    run = run_folder(tmp_path, COMPLETED)
    record = run.record()
    assert record.format == "tlstudio-run/1" and record.status == "completed" and record.is_finished
    assert record.task == "text-classification"
    assert record.labels == ("negative", "positive")
    assert record.data_sha256 == "ab" * 32 and record.data_path == "/home/u/reviews.csv"
    assert record.strategy_name == "lora" and record.total_steps == 12 and record.duration_seconds == 398.2
    assert record.backbone == "minilm"  # no Hub name recorded: the setting
    assert record.adjustments[0]["change"].startswith("batch size") and record.resumed_from == "checkpoint-4"
    assert record.exports[0]["card"] == {"license": "mit"} and record.extra == {}

    assert record.to_dict() == COMPLETED
    before = run.run_file.read_text(encoding="utf-8")
    run.write_record(record)
    assert run.run_file.read_text(encoding="utf-8") == before  # same keys, same order, same values
    assert run.read_run() == COMPLETED


def test_an_old_record_without_format_or_some_keys_opens_and_round_trips(tmp_path):
    record = run_folder(tmp_path, OLD).record()
    assert record.format is None and record.started_at is None and record.finished_at is None
    assert record.status == "stopped" and not record.is_finished and record.stopped_at_step == 7
    assert record.task == "token-classification" and record.data_sha256 is None
    assert record.strategy is None and record.strategy_name is None  # its config names no strategy either
    assert record.extra == {"strategy": "full"}  # a shape the typed field does not take is kept as it was
    assert record.hardware == {} and record.versions == {} and record.adjustments == ()
    assert record.to_dict() == OLD and list(record.to_dict()) == list(OLD)

    bare = RunRecord.from_dict({"config": {}})
    assert bare.status == "unknown" and bare.task is None and bare.to_dict() == {"config": {}}


def test_unknown_keys_survive_reading_changing_and_writing(tmp_path):
    newer = {
        **COMPLETED,
        "format": "tlstudio-run/2",
        "restored_heads": ["a"],
        "future": {"x": [1, 2]},
        "labels": [0, 1],
    }  # labels of another shape: kept as written
    run = run_folder(tmp_path, newer)
    record = run.record()
    assert record.extra == {"restored_heads": ["a"], "future": {"x": [1, 2]}, "labels": [0, 1]}
    changed = record.replace(status="failed", error="diverged at step 9")
    run.write_record(changed)
    written = run.read_run()
    assert written == {**newer, "status": "failed", "error": "diverged at step 9"}
    assert list(written)[: len(newer)] == list(newer)
    assert record.status == "completed"  # the record read is unchanged

    copy = record.to_dict()
    copy["config"]["task"] = "changed"
    assert record.config["task"] == "text-classification"  # to_dict hands out a copy


def test_a_typed_field_given_a_value_replaces_an_odd_shaped_one():
    record = RunRecord.from_dict(OLD).replace(strategy={"name": "frozen"})
    assert record.to_dict()["strategy"] == {"name": "frozen"} and record.strategy_name == "frozen"
    made = RunRecord(config={"task": "text-classification"}, status="running", started_at="now")
    assert made.to_dict() == {"status": "running", "started_at": "now", "config": {"task": "text-classification"}}


def test_recorded_settings_are_the_config_with_its_paths(tmp_path):
    record = run_folder(tmp_path, COMPLETED).record()
    assert record.settings()["epochs"] == 3 and record.settings()["data"] == "/home/u/reviews.csv"


@pytest.mark.parametrize(
    "text, said",
    [
        ("{not json", "cannot be read"),
        ("[1, 2]", "is not a tlstudio run record"),
        ('{"status": "completed"}', "has no 'config' object"),
    ],
)
def test_a_damaged_run_record_names_its_file(tmp_path, text, said):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / RUN_FILE).write_text(text, encoding="utf-8")
    run = RunFolder(folder)
    with pytest.raises(ConfigError) as raised:
        run.record()
    assert said in str(raised.value) and str(run.run_file) in str(raised.value)
    assert run.record_or_none() is None


def test_metrics_are_read_with_their_headline(tmp_path):
    run = run_folder(tmp_path, COMPLETED)
    assert run.metrics() is None  # not finished yet
    write(
        run.metrics_file,
        {"task": "token-classification", "accuracy": 0.97, "f1": 0.61, "notes": ["only 20 validation rows"]},
    )
    metrics = run.metrics()
    assert metrics.task == "token-classification"
    assert headline(metrics) == ("f1", 0.61)  # entity F1, never the token accuracy
    assert metrics.number("accuracy") == 0.97 and metrics.number("task") is None
    assert metrics.notes == ["only 20 validation rows"]
    assert metrics.to_dict()["f1"] == 0.61

    run.metrics_file.write_text('{"accuracy": 0.9,', encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read") as raised:
        run.metrics()
    assert str(run.metrics_file) in str(raised.value)
    run.metrics_file.write_text("[0.9]", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a tlstudio metrics record"):
        run.metrics()


def test_predictions_are_rows_and_a_damaged_line_is_named(tmp_path):
    run = run_folder(tmp_path, COMPLETED)
    assert list(run.predictions()) == []  # no file: no rows
    rows = [
        {"text": "great", "label": "positive", "predicted": "positive"},
        {"text": "awful", "label": "negative", "predicted": "positive"},
    ]
    run.predictions_file.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n", encoding="utf-8")
    assert list(run.predictions()) == rows

    run.predictions_file.write_text(
        json.dumps(rows[0]) + '\n{"text": "cut off\n[1]\n' + json.dumps(rows[1]) + "\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as raised:
        list(run.predictions())
    assert f"{run.predictions_file}, line 2" in str(raised.value)
    assert list(run.predictions(skip_damaged=True)) == rows


def test_finding_and_opening_runs(tmp_path):
    run = run_folder(tmp_path, COMPLETED)
    assert is_run_folder(run.path) and not is_run_folder(tmp_path)
    assert find_run_file(run.path) == run.run_file and find_run_file(run.run_file) == run.run_file
    assert open_run(run.path).record().status == "completed"
    assert run.events_file == run.path / EVENTS_FILE
    assert {run.metrics_file.name, run.predictions_file.name} == {METRICS_FILE, PREDICTIONS_FILE}
    with pytest.raises(ConfigError, match="holds no tlstudio run"):
        open_run(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        open_run(tmp_path / "missing")

    assert record_in_file(run.run_file).to_dict() == COMPLETED
    settings = tmp_path / "settings.json"
    write(settings, COMPLETED["config"])
    assert record_in_file(settings) is None  # bare settings are no run record


def test_the_runs_list_reads_an_old_record_and_a_damaged_metrics_file(tmp_path):
    from tlstudio.core.runs.listing import list_runs, read_config

    old = run_folder(tmp_path, OLD, "old")
    done = run_folder(tmp_path, COMPLETED, "done")
    done.metrics_file.write_text("{damaged", encoding="utf-8")
    summaries = {s.name: s for s in list_runs(tmp_path)}
    assert summaries["old"].status == "stopped" and summaries["old"].step == 7
    assert summaries["old"].strategy is None and summaries["old"].task == "token-classification"
    assert summaries["done"].metrics == {} and summaries["done"].strategy == "lora"
    assert summaries["done"].total_steps == 12 and summaries["done"].backbone == "minilm"
    assert read_config(old.path)["task"] == "token-classification"


def test_the_run_bundle_script_is_written_with_the_run_file_names():
    from tlstudio.core.export.run_bundle import train_script

    script = train_script("text-classification")
    assert "__RUN_FILE__" not in script and "__METRICS_FILE__" not in script
    assert f"RUN_FILE = {json.dumps(RUN_FILE)}" in script and f"METRICS_FILE = {json.dumps(METRICS_FILE)}" in script
    compile(script, "train.py", "exec")
