"""The Label page: keyboard labelling, undo/redo, save that touches only edited rows, crash recovery."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tlstudio.core.labelling.journal import journal_path, read_journal

ROWS = 60


def _unlabelled_csv(path: Path, rows: int = ROWS) -> bytes:
    lines = ["id;review;label"] + [
        f'{i};"review {i}; with a ""quote""";' if i % 7 else f"{i};review {i};seen" for i in range(rows)
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    path.write_bytes(data)
    return data


def _open(qtbot, window, path: Path):
    window.open_data(path)
    qtbot.waitUntil(
        lambda: window.session.table is not None and window.session.table.path == Path(path), timeout=60_000
    )
    window.session.update_config(text_column="review", label_column="label")
    window.show_page("label")
    page = window.label_page
    qtbot.waitUntil(lambda: page.model is not None and page.model.rowCount() == ROWS, timeout=10_000)
    return page


def _press(qtbot, page, key) -> None:
    page.table_view.setFocus()
    qtbot.keyClick(page.table_view, key)


def test_number_keys_label_rows_and_jump_to_the_next_unlabelled_one(qtbot, window, tmp_path):
    path = tmp_path / "reviews.csv"
    original = _unlabelled_csv(path)
    page = _open(qtbot, window, path)
    page.add_class("good")
    page.add_class("bad")
    assert page.classes == ["seen", "good", "bad"]
    page.show_filter("unlabelled")
    page.select_position(1)
    _press(qtbot, page, Qt.Key_2)  # row 1 -> good, then row 2
    _press(qtbot, page, Qt.Key_3)  # row 2 -> bad, then row 3
    assert page.current_position() == 3
    assert [page.controller.label(i) for i in (1, 2, 3)] == ["good", "bad", None]
    _press(qtbot, page, Qt.Key_9)  # no ninth class: nothing happens
    assert page.controller.label(3) is None

    page.undo()
    assert page.controller.label(2) is None
    page.redo()
    assert page.controller.label(2) == "bad"
    page.set_label(1, None)  # clear, then undo the clear
    page.undo()
    assert page.controller.label(1) == "good"

    assert page.save()
    after = path.read_bytes()
    changed = [(a, b) for a, b in zip(original.split(b"\r\n"), after.split(b"\r\n")) if a != b]
    assert changed == [
        (b'1;"review 1; with a ""quote""";', b'1;"review 1; with a ""quote""";good'),
        (b'2;"review 2; with a ""quote""";', b'2;"review 2; with a ""quote""";bad'),
    ]
    assert not page.controller.dirty and not journal_path(path, page.journal_dir()).exists()


def test_typing_into_one_cell_is_one_undo_step_and_new_names_become_classes(qtbot, window, tmp_path):
    path = tmp_path / "reviews.csv"
    _unlabelled_csv(path)
    page = _open(qtbot, window, path)
    index = page.model.index(page.model.view_row(4), 0)
    for text in ("n", "ne", "neutral"):
        page.model.setData(index, text)
    assert page.controller.label(4) == "neutral" and "neutral" in page.classes
    assert page.controller.undo_stack.count() == 1
    page.undo()
    assert page.controller.label(4) is None


def test_fifty_keyboard_labels_survive_a_crash_and_discard_throws_them_away(
    qtbot, window, app_settings, tmp_path, dialogs
):
    from tlstudio.ui.main_window import MainWindow

    path = tmp_path / "reviews.csv"
    original = _unlabelled_csv(path)
    page = _open(qtbot, window, path)
    page.add_class("good")
    page.show_filter("unlabelled")
    page.select_position(1)
    for _ in range(50):
        _press(qtbot, page, Qt.Key_2)
    labelled = [i for i in range(ROWS) if page.controller.label(i) == "good"]
    assert len(labelled) == 50
    # Every edit is on disk already; the "crash": the window goes without saving (the journal stays).
    assert read_journal(journal_path(path, page.journal_dir())).edit_count == 50
    page.controller.close()
    page.controller = None
    window.close()

    second = MainWindow(app_settings, notifications=False)  # the next start: recovery is offered (and accepted)
    qtbot.addWidget(second)
    qtbot.waitUntil(
        lambda: (
            second.session.table is not None
            and second.label_page.controller is not None
            and second.label_page.controller.dirty
        ),
        timeout=60_000,
    )
    recovered = second.label_page
    assert [i for i in range(ROWS) if recovered.controller.label(i) == "good"] == labelled
    assert "good" in recovered.classes
    assert path.read_bytes() == original  # nothing written to the file yet

    recovered.discard()  # the dialogs fixture answers yes
    assert not recovered.controller.dirty
    assert all(recovered.controller.label(i) != "good" for i in range(ROWS))
    assert path.read_bytes() == original
    assert not journal_path(path, recovered.journal_dir()).exists()
    second.close()


# The app itself, in its own process, labelling by keyboard until it is killed (SIGKILL: no Qt or Python
# clean-up runs, as in a crash or power cut); the only thing that may survive is what reached the disk.
_KILLED_APP = """
import os, signal, sys
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from tlstudio.ui.main_window import MainWindow
from tlstudio.ui.settings import Settings

data, journals, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = QApplication([])
settings = Settings(QSettings(os.path.join(os.path.dirname(data), "killed.ini"), QSettings.IniFormat))
settings.set("files/journal_dir", journals)
window = MainWindow(settings, notifications=False)
window.show()
window.open_data(data)


def label_then_die():
    page = window.label_page
    if window.session.table is None:
        return QTimer.singleShot(50, label_then_die)
    if (window.session.config.text_column, window.session.config.label_column) != ("review", "label"):
        window.session.update_config(text_column="review", label_column="label")
        window.show_page("label")
    controller = page.controller
    if page.model is None or page.model.rowCount() != rows or controller is None or controller.label_column != "label":
        return QTimer.singleShot(50, label_then_die)
    page.add_class("good")
    page.show_filter("unlabelled")
    page.select_position(1)
    page.table_view.setFocus()
    for _ in range(30):
        QTest.keyClick(page.table_view, Qt.Key_2)
    print("LABELLED", [i for i in range(rows) if page.controller.label(i) == "good"], flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


QTimer.singleShot(0, label_then_die)
app.exec()
"""


def test_labels_typed_into_the_app_survive_it_being_killed(qtbot, app_settings, tmp_path, dialogs):
    import ast
    import os
    import subprocess
    import sys

    from tlstudio.ui.main_window import MainWindow

    path = tmp_path / "reviews.csv"
    original = _unlabelled_csv(path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_APP, str(path), str(tmp_path / "journals"), str(ROWS)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    labelled = ast.literal_eval(killed.stdout.split("LABELLED", 1)[1].strip())
    assert len(labelled) == 30
    assert path.read_bytes() == original

    again = MainWindow(app_settings, notifications=False)  # the next start offers recovery; dialogs says yes
    qtbot.addWidget(again)
    qtbot.waitUntil(
        lambda: (
            again.session.table is not None
            and again.label_page.controller is not None
            and again.label_page.controller.dirty
        ),
        timeout=60_000,
    )
    controller = again.label_page.controller
    assert [i for i in range(ROWS) if controller.label(i) == "good"] == labelled
    assert again.label_page.save()
    saved = path.read_bytes()
    assert saved != original and saved.count(b"\r\n") == original.count(b"\r\n")  # same rows, same endings
    assert not journal_path(path, again.label_page.journal_dir()).exists()
    again.close()


def test_a_failed_save_leaves_the_file_intact_and_the_edits_unsaved(qtbot, window, tmp_path, dialogs, monkeypatch):
    import os

    path = tmp_path / "reviews.csv"
    original = _unlabelled_csv(path)
    page = _open(qtbot, window, path)
    page.set_label(3, "seen")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    assert not page.save()
    assert dialogs and "No space left" in dialogs[-1].message
    assert path.read_bytes() == original
    assert page.controller.dirty and journal_path(path, page.journal_dir()).exists()


def test_model_suggestions_fill_the_queue_and_a_accepts(qtbot, window, tmp_path, trained_run):
    import csv

    path = tmp_path / "mixed.csv"
    texts = ["great great great", "awful awful awful", "lovely superb the", "terrible poor the"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows([[t, ""] for t in texts])
    window.open_data(path)
    qtbot.waitUntil(lambda: window.label_page.model is not None and window.session.table.path == path, timeout=60_000)
    window.session.update_config(text_column="text", label_column="label")
    page = window.label_page
    page.assist.set_model(str(trained_run))
    page.assist.suggest()
    qtbot.waitUntil(lambda: len(page.model.suggestions) == 4, timeout=120_000)
    assert page.model.suggestions[0].label == "positive" and page.model.suggestions[1].label == "negative"
    page.show_filter("queue")
    first = page.current_position()
    _press(qtbot, page, Qt.Key_A)
    assert page.controller.label(first) == page.model.suggestions[first].label


def test_entities_are_tagged_by_selecting_words_and_saved_into_jsonl(qtbot, window, tmp_path):
    import json

    from tlstudio.ui.labelling.entity_panel import tag_span

    assert tag_span(["B-x", "I-x", "I-x", "O"], 0, 0, "y") == ["B-y", "B-x", "I-x", "O"]
    path = tmp_path / "ner.jsonl"
    lines = [
        '{"tokens": ["Anna", "flew", "to", "New", "York"], "tags": ["B-person", "O", "O", "O", "O"]}',
        '{"tokens": ["Hi"], "tags": ["O"]}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    window.open_data(path)
    qtbot.waitUntil(lambda: window.label_page.model is not None and window.session.table.path == path, timeout=60_000)
    page = window.label_page
    panel = page.entities
    assert panel.columns() == ("tokens", "tags") and panel.kind.findText("person") >= 0
    page.select_position(0)
    assert panel.words.count() == 5 and panel.words.item(0).toolTip() == "B-person"
    panel.words.clearSelection()
    for index in (3, 4):
        panel.words.item(index).setSelected(True)
    panel.tag_selection("place")
    assert page.controller.edited.value(0, "tags") == ["B-person", "O", "O", "B-place", "I-place"]
    page.undo()
    assert page.controller.edited.value(0, "tags") == ["B-person", "O", "O", "O", "O"]
    page.redo()
    assert page.save()
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["tags"] == ["B-person", "O", "O", "B-place", "I-place"]
    assert path.read_text(encoding="utf-8").splitlines()[1] == lines[1]


def test_edit_menu_undo_and_redo_follow_the_label_page(qtbot, window, tmp_path):
    from PySide6.QtGui import QKeySequence

    path = tmp_path / "reviews.csv"
    _unlabelled_csv(path)
    page = _open(qtbot, window, path)
    undo, redo = window.actions.undo, window.actions.redo
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert menu.actions() == [undo, redo]
    assert undo.shortcut() == QKeySequence(QKeySequence.Undo) and redo.shortcut() == QKeySequence(QKeySequence.Redo)
    assert not undo.isEnabled() and not redo.isEnabled()
    page.add_class("good")
    page.set_label(1, "good")
    assert undo.isEnabled() and undo.text() == "Undo Label row 2 'good'"
    undo.trigger()
    assert page.controller.label(1) is None
    assert redo.isEnabled() and redo.text() == "Redo Label row 2 'good'" and not undo.isEnabled()
    redo.trigger()
    assert page.controller.label(1) == "good"
    # The keys reach the same actions: Ctrl+Z on the label table undoes, nothing else claims it.
    page.table_view.setFocus()
    qtbot.keySequence(page.table_view, QKeySequence(QKeySequence.Undo))
    assert page.controller.label(1) is None
    qtbot.keySequence(page.table_view, QKeySequence(QKeySequence.Redo))
    assert page.controller.label(1) == "good"
    # On another page the label edits cannot be undone unseen.
    window.show_page("data")
    assert not undo.isEnabled() and undo.text() == "Undo"
    window.show_page("label")
    assert undo.isEnabled()
    # Another file: its own, empty history.
    other = tmp_path / "other.csv"
    _unlabelled_csv(other)
    page = _open(qtbot, window, other)
    assert not undo.isEnabled() and not redo.isEnabled()


def test_clicking_save_as_asks_where_and_never_rewrites_the_open_file(qtbot, window, tmp_path, monkeypatch):
    """The real button, clicked with the mouse: its clicked(bool) once reached save_as(path=False) and the open
    file was rewritten with no dialog. Cancelling the dialog writes nothing; choosing a path writes only there."""
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "reviews.csv"
    original = _unlabelled_csv(path)
    page = _open(qtbot, window, path)
    page.select_position(1)
    _press(qtbot, page, Qt.Key_1)
    assert page.controller.dirty
    asked = []
    answers = iter([("", ""), (str(tmp_path / "labelled.csv"), "")])

    def fake_dialog(*args, **kwargs):
        asked.append(args)
        return next(answers)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    qtbot.mouseClick(page.save_as_button, Qt.LeftButton)  # cancelled
    assert len(asked) == 1 and path.read_bytes() == original and not (tmp_path / "labelled.csv").exists()
    qtbot.mouseClick(page.save_as_button, Qt.LeftButton)  # a new file
    assert len(asked) == 2
    assert path.read_bytes() == original
    assert b"seen" in (tmp_path / "labelled.csv").read_bytes()


def test_no_button_or_action_feeds_its_checked_flag_into_an_optional_argument():
    """clicked/triggered/toggled pass a bool: wired straight to a method with parameters, that bool lands in
    the first one (how Save as once took False for a path). Every such connection in the app is checked."""
    import ast

    import tlstudio.ui

    offenders = []
    root = Path(tlstudio.ui.__file__).parent
    for source in sorted(root.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            methods = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
            for node in ast.walk(cls):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "connect"
                    and node.args
                ):
                    continue
                signal = node.func.value
                target = node.args[0]
                if not (isinstance(signal, ast.Attribute) and signal.attr in {"clicked", "triggered", "toggled"}):
                    continue
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                    and target.attr in methods
                ):
                    method = methods[target.attr]
                    params = [a.arg for a in method.args.args[1:]]
                    # A toggled handler's one parameter is the flag it wants; a clicked(QModelIndex) is an index.
                    if (
                        params
                        and not (signal.attr == "toggled" and len(params) == 1)
                        and params[0] not in {"index", "checked"}
                    ):
                        offenders.append(
                            f"{source.relative_to(root)}:{node.lineno} {signal.attr} -> "
                            f"{target.attr}({', '.join(params)})"
                        )
    assert offenders == []
