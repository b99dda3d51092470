"""Setting up, training and reading a multi-task run in the app."""

from __future__ import annotations

from pathlib import Path

from helpers import write_two_label_csv


def test_the_app_sets_up_a_two_task_run_charts_each_sub_task_and_shows_their_results(
    qtbot, window, tmp_path, tiny_backbone
):
    data = write_two_label_csv(tmp_path / "reviews.csv", rows=64)
    window.open_data(str(data))
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=60_000)
    page = window.model_page
    page.select_task("multi-task")
    editor = page.subtasks
    assert editor.isVisibleTo(page) and editor.table.rowCount() == 2
    for row, (name, label) in enumerate((("sentiment", "sentiment"), ("topic", "topic"))):
        editor.table.item(row, 0).setText(name)
        editor.table.item(row, 4).setText(label)
    editor.table.item(1, 5).setText("0.5")
    assert not editor.problem.isVisibleTo(editor)
    subtasks = window.session.config.subtasks
    assert [(s["name"], s["label_column"], s["weight"]) for s in subtasks] == [
        ("sentiment", "sentiment", 1.0),
        ("topic", "topic", 0.5),
    ]
    editor.table.item(1, 0).setText("sentiment")  # a mistake is shown where it is made, naming the field
    assert "two sub-tasks are named 'sentiment'" in editor.problem.text()
    editor.table.item(1, 0).setText("topic")

    window.session.update_config(backbone=str(tiny_backbone), max_steps=4, batch_size=16, device="cpu")
    train = window.train_page
    train.name_edit.setText("multi")
    with qtbot.waitSignal(window.controller.run_finished, timeout=240_000) as finished:
        train.start()
    assert finished.args[0].status == "completed"
    keys = set(train.charts._metric_keys)
    assert {"sentiment/macro_f1", "topic/macro_f1", "mean_task_score"} <= keys

    evaluate = window.evaluate_page
    run = Path(window.session.project_dir) / "multi"
    qtbot.waitUntil(lambda: evaluate.kind == "multi-task" and evaluate.view.table.rowCount() == 2, timeout=30_000)
    assert not evaluate.on_file.isEnabled()
    evaluate.view.picker.setCurrentText("topic")
    evaluate.view.open_button.click()
    qtbot.waitUntil(lambda: evaluate.model_dir == run / "tasks" / "topic", timeout=30_000)
    assert evaluate.kind == "single-label"
    qtbot.waitUntil(lambda: window.try_page.model_dir == run / "tasks" / "sentiment", timeout=30_000)
    assert window.export_page.run_dir == run / "tasks" / "sentiment"
