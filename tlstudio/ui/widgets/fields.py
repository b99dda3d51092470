"""Small input widgets every page uses: a path with a Browse button, a snippet with a Copy button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class PathField(QWidget):
    """A path typed or chosen with a dialog. kind: 'open', 'save' or 'folder'. Signals: path_changed(str)."""

    path_changed = Signal(str)

    def __init__(self, name: str, kind: str = "open", file_filter: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.kind, self.file_filter, self.name = kind, file_filter, name
        self.start_dir = str(Path.home())
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText("choose a folder…" if kind == "folder" else "choose a file…")
        self.edit.editingFinished.connect(lambda: self.path_changed.emit(self.path))
        self.button = QPushButton("Browse…", self)
        self.button.setAccessibleName(f"Browse for {name.lower()}")
        self.button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)

    @property
    def path(self) -> str:
        return self.edit.text().strip()

    def set_path(self, path: str | Path | None, *, notify: bool = False) -> None:
        self.edit.setText(str(path) if path else "")
        if notify:
            self.path_changed.emit(self.path)

    def browse(self) -> None:
        start = self.path or self.start_dir
        if self.kind == "folder":
            chosen = QFileDialog.getExistingDirectory(self, self.name, start)
        elif self.kind == "save":
            chosen, _ = QFileDialog.getSaveFileName(self, self.name, start, self.file_filter)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self.name, start, self.file_filter)
        if chosen:
            self.set_path(chosen, notify=True)


class SnippetBox(QWidget):
    """Read-only code with a Copy button."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.text.setAccessibleName(name)
        self.text.setMaximumHeight(110)
        self.copy = QPushButton("Copy", self)
        self.copy.setAccessibleName(f"Copy {name.lower()}")
        self.copy.clicked.connect(lambda: QApplication.clipboard().setText(self.text.toPlainText()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy)
        layout.addLayout(row)

    def set_text(self, text: str) -> None:
        self.text.setPlainText(text)
