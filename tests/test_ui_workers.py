"""Work off the GUI thread: the training worker's signals and Stop, background jobs, newest-wins."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from helpers import fake_training
from tlstudio.core.errors import DataError


@pytest.fixture
def controller(qtbot):
    from tlstudio.ui.workers.training import TrainingController

    controller = TrainingController()
    yield controller
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=30_000)


def test_events_arrive_on_the_gui_thread_as_frozen_plain_values(qtbot, controller):
    seen, threads = [], set()

    def record(kind):
        return lambda event: (seen.append((kind, event)), threads.add(threading.current_thread()))

    for name in ("run_started", "step_logged", "evaluated", "message", "run_finished"):
        getattr(controller, name).connect(record(name))
    with qtbot.waitSignal(controller.run_finished, timeout=30_000):
        controller.launch(fake_training(steps=8, delay=0), Path("/tmp/run"))
    qtbot.waitUntil(lambda: not controller.running, timeout=10_000)
    assert threads == {threading.main_thread()}
    kinds = [kind for kind, _ in seen]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished" and kinds.count("step_logged") == 8
    evaluated = next(event for kind, event in seen if kind == "evaluated")
    assert type(evaluated.metrics["accuracy"]) is float and type(evaluated.metrics["loss"]) is float
    outcome = seen[-1][1]
    assert outcome.status == "completed" and type(outcome.metrics["accuracy"]) is float
    for _, event in seen:
        assert dataclasses.is_dataclass(event) and type(event).__dataclass_params__.frozen


def test_stop_sets_the_cancel_token_from_the_gui_thread_and_the_thread_ends(qtbot, controller):
    with qtbot.waitSignal(controller.step_logged, timeout=30_000):
        controller.launch(fake_training(steps=10_000, delay=0.005), Path("/tmp/run"))
    assert controller.running
    with qtbot.waitSignal(controller.run_finished, timeout=30_000) as finished:
        controller.stop()
    assert controller.stopping
    assert finished.args[0].status == "cancelled" and 0 < finished.args[0].step < 10_000
    with qtbot.waitSignal(controller.running_changed, timeout=30_000) as changed:
        pass
    assert changed.args == [False] and not controller.running


@pytest.mark.parametrize(
    "error,user_error",
    [(DataError("column 'x' is missing.", "Pick another."), True), (ZeroDivisionError("boom"), False)],
)
def test_a_failing_run_reports_once_and_frees_the_thread(qtbot, controller, error, user_error, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # the bug's log file goes to a temporary folder
    with qtbot.waitSignal(controller.run_failed, timeout=30_000) as failed:
        controller.launch(fake_training(steps=20, delay=0, fail=error), Path("/tmp/run"))
    failure = failed.args[0]
    assert failure.user_error is user_error
    if user_error:
        assert failure.message == "Column 'x' is missing." and failure.hint == "Pick another." and not failure.details
    else:
        assert "ZeroDivisionError" in failure.details and "boom" in failure.message
    qtbot.waitUntil(lambda: not controller.running, timeout=10_000)
    with pytest.raises(RuntimeError):  # one run at a time
        controller.launch(fake_training(steps=100_000, delay=0.01), Path("/tmp/run"))
        controller.launch(fake_training(), Path("/tmp/run"))


def test_background_jobs_deliver_on_the_gui_thread_and_cancelling_is_not_an_error(qtbot, dialogs):
    from tlstudio.core.errors import RunCancelled
    from tlstudio.ui.workers.background import run_in_background

    results = []
    run_in_background(
        lambda job: threading.current_thread(),
        on_success=lambda value: results.append((value, threading.current_thread())),
    )
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    worker_thread, callback_thread = results[0]
    assert worker_thread is not threading.main_thread() and callback_thread is threading.main_thread()

    failures, cancelled = [], []
    run_in_background(lambda job: 1 / 0, on_failure=failures.append)
    run_in_background(
        lambda job: (_ for _ in ()).throw(RunCancelled()),
        on_failure=failures.append,
        on_cancelled=lambda: cancelled.append(True),
    )
    qtbot.waitUntil(lambda: bool(failures and cancelled), timeout=10_000)
    assert len(failures) == 1 and not failures[0].user_error
    run_in_background(lambda job: (_ for _ in ()).throw(DataError("bad file.")))  # no handler: the default dialog
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    assert dialogs[0].message == "Bad file."


def test_a_result_for_a_closed_widget_is_dropped(qtbot):
    from PySide6.QtWidgets import QWidget

    from tlstudio.ui.workers.background import jobs_running, run_in_background

    release, results = threading.Event(), []
    widget = QWidget()
    run_in_background(lambda job: release.wait(10) and "late", context=widget, on_success=results.append)
    widget.deleteLater()
    qtbot.wait(50)
    release.set()
    qtbot.waitUntil(lambda: jobs_running() == 0, timeout=10_000)
    assert results == []


def test_latest_only_shows_the_newest_request_and_skips_the_ones_in_between(qtbot):
    from PySide6.QtWidgets import QWidget

    from tlstudio.ui.workers.background import LatestOnly

    widget = QWidget()
    qtbot.addWidget(widget)
    shown, started = [], []
    gate = threading.Event()
    latest = LatestOnly(widget, shown.append)

    def work(text):
        def run(job):
            started.append(text)
            if text == "a":
                gate.wait(10)
            return text

        return run

    for text in ("a", "ab", "abc", "abcd"):
        latest.request(work(text))
    gate.set()
    qtbot.waitUntil(lambda: not latest.busy and bool(shown), timeout=10_000)
    assert shown == ["abcd"] and started == ["a", "abcd"]


def test_a_controller_deleted_mid_run_stops_the_run_instead_of_crashing(qtbot):
    from tlstudio.ui.workers.job_thread import threads_running
    from tlstudio.ui.workers.training import TrainingController

    controller = TrainingController()
    with qtbot.waitSignal(controller.step_logged, timeout=30_000):
        controller.launch(fake_training(steps=100_000, delay=0.005), Path("/tmp/run"))
    controller.deleteLater()
    del controller
    qtbot.waitUntil(lambda: threads_running() == 0, timeout=30_000)
