"""Defects a new user met in the first hour, driven through the real widgets: the task follows the data that is
opened (unless pinned), nothing of the previous file or run leaks into the next, the text being labelled can be
read, runs can be told apart, and every page's controls are reachable on a 1024x700 laptop screen."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollArea,
)

from helpers import cli_in_process, write_sentiment_csv, write_translation_csv

LONG = 180_000


def _open(qtbot, window, path):
    window.open_data(path)
    qtbot.waitUntil(
        lambda: window.session.table is not None and str(window.session.table.path) == str(path), timeout=LONG
    )


def _backbone_and_settings(window, backbone, **settings):
    """On the Model page: a local backbone folder, then the given settings typed into the form."""
    window.show_page("model")
    model = window.model_page
    model.local_radio.click()
    model.local_field.set_path(backbone, notify=True)
    for name, value in settings.items():
        model.form.editor(name).setValue(value)
    return model


def test_opening_a_file_suggests_its_task_unless_the_task_is_pinned(qtbot, window, tmp_path):
    pairs = write_translation_csv(tmp_path / "pairs.csv", rows=40)
    reviews = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)
    records = tmp_path / "pairs.json"
    records.write_text(
        json.dumps([{"source": f"the cat number {i} sleeps", "target": f"le chat numéro {i} dort"} for i in range(40)])
    )
    conll = tmp_path / "ner.conll"
    conll.write_text("".join("Alice B-PER\nvisits O\nParis B-LOC\n\n" for _ in range(20)))

    _open(qtbot, window, pairs)
    assert window.session.config.task == "translation"
    assert "Translation" in window.data_page.subtitle.text()  # says what it chose, and why
    _open(qtbot, window, reviews)  # after translation, a text,label file is classification again
    assert window.session.config.task == "text-classification"
    assert (window.session.config.text_column, window.session.config.label_column) == ("text", "label")
    _open(qtbot, window, conll)
    assert window.session.config.task == "token-classification"
    _open(qtbot, window, records)  # after entity tagging, a JSON array of source/target pairs
    assert window.session.config.task == "translation"
    assert (window.session.config.source_column, window.session.config.target_column) == ("source", "target")

    window.show_page("model")
    pin = window.model_page.pin_task
    qtbot.mouseClick(pin, Qt.LeftButton, pos=QPoint(8, pin.height() // 2))  # on its box
    assert pin.isChecked() and window.settings.get("model/pin_task", False, bool)
    _open(qtbot, window, reviews)
    assert window.session.config.task == "translation"  # pinned: the user's task stays


def test_runs_show_the_tasks_headline_strategy_and_a_warning_below_baseline(qtbot, window, tmp_path):
    from tlstudio.core.runs.listing import summarize_run

    project = window.session.project_dir
    project.mkdir(parents=True, exist_ok=True)
    tagger = project / "tweets-tagger-20261207-1530"
    tagger.mkdir()
    (tagger / "run.json").write_text(
        json.dumps({"status": "completed", "config": {"task": "token-classification"}, "strategy": {"name": "frozen"}})
    )
    (tagger / "metrics.json").write_text(
        json.dumps({"task": "token-classification", "accuracy": 0.11, "f1": 0.005, "precision": 0.01, "recall": 0.004})
    )
    reviews = project / "drug-reviews-20261207-1545"
    reviews.mkdir()
    (reviews / "run.json").write_text(json.dumps({"status": "completed", "config": {"task": "text-classification"}}))
    (reviews / "metrics.json").write_text(
        json.dumps(
            {
                "task": "text-classification",
                "accuracy": 0.576,
                "macro_f1": 0.4,
                "majority_accuracy": 0.644,
                "majority_macro_f1": 0.26,
            }
        )
    )
    summary = summarize_run(tagger)
    assert (summary.score_key, summary.score_title, summary.score, summary.strategy) == (
        "f1",
        "entity F1",
        0.005,
        "frozen",
    )
    assert summarize_run(reviews).warning and "0.644" in summarize_run(reviews).warning

    window.resize(1280, 800)
    window.show_page("runs")
    page = window.runs_page
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=LONG)
    headers = [page.model.headerData(c, Qt.Horizontal) for c in range(page.model.columnCount())]
    by_name = {page.model.record(r)["name"]: page.model.record(r) for r in range(page.model.rowCount())}
    assert by_name[tagger.name]["score_name"] == "entity F1" and by_name[tagger.name]["strategy"] == "frozen"
    assert by_name[reviews.name]["score_name__warning"] and not by_name[tagger.name]["score_name__warning"]
    name_column = headers.index("run")
    # The run name is readable: its column is not squeezed, and a tooltip holds the whole name.
    assert page.table.columnWidth(name_column) >= page.table.fontMetrics().horizontalAdvance(tagger.name) * 0.8
    index = page.model.index(0, name_column)
    assert page.model.data(index, Qt.ToolTipRole) == page.model.record(0)["name"]


def test_the_label_page_shows_the_whole_text_and_keys_and_counts_stay_right_after_a_save(qtbot, window, tmp_path):
    long_text = "This review goes on and on " * 30
    path = tmp_path / "reviews.csv"
    rows = ["id,source,stars,text,label"] + [
        f'{i},web,{i % 5},"{long_text}{i}",{"good" if i % 3 else "bad"}' for i in range(30)
    ]
    path.write_text("\n".join(rows) + "\n")
    _open(qtbot, window, path)
    window.show_page("label")
    page = window.label_page
    qtbot.waitUntil(lambda: page.model is not None and page.model.rowCount() == 30, timeout=LONG)
    window.resize(1280, 800)
    from tlstudio.ui.labelling.label_model import TEXT

    def text_has_the_room():
        others = [
            page.table_view.columnWidth(c)
            for c in range(page.model.columnCount())
            if c != TEXT and not page.table_view.isColumnHidden(c)
        ]
        return page.table_view.columnWidth(TEXT) > max(others)

    qtbot.waitUntil(text_has_the_room, timeout=5_000)
    page.select_position(4)
    qtbot.waitUntil(lambda: "Row 5" in page.detail.heading.text(), timeout=5_000)
    shown = page.detail.body.toPlainText()
    assert long_text.strip() in shown and ("1 bad" in shown or "1 good" in shown)

    before = dict(page._class_counts())
    page.table_view.setFocus()
    qtbot.keyClick(page.table_view, Qt.Key_1)  # row 5 gets the first class
    first = page.classes[0]
    assert page.save()
    written = sum(1 for line in path.read_text().splitlines()[1:] if line.endswith("," + first))
    qtbot.waitUntil(lambda: page._class_counts().get(first) == written, timeout=5_000)
    assert sum(page._class_counts().values()) == sum(before.values())


def _reachable(window, widget) -> bool:
    """The widget lies inside the window, or inside a scroll area it can be scrolled to (vertically)."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    rect = widget.rect()
    top_left = widget.mapTo(window, rect.topLeft())
    if isinstance(parent, QScrollArea):
        area = parent.viewport()
        left = widget.mapTo(area, rect.topLeft()).x()  # scrolling sideways to find a control does not count
        return left >= 0 and left + min(rect.width(), 40) <= area.width()
    return (
        top_left.x() >= 0
        and top_left.y() >= 0
        and top_left.x() + min(rect.width(), 40) <= window.width()
        and top_left.y() + min(rect.height(), 16) <= window.height()
    )


def test_every_page_fits_a_1024x700_screen(qtbot, window, tmp_path):
    _open(qtbot, window, write_sentiment_csv(tmp_path / "reviews.csv", rows=40))
    window.resize(1024, 700)
    for page in window.pages:
        window.show_page(page.key)
        qtbot.waitUntil(page.isVisible, timeout=5_000)
        QApplication.processEvents()  # the page's layout, for the size it is shown at
        controls = [
            w
            for kind in (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit)
            for w in page.findChildren(kind)
            if w.isVisibleTo(page) and w.isVisible()
        ]
        lost = [w.accessibleName() or w.objectName() or type(w).__name__ for w in controls if not _reachable(window, w)]
        assert not lost, f"{page.key}: {lost}"
        # Help text that wraps is shown whole, not cut mid-line by a squeezed layout.
        cut = [
            label.text()[:40]
            for label in page.findChildren(QLabel)
            if label.isVisible()
            and label.wordWrap()
            and label.text()
            and label.heightForWidth(label.width()) > label.height() + 2
        ]
        assert not cut, f"{page.key}: {cut}"


def test_nothing_of_the_previous_file_or_run_leaks_into_the_next(qtbot, window, tmp_path, trained_run):
    import shutil

    reviews = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)
    debates = tmp_path / "debates.csv"
    debates.write_text(
        "speech,stance\n"
        + "".join(f"motion {i} is argued at length by the speaker,{'pro' if i % 2 else 'con'}\n" for i in range(40))
    )
    other_run = tmp_path / "other-run"
    shutil.copytree(trained_run, other_run)

    # File A, with a run trained on its labels: the Label page offers that run's model to suggest labels.
    _open(qtbot, window, reviews)
    window.session.open_run(trained_run)
    window.show_page("label")
    assist = window.label_page.assist
    qtbot.waitUntil(lambda: assist.model_dir == str(trained_run.resolve()), timeout=LONG)
    # A failure banner on the Train page, and a card described on the Export page, for A's run.
    window.train_page.show_notice("<b>The run failed.</b>", "error")
    window.show_page("export")
    description = window.export_page.fields["description"]
    description.setFocus()
    qtbot.keyClicks(description, "Sentiment of hotel reviews")

    # File B, with other labels: none of that applies to it.
    _open(qtbot, window, debates)
    assert window.session.config.label_column == "stance"
    assert not window.train_page.notice.isVisible() and window.train_page.summary.text() == "No run yet."
    window.show_page("label")
    assert assist.model_dir is None and "other labels" in assist.model_label.text()
    assert not assist.suggest_button.isEnabled()
    counts = window.label_page._class_counts()
    assert counts == {"pro": 20, "con": 20}
    # Another run opened: its card starts from its own words, not the last model's.
    window.session.open_run(other_run)
    assert description.toPlainText() == ""


def test_the_model_page_and_train_dry_run_show_the_same_plan(qtbot, window, tmp_path, tiny_backbone, capsys):
    """One decision in the core: the strategy, longest batch, memory and disk the Model page shows are what
    `tlstudio train --dry-run` prints for the same settings."""
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=60)
    _open(qtbot, window, data)
    model = _backbone_and_settings(window, tiny_backbone, batch_size=8)
    qtbot.waitUntil(lambda: window.session.token_lengths is not None, timeout=LONG)
    qtbot.waitUntil(
        lambda: model.plan is not None and model.plan.estimate is not None and model.plan.sequence_length < 128,
        timeout=LONG,
    )
    shown = model.plan.to_dict()
    assert "RAM at the peak" in model.memory_label.text() and "Disk: about" in model.memory_label.text()

    code = cli_in_process(["train", data, "--backbone", tiny_backbone, "--batch-size", "8", "--dry-run", "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    for key in (
        "strategy",
        "sequence_length",
        "device",
        "precision",
        "memory",
        "disk_during_bytes",
        "disk_after_bytes",
    ):
        assert printed[key] == shown[key], key
    assert not (tmp_path / "runs").exists() and not list(tmp_path.glob("*/run.json"))  # nothing was trained


def test_help_copy_diagnostics_puts_versions_log_and_the_open_run_on_the_clipboard(qtbot, window, trained_run):
    from PySide6.QtWidgets import QApplication

    window.session.open_run(trained_run)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help")
    action = next(a for a in help_menu.actions() if a.text().replace("&", "") == "Copy diagnostics")
    action.trigger()
    text = QApplication.clipboard().text()
    assert "tlstudio diagnostics" in text and "transformers " in text and "log lines" in text
    assert f"run {trained_run.name}:" in text and '"status": "completed"' in text
    assert str(trained_run.parent) not in text  # the user's folders are reduced to their names


def test_a_file_of_another_task_after_a_run_shows_only_its_own_state(qtbot, window, tmp_path, tiny_backbone):
    """File A trained in the app, then file B of another task: every page shows B's state, none of A's run."""
    reviews = write_sentiment_csv(tmp_path / "reviews.csv", rows=60)
    pairs = write_translation_csv(tmp_path / "pairs.csv", rows=40)
    _open(qtbot, window, reviews)
    _backbone_and_settings(window, tiny_backbone, epochs=1.0)
    with qtbot.waitSignal(window.controller.run_finished, timeout=LONG) as done:
        window.start_training()
    assert done.args[0].status == "completed"
    qtbot.waitUntil(lambda: not window.controller.running, timeout=LONG)
    train = window.train_page
    assert train.charts.metrics.legend_names()  # A's accuracy, F1... are drawn
    window.train_page.show_notice("A warning about run A")

    _open(qtbot, window, pairs)
    config = window.session.config
    assert (config.task, config.source_column, config.target_column) == ("translation", "en", "fr")
    assert config.text_column is None and config.label_column is None
    assert not train.notice.isVisible() and train.summary.text() == "No run yet." and train.rate.text() == ""
    assert train.charts.metrics.legend_names() == [] and train.charts.loss.point_count("train") == 0
    assert window.model_page.task_combo.currentData()[0] == "translation"
    assert window.data_page.roles.combos["source_column"].currentText() == "en"
    window.show_page("label")
    assert window.label_page.assist.model_dir is None  # A's classifier knows nothing of B
