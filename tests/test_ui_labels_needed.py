"""The labels-needed study dialog: sizes suggested from the data, points on one chart and in a table as they
come, progress with time left, Stop, all on a QThread (the core study is faked here; the CLI test runs it)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tlstudio.core.studies.labels_needed import StudyProgress, StudyResult, parse_sizes, suggest_sizes
from tlstudio.core.errors import ConfigError
from tlstudio.core.progress import StageChanged, StepEnded, StudyPointMeasured

SCORES = {(25, "pretrained"): 0.71, (25, "random"): 0.42, (50, "pretrained"): 0.80, (50, "random"): 0.47}


@pytest.fixture
def session(tmp_path, qapp):
    from helpers import write_sentiment_csv
    from tlstudio.core.data.readers import read_table
    from tlstudio.ui.session import Session

    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=160)
    session = Session(tmp_path / "project")
    session.table = read_table(data)
    session.update_config(data=str(data), text_column="text", label_column="label", epochs=2.0)
    return session


def test_sizes_are_suggested_from_the_data_and_read_from_what_the_user_types():
    assert suggest_sizes(144, 2) == [25, 50, 100]
    assert suggest_sizes(1000, 12) == [48, 96, 192, 384]
    assert parse_sizes("100, 50 50") == [50, 100]
    with pytest.raises(ConfigError, match="'ten' is not"):
        parse_sizes("ten")


def test_progress_weighs_runs_by_their_labelled_rows():
    now = [0.0]
    progress = StudyProgress([25, 75], clock=lambda: now[0])
    assert progress.current_run == (25, "pretrained") and progress.eta_seconds() is None
    progress.update(StepEnded(5, 10, None))
    assert progress.fraction == pytest.approx(12.5 / 200)
    now[0] = 10.0
    progress.update(StudyPointMeasured(25, "pretrained", {}))
    progress.update(StudyPointMeasured(25, "random", {}))
    assert progress.current_run == (75, "pretrained") and progress.fraction == pytest.approx(0.25)
    assert progress.eta_seconds() == pytest.approx(30.0)  # three quarters left at the pace so far


def test_points_arrive_on_one_chart_and_the_gain_is_stated(qtbot, session, monkeypatch):
    from tlstudio.core.studies import labels_needed as core
    from tlstudio.ui.labels_needed_dialog import LabelsNeededDialog

    threads = []

    def fake_study(config, sizes, *, sink, cancel, **_):
        threads.append(threading.current_thread().name)
        result = StudyResult("completed", Path(config.output), "macro_f1")
        for size in sizes:
            for init in ("pretrained", "random"):
                sink.emit(StageChanged("training", f"{size} labels, {init} weights"))
                sink.emit(StepEnded(1, 2, 3.0))
                value = SCORES[(size, init)]
                result.points.append({"size": size, "init": init, "macro_f1": value})
                sink.emit(StudyPointMeasured(size, init, {"macro_f1": value, "accuracy": value}))
        Path(config.output).mkdir(parents=True)
        return result

    monkeypatch.setattr(core, "labels_needed", fake_study)
    dialog = LabelsNeededDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.sizes.text() == "25, 50, 100"  # 160 rows less the validation tenth
    assert "6 runs" in dialog.plan.text() and dialog.start_button.isEnabled()
    dialog.sizes.setText("25, 500")
    assert "500 is too many" in dialog.plan.text() and not dialog.start_button.isEnabled()
    dialog.sizes.setText("25, 50")
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert threads and threads[0] != threading.main_thread().name
    assert list(dialog.curves["pretrained"].getData()[1]) == [0.71, 0.80]
    assert list(dialog.curves["random"].getData()[1]) == [0.42, 0.47]
    assert [dialog.table.item(1, c).text() for c in range(4)] == ["50", "0.800", "0.470", "+33.0 points"]
    assert "With 50 labels the pretrained backbone scores +33.0 macro-F1 points" in dialog.status.text()
    assert dialog.bar.value() == 1000
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=5_000)
    assert dialog.folder_button.isEnabled() and not dialog.stop_button.isEnabled()


def test_stop_ends_the_study_and_keeps_what_was_measured(qtbot, session, monkeypatch):
    from tlstudio.core.studies import labels_needed as core
    from tlstudio.ui.labels_needed_dialog import LabelsNeededDialog

    def slow_study(config, sizes, *, sink, cancel, **_):
        result = StudyResult("completed", Path(config.output), "macro_f1")
        result.points.append({"size": sizes[0], "init": "pretrained", "macro_f1": 0.7})
        sink.emit(StudyPointMeasured(sizes[0], "pretrained", {"macro_f1": 0.7}))
        while not cancel.cancelled:  # a run training until Stop
            sink.emit(StepEnded(1, 100, 50.0))
            time.sleep(0.02)
        result.status = "cancelled"
        return result

    monkeypatch.setattr(core, "labels_needed", slow_study)
    dialog = LabelsNeededDialog(session)
    qtbot.addWidget(dialog)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: len(dialog.points) == 1, timeout=60_000)
    qtbot.waitUntil(lambda: "left" in dialog.status.text(), timeout=60_000)
    assert dialog.stop_button.isEnabled() and not dialog.start_button.isEnabled()
    assert "Run 2 of 6: 25 labels, same architecture, random weights" in dialog.status.text()
    dialog.stop_button.click()
    qtbot.waitUntil(lambda: not dialog.controller.running, timeout=60_000)
    assert "Stopped; 1 point(s) measured" in dialog.status.text()
    assert list(dialog.curves["pretrained"].getData()[1]) == [0.7]


def test_other_tasks_are_told_what_the_study_needs(qtbot, session):
    from tlstudio.ui.labels_needed_dialog import LabelsNeededDialog

    session.set_task("token-classification")
    dialog = LabelsNeededDialog(session)
    qtbot.addWidget(dialog)
    assert "single-label text classification" in dialog.plan.text() and not dialog.start_button.isEnabled()


def test_a_finished_study_opens_again_from_its_folder(qtbot, session, tmp_path):
    import json

    from tlstudio.ui.labels_needed_dialog import LabelsNeededDialog

    folder = tmp_path / "labels-needed-old"
    folder.mkdir()
    points = [{"size": size, "init": init, "macro_f1": SCORES[(size, init)]} for size, init in SCORES]
    (folder / "labels_needed.json").write_text(
        json.dumps({"status": "completed", "metric": "macro_f1", "points": points})
    )
    dialog = LabelsNeededDialog(session)
    qtbot.addWidget(dialog)
    dialog.show_study(tmp_path / "nowhere")
    assert "holds no labels_needed.json" in dialog.status.text()
    dialog.show_study(folder)
    assert list(dialog.curves["random"].getData()[1]) == [0.42, 0.47]
    assert "With 50 labels the pretrained backbone scores +33.0" in dialog.status.text()
    assert dialog.folder_button.isEnabled()


def test_the_run_menu_opens_the_study(qtbot, window):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from tlstudio.ui.labels_needed_dialog import LabelsNeededDialog

    seen = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        seen.append(type(dialog))
        dialog.reject()

    action = next(
        a
        for menu in window.menuBar().actions()
        if menu.text() == "&Run"
        for a in menu.menu().actions()
        if "labels" in a.text()
    )
    QTimer.singleShot(200, look)
    action.trigger()
    assert seen == [LabelsNeededDialog]
