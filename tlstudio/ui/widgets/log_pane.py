"""What the core reports, as timestamped lines (warnings stand out)."""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QTextEdit

MAX_LINES = 5000
LEVEL_COLORS = {"warning": "#c77700", "error": "#d32f2f"}


class LogPane(QTextEdit):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.document().setMaximumBlockCount(MAX_LINES)
        self.setAccessibleName("Training log")
        self.setLineWrapMode(QTextEdit.WidgetWidth)

    def add(self, text: str, level: str = "info") -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        line = html.escape(f"{stamp}  {text}", quote=False)
        color = LEVEL_COLORS.get(level)
        # Always a span: a line without markup would be taken as plain text, showing "&lt;" for "<".
        self.append(f'<span style="color:{color}">{line}</span>' if color else f"<span>{line}</span>")

    def lines(self) -> list[str]:
        return self.toPlainText().splitlines()
