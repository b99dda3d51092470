"""The path the README tells a new user to take, driven through the app's own widgets.

Open a file, map the columns, start training, see chart points arrive, stop,
resume and finish, open the confusion matrix, try a text, export, and load
the export with plain transformers in a process that never imports tlstudio.
It checks that events flow and Stop works, not how fast anything is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from helpers import write_sentiment_csv

LONG = 180_000  # ms: generous, for a loaded 2-core CI machine


def test_open_train_stop_resume_evaluate_try_export(qtbot, window, tiny_backbone, tmp_path, monkeypatch, dialogs):
    from tlstudio.core.training import callbacks

    data = write_sentiment_csv(tmp_path / "reviews.csv")
    controller = window.controller

    # Open the file; the columns are suggested and shown in the pickers.
    window.open_data(data)
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=LONG)
    page = window.data_page
    assert page.text_combo.currentText() == "text" and page.label_combo.currentText() == "label"
    assert window.session.config.text_column == "text" and window.session.config.label_column == "label"
    qtbot.waitUntil(lambda: page.problems.count() > 0, timeout=LONG)

    # Model page: a local backbone folder and small settings typed into the form.
    model = window.model_page
    window.show_page("model")
    model.local_radio.click()
    model.local_field.set_path(tiny_backbone, notify=True)
    assert window.session.config.backbone == str(tiny_backbone)
    for name, value in (("epochs", 6.0), ("batch_size", 16), ("logging_steps", 3), ("warmup_ratio", 0.0)):
        editor = model.form.editor(name)
        editor.setValue(value)
    model.form.editor("eval_strategy").setCurrentText("steps")  # three evaluations and checkpoints, not six
    model.form.editor("eval_steps").setValue(18)
    lr = model.form.editor("learning_rate")
    lr.selectAll()
    qtbot.keyClicks(lr, "0.003")
    config = window.session.config
    assert (config.epochs, config.batch_size, config.learning_rate, config.logging_steps) == (6.0, 16, 0.003, 3)

    # Start; slow each step a little so Stop lands mid-run however fast the machine is.
    original = callbacks.ProgressCallback.on_step_end

    def slow_step(self, args, state, control, **kwargs):
        time.sleep(0.05)
        return original(self, args, state, control, **kwargs)

    monkeypatch.setattr(callbacks.ProgressCallback, "on_step_end", slow_step)
    with qtbot.waitSignal(controller.step_logged, timeout=LONG):
        window.start_training()
    assert window.current_page() is window.train_page
    charts = window.train_page.charts
    qtbot.waitUntil(lambda: charts.loss.point_count("train") >= 1, timeout=LONG)
    assert not window.train_page.start_button.isEnabled() and window.train_page.stop_button.isEnabled()

    with qtbot.waitSignal(controller.run_finished, timeout=LONG) as stopped:
        window.train_page.stop_button.click()
    assert stopped.args[0].status == "cancelled" and 0 < stopped.args[0].step < 54
    qtbot.waitUntil(lambda: not controller.running, timeout=LONG)
    run_dir = window.session.project_dir / stopped.args[0].output_dir
    assert (run_dir / "checkpoints" / f"checkpoint-{stopped.args[0].step}").is_dir()
    assert window.train_page.resume_button.isEnabled()
    points_before = charts.loss.point_count("train")

    # Resume and finish at full speed; the curve continues from the checkpoint.
    monkeypatch.setattr(callbacks.ProgressCallback, "on_step_end", original)
    with qtbot.waitSignal(controller.run_finished, timeout=LONG) as finished:
        window.train_page.resume_button.click()
    assert finished.args[0].status == "completed", dialogs
    assert [title for title, _ in window.notifier.sent] == ["tlstudio: training stopped", "tlstudio: training finished"]
    assert charts.loss.point_count("train") > points_before and charts.loss.point_count("eval") == 3
    xs, _ = charts.loss.series_data("train")
    assert list(xs) == sorted(set(xs))  # no step drawn twice across stop and resume
    assert charts.metrics.point_count("accuracy") == 3

    # Evaluate: the confusion matrix, and the rows behind one of its cells.
    window.show_page("evaluate")
    view = window.evaluate_page.view
    qtbot.waitUntil(lambda: len(view.records) == 16, timeout=LONG)
    assert view.matrix.model.labels == ["negative", "positive"]
    assert sum(map(sum, view.matrix.model.matrix)) == 16
    view.matrix.choose("positive", "positive")
    correct = view.matrix.model.matrix[1][1]
    assert view.rows_model.rowCount() == correct > 0
    assert {r["label"] for r in view.rows_model.records} == {"positive"}

    # Any labelled file can be scored too, with its rows behind the matrix.
    new_file = write_sentiment_csv(tmp_path / "new.csv", rows=40, seed=3)
    window.evaluate_page.evaluate_file(str(new_file))
    qtbot.waitUntil(lambda: len(view.records) == 40, timeout=LONG)
    assert "new.csv" in window.evaluate_page.subtitle.text()

    # Try it: typing shows a prediction with one bar per class.
    window.show_page("try")
    trying = window.try_page.view
    qtbot.waitUntil(lambda: trying.predictor is not None, timeout=LONG)
    qtbot.keyClicks(trying.input, "great lovely excellent superb")
    qtbot.waitUntil(lambda: "confident" in trying.verdict.text() and "positive" in trying.verdict.text(), timeout=LONG)
    assert set(trying.bars.scores_shown()) == {"positive", "negative"}

    # A whole file predicted to CSV, in the background.
    trying.file.file_in.set_path(new_file, notify=True)
    qtbot.waitUntil(lambda: trying.file.column.currentText() == "text", timeout=LONG)
    assert trying.file.file_out.path == str(tmp_path / "new-predictions.csv")
    trying.file.predict_button.click()
    qtbot.waitUntil(lambda: "Wrote 40 predictions" in trying.file.file_result.text(), timeout=LONG)
    assert "prediction" in (tmp_path / "new-predictions.csv").read_text().splitlines()[0]

    # Export with the user's card, then load it where tlstudio was never imported.
    window.show_page("export")
    export = window.export_page
    export.parent_field.set_path(tmp_path / "exports", notify=True)
    export.name_edit.setText("review-model")
    export.fields["description"].setPlainText("Sorts reviews into positive and negative.")
    qtbot.waitUntil(lambda: export.plan is not None and export.plan.output.name == "review-model", timeout=LONG)
    assert "Sorts reviews" in export.card_preview.toPlainText()
    export.export_button.click()
    qtbot.waitUntil(lambda: export.exported is not None, timeout=LONG)
    target = tmp_path / "exports" / "review-model"
    assert "pipeline" in export.snippet.text.toPlainText() and str(target) in export.snippet.text.toPlainText()
    code = (
        "import sys, json\nfrom transformers import pipeline\n"
        "clf = pipeline('text-classification', model=sys.argv[1])\n"
        "labels = [o['label'] for o in clf(['great lovely excellent superb', 'awful terrible dreadful'])]\n"
        "assert 'tlstudio' not in sys.modules\nprint(json.dumps(labels))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["positive", "negative"]
    assert "Sorts reviews" in (target / "README.md").read_text()
    assert dialogs == []  # no error reached the user along the way


def test_a_second_file_labelled_saved_as_a_new_file_trained_exported_and_compared(
    qtbot, window, tiny_backbone, tmp_path, monkeypatch, dialogs
):
    """The README path goes on: open a file of another kind (topics, three classes, some rows unlabelled),
    label three rows with the keys, Save as a new file (the source's bytes unchanged), train on it, export it
    with a card, and compare the two runs."""
    import random

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    from helpers import make_sentence

    first = write_sentiment_csv(tmp_path / "reviews.csv", rows=60)
    rng = random.Random(5)
    topics = ["sport", "politics", "tech"]
    lines = ["text,topic"] + [
        f"{make_sentence(rng, 'positive')} {topics[i % 3]} news {i},{topics[i % 3] if i % 10 else ''}"
        for i in range(90)
    ]
    source = tmp_path / "topics.csv"
    source.write_bytes(("\n".join(lines) + "\n").encode())
    original = source.read_bytes()

    def train_current(name: str):
        window.show_page("model")
        model = window.model_page
        model.local_radio.click()
        model.local_field.set_path(tiny_backbone, notify=True)
        for field, value in (("epochs", 2.0), ("batch_size", 16), ("warmup_ratio", 0.0)):
            model.form.editor(field).setValue(value)
        window.train_page.name_edit.setText(name)
        with qtbot.waitSignal(window.controller.run_finished, timeout=LONG) as done:
            window.start_training()
        assert done.args[0].status == "completed", dialogs
        qtbot.waitUntil(lambda: not window.controller.running, timeout=LONG)
        return window.session.project_dir / name

    window.open_data(first)
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=LONG)
    first_run = train_current("reviews-run")

    window.open_data(source)
    qtbot.waitUntil(lambda: window.session.table is not None and window.session.table.path == source, timeout=LONG)
    assert window.session.config.label_column == "topic"
    window.show_page("label")
    page = window.label_page
    qtbot.waitUntil(lambda: page.model is not None and page.model.rowCount() == 90, timeout=LONG)
    page.show_filter("unlabelled")
    page.select_position(0)
    page.table_view.setFocus()
    for _ in range(3):
        qtbot.keyClick(page.table_view, Qt.Key_1)
    assert len(page.controller.edited.pending()) == 3
    saved = tmp_path / "topics-labelled.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    qtbot.mouseClick(page.save_as_button, Qt.LeftButton)
    assert source.read_bytes() == original  # Save as never touches the open file
    assert saved.is_file() and saved.read_text().count("\n") == 91

    window.open_data(saved)
    qtbot.waitUntil(lambda: window.session.table is not None and window.session.table.path == saved, timeout=LONG)
    second_run = train_current("topics-run")

    window.show_page("export")
    export = window.export_page
    export.parent_field.set_path(tmp_path / "exports", notify=True)
    export.name_edit.setText("topic-model")
    export.fields["description"].setPlainText("Sorts news posts into sport, politics and tech.")
    qtbot.waitUntil(lambda: export.plan is not None and export.plan.output.name == "topic-model", timeout=LONG)
    export.export_button.click()
    qtbot.waitUntil(lambda: export.exported is not None, timeout=LONG)
    assert "sport, politics and tech" in (tmp_path / "exports" / "topic-model" / "README.md").read_text()

    window.show_page("runs")
    runs = window.runs_page
    runs.refresh()
    qtbot.waitUntil(lambda: runs.model.rowCount() == 2, timeout=LONG)
    runs.select_run(first_run)
    runs._select(
        next(r for r in range(runs.proxy.rowCount()) if runs._summary_at(r).path == second_run.resolve()), clear=False
    )
    assert len(runs.selected()) == 2
    qtbot.mouseClick(runs.buttons["compare"], Qt.LeftButton)
    qtbot.waitUntil(
        lambda: (
            runs.compare_chart.has_series(f"{first_run.resolve()}:train")
            and runs.compare_chart.has_series(f"{second_run.resolve()}:train")
        ),
        timeout=LONG,
    )
    assert dialogs == []
