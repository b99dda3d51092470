"""The whole of the current row's text, wrapped, under a table whose cells can only show its start.

Long reviews are elided in a table cell; labelling them needs the full text
(and, on the Label page, the keys that label it) in view.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget


class RowDetail(QWidget):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.body = QTextBrowser(self)
        self.body.setAccessibleName(title)
        self.body.setOpenLinks(False)
        self.body.setMinimumHeight(48)
        layout.addWidget(self.heading)
        layout.addWidget(self.body, 1)
        self.clear()

    def clear(self) -> None:
        self.heading.setText("<span style='color:gray'>Select a row to read it whole here.</span>")
        self.body.clear()

    def show_row(self, heading: str, text: str, fields: list[tuple[str, str]] | None = None) -> None:
        """``heading`` (plain text), the row's ``text`` wrapped, then other ``fields`` as name: value lines."""
        self.heading.setText(f"<b>{escape(heading)}</b>")
        parts = [f"<p style='white-space: pre-wrap'>{escape(text)}</p>"]
        if fields:
            parts.append(
                "<p style='color:gray'>"
                + "<br>".join(f"{escape(name)}: {escape(value)}" for name, value in fields)
                + "</p>"
            )
        self.body.setHtml("".join(parts))


def cell_text(value) -> str:
    """A cell as readable text: a token list joined, an empty cell empty (not 'nan')."""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)
