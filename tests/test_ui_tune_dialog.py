"""The search dialog: live trials table, objective chart, promoting the best settings (core search faked)."""

from __future__ import annotations

from pathlib import Path

from tlstudio.core.progress import TrialFinished, TrialStarted
from tlstudio.core.studies.tuning import Trial, TuneResult


def test_trials_fill_the_table_and_the_best_settings_reach_the_session(qtbot, tmp_path, monkeypatch):
    from tlstudio.core.studies import tuning
    from tlstudio.ui.session import Session
    from tlstudio.ui.tune_dialog import TuneDialog

    asked = {}

    def fake_tune(config, *, trials, minutes, space, sink, cancel, **_):
        from PySide6.QtCore import QThread

        asked["thread"] = QThread.currentThread().objectName()
        asked.update(trials=trials, minutes=minutes, space=space, output=config.output)
        found = []
        for number, (lr, value, state) in enumerate(
            [(1e-4, 0.7, "complete"), (3e-4, 0.9, "complete"), (1e-3, None, "pruned")]
        ):
            params = {"learning_rate": lr, "strategy": "lora"}
            sink.emit(TrialStarted(number, params, f"{config.output}/trials/trial-{number:03d}"))
            found.append(Trial(number, params, state, value, 3.0))
            sink.emit(
                TrialFinished(
                    number,
                    params,
                    state,
                    value,
                    3.0,
                    1 if number else 0,
                    0.9 if number else 0.7,
                    "stopped early" if value is None else "",
                )
            )
        return TuneResult(
            "completed", Path(config.output), "macro_f1", True, found, found[1], Path(config.output) / "best_run.json"
        )

    monkeypatch.setattr(tuning, "tune", fake_tune)
    session = Session(tmp_path)
    session.update_config(data=str(tmp_path / "reviews.csv"))
    dialog = TuneDialog(session)
    qtbot.addWidget(dialog)
    dialog.trials.setValue(3)
    dialog.space["batch_size"].setChecked(False)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.promote_button.isEnabled(), timeout=60_000)
    assert asked["thread"] == "tlstudio-search"  # the app's QThread worker, like a training run
    assert asked["trials"] == 3 and asked["minutes"] is None and "batch_size" not in asked["space"]
    assert Path(asked["output"]).parent == tmp_path
    assert dialog.table.rowCount() == 3
    assert [dialog.table.item(r, 1).text() for r in range(3)] == ["complete", "complete", "pruned"]
    assert dialog.table.item(1, 2).text() == "0.9000"
    assert list(dialog.best_line.getData()[1]) == [0.7, 0.9]
    dialog.promote_button.click()
    assert session.config.learning_rate == 3e-4 and session.config.strategy == "lora"
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=60_000)  # the thread has ended
    assert not dialog.stop_button.isEnabled()


def test_stop_ends_the_search_and_keeps_the_finished_trials(qtbot, tmp_path, monkeypatch):
    import time

    from tlstudio.core.studies import tuning
    from tlstudio.ui.session import Session
    from tlstudio.ui.tune_dialog import TuneDialog

    def endless_tune(config, *, sink, cancel, **_):
        params = {"learning_rate": 1e-4}
        sink.emit(TrialStarted(0, params, "t0"))
        sink.emit(TrialFinished(0, params, "complete", 0.8, 2.0, 0, 0.8))
        first = Trial(0, params, "complete", 0.8, 2.0)
        sink.emit(TrialStarted(1, params, "t1"))
        while not cancel.cancelled:  # trial 1 trains until Stop
            time.sleep(0.02)
        return TuneResult(
            "cancelled", Path(config.output), "macro_f1", True, [first], first, Path(config.output) / "best_run.json"
        )

    monkeypatch.setattr(tuning, "tune", endless_tune)
    session = Session(tmp_path)
    session.update_config(data=str(tmp_path / "reviews.csv"))
    dialog = TuneDialog(session)
    qtbot.addWidget(dialog)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=60_000)
    assert dialog.stop_button.isEnabled() and not dialog.start_button.isEnabled()
    assert dialog.table.item(1, 1).text() == "running"
    dialog.stop_button.click()
    qtbot.waitUntil(lambda: not dialog.controller.running, timeout=60_000)
    assert dialog.status.text().startswith("Stopped. Best: trial 0")
    assert dialog.promote_button.isEnabled() and dialog.start_button.isEnabled()
