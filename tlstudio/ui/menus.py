"""The main window's menus and shortcuts (standard keys where the platform has them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QKeySequence
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMenu

from ..api import available_samples
from .help import GuideDialog, show_about
from .theme import THEMES, theme


@dataclass
class WindowActions:
    window: object
    start: QAction
    stop: QAction
    recent: QMenu
    undo: QAction
    redo: QAction

    def sync(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.stop.setEnabled(running)

    def refresh_recent(self) -> None:
        self.recent.clear()
        files = self.window.settings.recent_files()
        for path in files:
            action = self.recent.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.window.open_data(p))
        if files:
            self.recent.addSeparator()
            clear = self.recent.addAction("Clear the list")
            clear.triggered.connect(lambda: (self.window.settings.clear_recent_files(), self.refresh_recent()))
        self.recent.setEnabled(bool(files))


def _action(window, menu: QMenu, text: str, slot, shortcut=None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    return action


def build_menus(window) -> WindowActions:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    _action(window, file_menu, "&Open data…", window.data_page.choose_file, QKeySequence.Open)
    _action(window, file_menu, "Open an &image folder…", window.data_page.choose_image_folder)
    samples = file_menu.addMenu("Open &sample")
    from ..api import task_names

    for sample in available_samples():
        action = _action(
            window, samples, f"{sample.title} ({sample.task})", lambda name=sample.name: window.open_sample(name)
        )
        action.setEnabled(sample.task in task_names())
    recent = file_menu.addMenu("Open &recent")
    file_menu.addSeparator()
    _action(
        window,
        file_menu,
        "&Project folder…",
        lambda: (window.show_page("runs"), window.runs_page.project_field.browse()),
    )
    file_menu.addSeparator()
    _action(window, file_menu, "&Quit", window.close, QKeySequence.Quit)

    edit_menu = bar.addMenu("&Edit")
    undo_group = window.label_page.undo_group  # label edits: the only undoable document the app has
    for action, keys in (
        (undo_group.createUndoAction(window, "Undo"), QKeySequence.Undo),
        (undo_group.createRedoAction(window, "Redo"), QKeySequence.Redo),
    ):
        action.setShortcut(keys)
        edit_menu.addAction(action)
    undo, redo = edit_menu.actions()

    run_menu = bar.addMenu("&Run")
    start = _action(window, run_menu, "&Start training", window.start_training, "F5")
    stop = _action(window, run_menu, "S&top training", window.stop_training, "Shift+F5")
    stop.setEnabled(False)
    run_menu.addSeparator()
    _action(window, run_menu, "Search &hyperparameters…", lambda: _open_tune_dialog(window))
    _action(window, run_menu, "How many &labels are needed?…", lambda: _open_labels_needed_dialog(window))

    view_menu = bar.addMenu("&View")
    for number, page in enumerate(window.pages, start=1):
        _action(window, view_menu, page.title, lambda key=page.key: window.show_page(key), f"Ctrl+{number}")
    view_menu.addSeparator()
    theme_menu = view_menu.addMenu("&Theme")
    group = QActionGroup(window)
    current = window.settings.get("view/theme", "system")
    for choice in THEMES:
        action = QAction(choice.title(), window, checkable=True)
        action.setChecked(choice == current)
        action.triggered.connect(lambda _=False, c=choice: _choose_theme(window, c))
        group.addAction(action)
        theme_menu.addAction(action)

    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "User &guide", lambda: GuideDialog(window).exec(), QKeySequence.HelpContents)
    _action(window, help_menu, "Open the &log folder", _open_log_folder)
    _action(window, help_menu, "&Copy diagnostics", lambda: copy_diagnostics(window))
    _action(window, help_menu, "&About tlstudio", lambda: show_about(window))

    actions = WindowActions(window, start, stop, recent, undo, redo)
    actions.refresh_recent()
    return actions


def _open_tune_dialog(window) -> None:
    from .tune_dialog import TuneDialog

    if window.controller.running:
        window.statusBar().showMessage("A run is training; start the search when it ends.", 8000)
        return
    dialog = TuneDialog(window.session, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)  # a search still stopping keeps its thread until it ends
    dialog.exec()


def _open_labels_needed_dialog(window) -> None:
    from .labels_needed_dialog import LabelsNeededDialog

    if window.controller.running:
        window.statusBar().showMessage("A run is training; start the study when it ends.", 8000)
        return
    dialog = LabelsNeededDialog(window.session, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.exec()


def copy_diagnostics(window) -> None:
    """Versions, devices, the last log lines and the open run's record on the clipboard, for a bug report."""
    from PySide6.QtWidgets import QApplication

    from ..api import diagnostics_text

    devices = getattr(window.model_page.device_picker, "devices", None)
    QApplication.clipboard().setText(diagnostics_text(window.session.run_dir, devices=devices))
    window.statusBar().showMessage("Diagnostics copied: paste them into your report.", 8000)


def _open_log_folder() -> None:
    from ..api import log_dir

    QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))


def _choose_theme(window, choice: str) -> None:
    theme().set_choice(choice)
    window.settings.set("view/theme", choice)
