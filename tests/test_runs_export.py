"""The project folder's runs: listing, curves, freeing disk, exporting a model with the user's card."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import tiny_config, write_sentiment_csv
from tlstudio.core.errors import ConfigError, TlStudioError
from tlstudio.core.predictors.evaluation import evaluate_file_with_rows
from tlstudio.core.progress import CancelToken, ListSink, StepEnded
from tlstudio.core.runs.listing import (
    delete_checkpoints,
    delete_run,
    list_runs,
    loss_history,
    read_config,
    summarize_run,
)
from tlstudio.core.training.engine import train


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_backbone):
    """A project folder with one finished run and one stopped at step 5."""
    folder = tmp_path_factory.mktemp("project")
    data = write_sentiment_csv(folder.parent / "reviews.csv")
    train(tiny_config(data, folder / "finished", tiny_backbone, epochs=2, keep_checkpoints=True))
    cancel = CancelToken()

    class StopAt5(ListSink):
        def emit(self, event):
            if isinstance(event, StepEnded) and event.step == 5:
                cancel.cancel()

    train(tiny_config(data, folder / "stopped", tiny_backbone, logging_steps=1), StopAt5(), cancel)
    return folder


def test_runs_are_listed_with_status_metrics_and_disk_use(project):
    runs = {r.name: r for r in list_runs(project)}
    assert set(runs) == {"finished", "stopped"}
    done, stopped = runs["finished"], runs["stopped"]
    assert done.status == "completed" and done.has_model and not done.resumable
    assert done.step == 18 and set(done.metrics) >= {"accuracy", "macro_f1"}
    assert stopped.status == "stopped" and stopped.resumable and stopped.step == 5 and not stopped.has_model
    assert stopped.checkpoints == 1 and 0 < stopped.checkpoint_bytes <= stopped.disk_bytes
    assert done.disk_bytes > done.checkpoint_bytes > 0
    assert done.task == "text-classification" and done.data_name == "reviews.csv"
    assert read_config(done.path)["epochs"] == 2


def test_a_run_left_running_is_interrupted_unless_this_app_trains_it(project, tmp_path):
    import shutil

    copy = tmp_path / "crashed"
    shutil.copytree(project / "stopped", copy)
    record = json.loads((copy / "run.json").read_text())
    record["status"] = "running"
    (copy / "run.json").write_text(json.dumps(record))
    assert summarize_run(copy).status == "interrupted" and summarize_run(copy).resumable
    assert summarize_run(copy, active=True).status == "running"
    assert summarize_run(tmp_path) is None  # not a run


def test_loss_history_comes_from_the_finished_state_or_the_last_checkpoint(project):
    finished = loss_history(project / "finished")
    assert [s for s, _ in finished.train_loss] == list(range(2, 19, 2))
    assert len(finished.eval_loss) == 2 and [round(e) for e, _ in finished.eval_metrics] == [1, 2]
    assert "accuracy" in finished.eval_metrics[0][1] and len(finished.learning_rate) == len(finished.train_loss)
    stopped = loss_history(project / "stopped")
    assert [s for s, _ in stopped.train_loss] == [1, 2, 3, 4, 5] and stopped.max_steps == 54


def test_deleting_checkpoints_keeps_the_model_and_deleting_a_run_needs_a_run(project, tmp_path):
    import shutil

    copy = tmp_path / "finished"
    shutil.copytree(project / "finished", copy)
    freed = delete_checkpoints(copy)
    assert freed > 0 and not (copy / "checkpoints").exists() and (copy / "model.safetensors").is_file()
    assert summarize_run(copy).checkpoint_bytes == 0
    stranger = tmp_path / "not-a-run"
    stranger.mkdir()
    (stranger / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a tlstudio run"):
        delete_run(stranger)
    assert (stranger / "keep.txt").exists()
    assert delete_run(copy) > 0 and not copy.exists()


def test_export_plan_previews_the_users_card_and_the_export_writes_it_and_nothing_private(project, tmp_path):
    from tlstudio.core.export import ExportOptions, export
    from tlstudio.core.export.plan import plan_export, record_export, usage_snippet

    fields = {
        "description": "Sorts hotel reviews.",
        "intended_use": "Triage of feedback.",
        "limitations": "English only.",
        "license": "mit",
    }
    options = ExportOptions("hf", tmp_path / "exported", card_fields=fields)
    plan = plan_export(project / "finished", options)
    names = {name for name, _ in plan.files}
    assert {"config.json", "model.safetensors", "tokenizer.json", "run.json", "metrics.json", "README.md"} <= names
    assert not names & {"eval_predictions.jsonl"}
    assert not any(n.startswith("checkpoints") for n in names)
    assert "Sorts hotel reviews." in plan.card and "license: mit" in plan.card and "# exported" in plan.card
    assert not (tmp_path / "exported").exists()  # planning writes nothing
    out = export(project / "finished", options, ListSink()).output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        names | {".tlstudio-export.json"}
    )  # + what --force may replace
    assert (out / "README.md").read_text() == plan.card
    record_export(project / "finished", out, "hf")
    record = json.loads((project / "finished" / "run.json").read_text())
    assert record["exports"][-1]["path"] == str(out) and record["exports"][-1]["format"] == "hf"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind
    with pytest.raises(ConfigError, match="already exists"):
        plan_export(project / "finished", options)
    with pytest.raises(ConfigError, match="overlaps"):
        plan_export(project / "finished", ExportOptions("hf", project / "finished" / "sub"))
    with pytest.raises(TlStudioError, match="no config.json"):
        plan_export(project / "stopped", ExportOptions("hf", tmp_path / "other"))
    zipped = plan_export(project / "finished", ExportOptions("bundle", tmp_path / "b", with_onnx=True))
    assert zipped.output.name == "b.zip" and "predict.py" in dict(zipped.files)
    assert dict(zipped.files)["model/onnx/model.onnx"] is None  # made by the export, size unknown yet
    snippet = usage_snippet(out, "text-classification", record)
    result = subprocess.run(
        [sys.executable, "-c", snippet + "import sys; assert 'tlstudio' not in sys.modules"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "'label':" in result.stdout


def test_evaluating_a_new_file_returns_each_row_for_the_confusion_matrix(project, tmp_path):
    data = write_sentiment_csv(tmp_path / "new.csv", rows=30, seed=7)
    report, rows = evaluate_file_with_rows(project / "finished", data)
    assert len(rows) == report["rows"] == 30
    assert {"row", "text", "label", "predicted", "confidence"} == set(rows[0])
    matrix = report["confusion_matrix"]["matrix"]
    wrong = sum(r["label"] != r["predicted"] for r in rows)
    assert wrong == sum(matrix[i][j] for i in range(2) for j in range(2) if i != j)


def test_a_finished_run_deletes_its_checkpoints_unless_asked_to_keep_them(trained_run, project):
    """Checkpoints (weights plus optimizer state) are several times the model: a finished run keeps the model
    and says how much it freed; --keep-checkpoints keeps them (the project's finished run was trained so)."""
    record = json.loads((trained_run / "run.json").read_text())
    assert not (trained_run / "checkpoints").exists() and (trained_run / "model.safetensors").is_file()
    assert record["checkpoints_deleted_bytes"] > (trained_run / "model.safetensors").stat().st_size
    assert (project / "finished" / "checkpoints").is_dir()


def test_the_best_checkpoint_keeps_only_its_weights_once_newer_ones_exist(tmp_path):
    """Resume starts from the newest checkpoint; the best one is kept for the weights the Trainer loads at the
    end, so its optimizer state (twice the model's size) goes."""
    from tlstudio.core.training.checkpoints import prune

    root = tmp_path / "checkpoints"
    for step in (2, 4, 6):
        folder = root / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        for name in ("model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth", "trainer_state.json"):
            (folder / name).write_bytes(b"x")
    prune(root, 1, keep=root / "checkpoint-2")
    assert sorted(p.name for p in root.iterdir()) == ["checkpoint-2", "checkpoint-6"]
    assert sorted(p.name for p in (root / "checkpoint-2").iterdir()) == ["model.safetensors", "trainer_state.json"]
    assert (root / "checkpoint-6" / "optimizer.pt").is_file()  # the resume point keeps everything
