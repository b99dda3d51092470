"""The main window's behaviour people expect, and each page's own work, with no training needed."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl

from helpers import fake_training, write_sentiment_csv
from tlstudio.core.samples import sample_path


def load(qtbot, window, path):
    window.open_data(path)
    qtbot.waitUntil(
        lambda: window.session.table is not None and window.session.table.path == Path(path), timeout=60_000
    )


def test_settings_persist_and_missing_recent_files_are_pruned(qtbot, app_settings, dialogs, tmp_path):
    from tlstudio.ui.main_window import MainWindow

    gone = write_sentiment_csv(tmp_path / "gone.csv")
    kept = write_sentiment_csv(tmp_path / "kept.csv")
    first = MainWindow(app_settings, notifications=False)
    qtbot.addWidget(first)
    load(qtbot, first, gone)
    load(qtbot, first, kept)
    first.resize(640, 470)  # inside the offscreen platform's 800x600 screen
    first.show_page("model")
    first.model_page.apply_preset("quick")
    first.close()
    gone.unlink()
    second = MainWindow(app_settings, notifications=False)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (640, 470)
    assert second.current_page() is second.model_page
    assert second.session.config.epochs == 1.0 and second.session.config.max_length == 64  # last choices
    assert app_settings.recent_files() == [str(kept.resolve())]
    assert [a.text() for a in second.actions.recent.actions()][:1] == ["kept.csv"]


def test_every_control_can_be_reached_by_keyboard_and_has_a_name(window):
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTabWidget,
        QTextEdit,
    )

    kinds = (
        QAbstractButton,
        QComboBox,
        QAbstractSpinBox,
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
        QAbstractItemView,
        QTabWidget,
    )
    buddies = {label.buddy() for label in window.findChildren(QLabel) if label.buddy() is not None}
    unnamed, unreachable, checked = [], [], 0
    for kind in kinds:
        for widget in window.findChildren(kind):
            parent = widget.parentWidget()
            if (
                isinstance(parent, (QAbstractSpinBox, QComboBox, QAbstractItemView))
                or widget.objectName().startswith("qt_")
                or type(widget).__module__.startswith("pyqtgraph")
                or isinstance(widget.window(), QComboBox)
                or parent.metaObject().className() == "QComboBoxPrivateContainer"
            ):
                continue  # parts of a compound widget (a spin box's line edit, a table's header, a combo's popup)
            checked += 1
            text = widget.text() if isinstance(widget, QAbstractButton) else ""
            if not (widget.accessibleName() or text or widget in buddies):
                unnamed.append(f"{type(widget).__name__} in {type(parent).__name__}")
            if widget.focusPolicy() == Qt.NoFocus:
                unreachable.append(f"{type(widget).__name__} {widget.accessibleName() or text}")
    assert checked > 80
    assert unnamed == [], "\n".join(unnamed)
    assert unreachable == []


def test_shortcuts_are_standard_and_start_stop_have_keys(window):
    from PySide6.QtGui import QKeySequence

    actions = window.findChildren(type(window.actions.start))
    shortcuts = {action.text().replace("&", ""): action.shortcut() for action in actions}
    assert shortcuts["Open data…"] == QKeySequence(QKeySequence.Open)
    assert shortcuts["Quit"] == QKeySequence(QKeySequence.Quit)
    assert shortcuts["Start training"] == QKeySequence("F5") and shortcuts["Stop training"] == QKeySequence("Shift+F5")
    assert shortcuts["Evaluate"] == QKeySequence("Ctrl+4")


def test_a_data_file_dropped_on_the_window_opens_and_other_files_are_refused(qtbot, window, tmp_path):
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    data = write_sentiment_csv(tmp_path / "dropped.csv")
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"png")
    document = tmp_path / "notes.pdf"
    document.write_bytes(b"%PDF")
    images = tmp_path / "images"
    (images / "cats").mkdir(parents=True)

    def mime_of(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        return mime

    # The events do not own their QMimeData: each is kept referenced here while its event lives.
    # A Qt event starts out accepted: each is ignored first, so only the window's handler can accept it.
    for path, accepted in (
        (picture, False),
        (document, False),
        (tmp_path / "missing.csv", False),
        (images, True),
        (data, True),
    ):
        mime = mime_of(path)
        event = QDragEnterEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        event.ignore()
        window.dragEnterEvent(event)
        assert event.isAccepted() is accepted, path.name
    for path, accepted in ((picture, False), (document, False), (data, True)):
        mime = mime_of(path)
        event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        event.ignore()
        window.dropEvent(event)
        assert event.isAccepted() is accepted, path.name
        if not accepted:
            assert window.session.table is None, f"{path.name} was opened"
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=60_000)
    assert window.session.table.path.name == "dropped.csv"


def test_closing_during_a_run_asks_then_stops_the_worker_cleanly(qtbot, window, monkeypatch):

    questions = []
    monkeypatch.setattr(window, "ask", lambda text: questions.append(text) or True)
    with qtbot.waitSignal(window.controller.step_logged, timeout=30_000):
        window.controller.launch(fake_training(steps=100_000, delay=0.005), Path("/tmp/run"))
    window.close()
    assert questions and "Stop it and quit" in questions[0]
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)

    # Saying no keeps the window and the run.
    window.show()
    monkeypatch.setattr(window, "ask", lambda text: False)
    window._close_when_stopped = False
    with qtbot.waitSignal(window.controller.step_logged, timeout=30_000):
        window.controller.launch(fake_training(steps=100_000, delay=0.005), Path("/tmp/run"))
    window.close()
    assert window.isVisible() and window.controller.running


def test_an_unexpected_error_is_logged_shown_with_details_and_the_app_goes_on(
    qtbot, window, dialogs, monkeypatch, tmp_path
):
    from tlstudio.ui.error_dialog import ExceptionHook

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    hook = ExceptionHook()

    def fail():
        try:
            raise KeyError("from a worker thread")
        except KeyError as exc:
            hook.handle(type(exc), exc, exc.__traceback__)

    thread = threading.Thread(target=fail)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    failure = dialogs[0]
    assert not failure.user_error and "KeyError" in failure.details and "from a worker thread" in failure.message
    assert "from a worker thread" in Path(failure.log_file).read_text()
    assert window.isVisible()


def test_data_page_shows_labels_problems_and_token_lengths_against_max_length(qtbot, window, tiny_backbone):
    window.session.update_config(backbone=str(tiny_backbone))
    load(qtbot, window, sample_path("topics"))
    page = window.data_page
    assert page.label_combo.currentText() == "topic" and "distinct values" in page.roles.reasons["label_column"].text()
    qtbot.waitUntil(lambda: page.label_chart._counts != {}, timeout=60_000)
    assert page.label_chart._counts == {"cooking": 80, "sport": 80, "technology": 80, "travel": 80}
    qtbot.waitUntil(lambda: window.session.token_lengths is not None, timeout=60_000)
    assert window.session.token_lengths.total_rows == 320
    window.session.update_config(max_length=16)
    assert page.length_chart._marker_value == 16 and "longer than max length 16" in page.length_summary.text()
    page.label_combo.setCurrentText("text")  # the same column twice is an error, said in words
    qtbot.waitUntil(lambda: "both 'text'" in page.problems.item(0).text(), timeout=60_000)


def test_devices_are_listed_when_the_model_page_is_first_shown_not_at_start(qtbot, app_settings, dialogs, monkeypatch):
    # Listing devices imports torch: seconds of start-up on a busy 2-core machine (docs/benchmarks.md).
    from tlstudio.ui import main_window
    from tlstudio.ui.pages import model_page

    calls = []
    monkeypatch.setattr(
        model_page, "_devices", lambda: calls.append(1) or [{"id": "cpu", "name": "CPU", "precisions": ["fp32"]}]
    )
    win = main_window.MainWindow(app_settings, notifications=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.wait(300)
    assert calls == [] and win.model_page.device_picker.device_combo.currentText() == "Detecting devices…"
    win.show_page("model")
    qtbot.waitUntil(lambda: win.model_page.device_picker.devices != [], timeout=10_000)
    win.show_page("data")
    win.show_page("model")
    qtbot.wait(50)
    assert calls == [1] and win.model_page.device_picker.device_combo.findData("cpu") >= 0


def test_model_page_estimates_memory_and_applies_presets(qtbot, window, tiny_backbone):
    page = window.model_page
    page.local_radio.click()
    page.local_field.set_path(tiny_backbone, notify=True)
    qtbot.waitUntil(lambda: page.info is not None and page.info.path == Path(tiny_backbone), timeout=60_000)
    assert "2 layers" in page.backbone_info.text()
    qtbot.waitUntil(lambda: "at the peak" in page.memory_label.text(), timeout=60_000)
    before = page.memory_label.accessibleDescription()
    page.form.editor("batch_size").setValue(256)
    qtbot.waitUntil(lambda: page.memory_label.accessibleDescription() != before, timeout=10_000)
    page.preset_buttons["best"].click()
    assert window.session.config.epochs == 8.0 and page.form.editor("max_length").value() == 256
    assert page.preset_buttons["best"].isChecked() and not page.preset_buttons["quick"].isChecked()
    assert window.session.config.backbone == str(tiny_backbone)  # presets leave the backbone alone


def fake_run(project: Path, name: str, status: str, losses: list[float], checkpoint: bool) -> Path:
    run = project / name
    (run / "checkpoints").mkdir(parents=True)
    state = {
        "max_steps": 10,
        "log_history": [
            {"step": i + 1, "loss": loss, "learning_rate": 1e-4, "epoch": 0.1} for i, loss in enumerate(losses)
        ],
    }
    if checkpoint:
        (run / "checkpoints" / "checkpoint-4").mkdir()
        (run / "checkpoints" / "checkpoint-4" / "trainer_state.json").write_text(json.dumps(state))
        (run / "checkpoints" / "checkpoint-4" / "optimizer.pt").write_bytes(b"0" * 5000)
    if status == "completed":
        (run / "trainer_state.json").write_text(json.dumps(state))
        (run / "metrics.json").write_text(json.dumps({"accuracy": 0.9, "macro_f1": 0.88}))
    (run / "run.json").write_text(
        json.dumps(
            {
                "status": status,
                "started_at": f"2026-01-0{len(name)}T10:00:00",
                "config": {"task": "text-classification", "data": "/x/reviews.csv", "backbone": "minilm"},
            }
        )
    )
    return run


def test_runs_page_lists_compares_and_frees_disk(qtbot, window):
    project = window.session.project_dir
    done = fake_run(project, "done", "completed", [0.9, 0.5, 0.3], checkpoint=True)
    stopped = fake_run(project, "halted", "stopped", [1.0, 0.8], checkpoint=True)
    page = window.runs_page
    page.refresh()
    qtbot.waitUntil(lambda: len(page.summaries) == 2, timeout=30_000)
    statuses = {r["name"]: r["status_text"] for r in page.model.records}
    assert statuses == {"done": "finished", "halted": "stopped"}
    page.select_run(stopped)
    assert page.buttons["resume"].isEnabled() and page.buttons["checkpoints"].isEnabled()
    page.table.selectAll()
    page.compare_selected()
    qtbot.waitUntil(lambda: len(page.compare_chart._series) == 2, timeout=30_000)
    assert page.compare_chart.point_count(f"{done}:train") == 3
    page.select_run(done)
    page.delete_checkpoints()  # the dialogs fixture says yes
    qtbot.waitUntil(lambda: not (done / "checkpoints").exists(), timeout=30_000)
    assert (done / "metrics.json").exists()
    page.select_run(stopped)
    with qtbot.waitSignal(page.resume_requested) as resumed:
        page.buttons["resume"].click()
    assert resumed.args == [stopped]


def test_try_it_predicts_while_typing_without_blocking_and_the_newest_text_wins(qtbot):
    from tlstudio.core.predictors.loading import Prediction
    from tlstudio.ui.views.try_view import TryView

    class SlowClassifier:
        labels = ["neg", "pos"]

        def __init__(self):
            self.seen = []

        def predict(self, texts):
            self.seen.append(texts[0])
            time.sleep(0.2)
            score = 0.9 if "good" in texts[0] else 0.1
            scores = {"pos": score, "neg": 1 - score}
            return [Prediction("pos" if score > 0.5 else "neg", max(scores.values()), scores)]

    view = TryView()
    qtbot.addWidget(view)
    view.predictor = SlowClassifier()
    started = time.perf_counter()
    for chunk in ("this ", "is ", "not ", "bad, ", "it is ", "good"):
        qtbot.keyClicks(view.input, chunk)
        qtbot.wait(120)  # typing pauses shorter than the debounce, then longer ones
    assert time.perf_counter() - started < 5  # typing never waited for a prediction
    qtbot.waitUntil(lambda: "pos" in view.verdict.text(), timeout=10_000)
    assert view.predictor.seen[-1] == "this is not bad, it is good"
    assert len(view.predictor.seen) < 6


def test_help_shows_the_user_guide_and_about_names_the_versions(qtbot):
    from tlstudio.ui.help import GuideDialog, about_text

    guide = GuideDialog()
    qtbot.addWidget(guide)
    text = guide.browser.toPlainText()
    assert "tlstudio user guide" in text and "Confusion matrix".lower() in text.lower()
    about = about_text()
    for name in ("tlstudio", "torch", "transformers", "PySide6-Essentials", "Qt"):
        assert name in about


def test_an_interrupted_run_is_offered_for_resume_at_start_and_a_no_is_remembered(
    qtbot, app_settings, dialogs, monkeypatch
):
    from tlstudio.ui.main_window import MainWindow

    fake_run(app_settings.project_dir(), "crashed", "running", [0.9, 0.7], checkpoint=True)
    asked = []
    monkeypatch.setattr(MainWindow, "ask", lambda self, text: asked.append(text) or False)
    win = MainWindow(app_settings, notifications=False)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    assert "This run stopped at step 4" in asked[0] and "Resume" in asked[0]
    assert "crashed at step 4" in win.statusBar().currentMessage()
    assert not win.controller.running  # "no" resumes nothing

    again = MainWindow(app_settings, notifications=False)  # the answer is remembered: not asked twice
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: "crashed at step 4" in again.statusBar().currentMessage(), timeout=30_000)
    assert len(asked) == 1
    page = again.runs_page  # the Runs page keeps offering it
    qtbot.waitUntil(lambda: page.recovery.isVisibleTo(page), timeout=30_000)
    assert "crashed (or was killed) at step 4" in page.recovery.text()


def test_deleting_the_run_on_show_clears_the_pages_that_showed_it(qtbot, window):
    run = fake_run(window.session.project_dir, "old", "completed", [0.5], checkpoint=False)
    (run / "config.json").write_text("{}")
    (run / "metrics.json").write_text(json.dumps({"accuracy": 1.0, "confusion_matrix": {"labels": [], "matrix": []}}))
    window.evaluate_page.show_run(run)
    qtbot.waitUntil(lambda: window.evaluate_page.model_dir == run, timeout=10_000)
    page = window.runs_page
    page.refresh()
    qtbot.waitUntil(lambda: len(page.summaries) == 1, timeout=30_000)
    page.select_run(run)
    page.delete_runs()
    qtbot.waitUntil(lambda: window.evaluate_page.model_dir is None, timeout=30_000)
    assert not run.exists() and window.evaluate_page.model_label.text() == "No model."


def test_a_big_file_shows_its_first_rows_while_the_rest_loads_and_a_failed_load_puts_back_the_last_file(
    qtbot, window, dialogs, tmp_path, monkeypatch
):
    import threading

    from tlstudio.core.errors import DataError
    from tlstudio.ui.pages import data_page

    monkeypatch.setattr(data_page, "PREVIEW_FROM_BYTES", 0)  # every file counts as big here
    monkeypatch.setattr(data_page, "PREVIEW_ROWS", 50)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("text,label\n" + "".join(f"good {i},pos\nbad {i},neg\n" for i in range(300)))
    second.write_text("text,label\n" + "".join(f"row {i},x\n" for i in range(400)))
    release, real_load = threading.Event(), data_page._load

    def slow_load(path, *task_and_mode):
        release.wait(30)
        if path == str(second):
            raise DataError(f"{path} broke half way.", "Try again.")
        return real_load(path, *task_and_mode)

    monkeypatch.setattr(data_page, "_load", slow_load)
    page = window.data_page
    window.open_data(first)
    qtbot.waitUntil(lambda: page.table_model.rowCount() == 50 and page.stack.currentIndex() == 1, timeout=30_000)
    assert window.session.table is None and not page.left_panel.isEnabled()
    assert "Loading all rows" in page.file_label.text()
    release.set()
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=30_000)
    assert page.table_model.rowCount() == 600 and page.left_panel.isEnabled()
    shown = page.file_label.text()

    release.clear()
    window.open_data(second)
    qtbot.waitUntil(lambda: page.table_model.rowCount() == 50, timeout=30_000)
    release.set()
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=30_000)
    assert "broke half way" in dialogs[0].message
    assert page.table_model.rowCount() == 600 and page.file_label.text() == shown and page.left_panel.isEnabled()
    assert window.session.table.path == first


def test_opening_another_file_lets_the_first_one_go(qtbot, window, tiny_backbone):
    # Every background job once kept its inputs alive (a Qt-held cycle Python could not collect) and the
    # Label page kept every file's controller: each file opened stayed in memory until exit.
    import gc
    import weakref

    window.session.update_config(backbone=str(tiny_backbone))
    load(qtbot, window, sample_path("sentiment"))
    qtbot.waitUntil(lambda: window.session.token_lengths is not None, timeout=60_000)
    first = weakref.ref(window.session.table.frame)
    load(qtbot, window, sample_path("topics"))
    qtbot.waitUntil(
        lambda: window.session.token_lengths is not None and bool(window.data_page.label_chart._counts), timeout=60_000
    )
    from tlstudio.ui.workers.background import jobs_running

    qtbot.waitUntil(lambda: jobs_running() == 0, timeout=60_000)
    qtbot.wait(50)  # deleteLater runs on the next event-loop pass
    gc.collect()
    assert first() is None
