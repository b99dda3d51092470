"""What every page shares: a title, the session and settings, and a status line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..session import Session
from ..settings import Settings


class Page(QWidget):
    """A page of the main window. Signals: status_message(str), navigate_requested(str page key)."""

    key = ""
    title = ""
    status_message = Signal(str)
    navigate_requested = Signal(str)

    def __init__(self, session: Session, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.settings = settings
        self.setAccessibleName(f"{self.title} page")
        self.outer = QVBoxLayout(self)
        heading = QLabel(self.title, self)
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        heading.setTextInteractionFlags(Qt.NoTextInteraction)
        self.outer.addWidget(heading)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.outer.addWidget(self.subtitle)

    def set_subtitle(self, text: str) -> None:
        self.subtitle.setText(text)
        self.subtitle.setVisible(bool(text))
