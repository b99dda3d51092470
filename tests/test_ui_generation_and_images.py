"""Text generation and images in the app: the task picker offers both, a generation run's sample texts appear
beside the Train page's charts, and an image column gets thumbnails in the Data page's table."""

from __future__ import annotations

from pathlib import Path

from image_fixtures import write_image_csv, write_image_folder
from lm_fixtures import make_tiny_gpt2, write_stories_csv

LONG = 120_000


def _load(qtbot, window, path):
    window.open_data(path)
    qtbot.waitUntil(lambda: window.session.table is not None and window.session.table.path == Path(path), timeout=LONG)


def test_a_text_generation_run_shows_its_sample_texts_beside_the_charts(qtbot, window, tmp_path):
    model = window.model_page
    model.select_task("text-generation")
    assert window.session.config.task == "text-generation"
    data = write_stories_csv(tmp_path / "stories.csv", rows=60)
    _load(qtbot, window, data)
    roles = window.data_page.roles
    assert window.session.config.text_column == "story"
    assert roles.form.isRowVisible(roles.combos["prompt_column"]) and not roles.form.isRowVisible(
        roles.combos["label_column"]
    )
    backbone = make_tiny_gpt2(tmp_path / "gpt2")
    window.session.update_config(
        backbone=str(backbone),
        max_steps=4,
        eval_strategy="steps",
        eval_steps=2,
        batch_size=8,
        max_length=32,
        max_new_tokens=8,
        logging_steps=1,
        sample_prompts="Once upon a time|The cat",
    )
    train = window.train_page
    assert not train.samples.isVisible()
    window.start_training()
    qtbot.waitUntil(lambda: window.controller.running, timeout=LONG)
    assert train.samples.isVisible()  # a generation run: the panel is there from the start
    qtbot.waitUntil(lambda: not window.controller.running, timeout=LONG)
    assert "finished" in train.summary.text()
    events = train.samples.events
    assert (
        events and events[0].step == 4 and [s["prompt"] for s in events[0].samples] == ["Once upon a time", "The cat"]
    )
    text = train.samples.browser.toPlainText()
    assert text.index("step 4") < text.index("step 2") and "Once upon a time" in text
    assert any("sample generations at step 4" in line for line in train.log.lines())


def test_an_image_column_shows_thumbnails_in_the_data_table(qtbot, window, tmp_path):
    window.model_page.select_task("image-classification")
    data = write_image_csv(tmp_path, per_class=8)
    _load(qtbot, window, data)
    config = window.session.config
    assert (config.task, config.image_column, config.label_column) == ("image-classification", "file", "kind")
    page = window.data_page
    assert page.roles.form.isRowVisible(page.roles.combos["image_column"])
    assert "Suggested" in page.roles.reasons["image_column"].text()
    model = page.table_model
    assert page.table_view.verticalHeader().defaultSectionSize() >= 40  # rows tall enough for a thumbnail
    window.show_page("data")
    page.stack.setCurrentIndex(1)
    qtbot.waitUntil(
        lambda: model.thumbnails_pending == 0 and model.data(model.index(0, 0), 1) is not None, timeout=LONG
    )  # 1 = Qt.DecorationRole, asked by the view itself
    thumbnail = model.data(model.index(0, 0), 1)
    assert max(thumbnail.width(), thumbnail.height()) == 40
    # Another task: no thumbnails, plain rows.
    window.model_page.select_task("text-classification")
    qtbot.waitUntil(lambda: model.data(model.index(0, 0), 1) is None, timeout=LONG)


def test_a_folder_of_class_sub_folders_opens_as_image_data(qtbot, window, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    folder = write_image_folder(tmp_path / "colours", per_class=4)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)  # dropped on the window, as a user would
    qtbot.waitUntil(lambda: window.session.table is not None and window.session.table.path == folder, timeout=LONG)
    config = window.session.config
    assert (config.task, config.image_column, config.label_column) == ("image-classification", "image", "label")
    assert config.data == str(folder) and len(window.session.table) == 12
    model = window.data_page.table_model
    qtbot.waitUntil(
        lambda: model.thumbnails_pending == 0 and model.data(model.index(0, 0), Qt.DecorationRole) is not None,
        timeout=LONG,
    )  # paths relative to the folder itself
    chart = window.data_page.label_chart
    qtbot.waitUntil(lambda: chart._counts == {"blue": 4, "green": 4, "red": 4}, timeout=LONG)


def test_the_window_fits_a_laptop_screen_with_every_task_offered(window):
    # Ten column pickers (image, prompt, response...) once made the Data page taller than a 768-pixel screen.
    assert window.minimumSizeHint().height() <= 720
    tasks = {window.model_page.task_combo.itemData(i)[0] for i in range(window.model_page.task_combo.count())}
    assert {"image-classification", "text-generation"} <= tasks
