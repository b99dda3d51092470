"""Entity labelling for token rows (NER): select words, pick a type; existing entities shown in colour.

Works on rows whose tokens column holds a list of words and whose tags
column a list of BIO tags of the same length (JSON Lines, JSON, Parquet).
Selecting words with the mouse (shift/ctrl to extend) or the keyboard and
pressing **Tag** gives them ``B-type``/``I-type``; **Clear** makes them ``O``.
Each change is one undoable, journaled edit of the row's tag list.
"""

from __future__ import annotations

import colorsys
import zlib

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

TOKEN_NAMES = ("tokens", "words")
TAG_NAMES = ("tags", "ner_tags", "labels", "bio")


def entity_type(tag) -> str | None:
    tag = str(tag or "O")
    return None if tag == "O" else tag.split("-", 1)[-1]


def tag_span(tags: list[str], start: int, end: int, kind: str | None) -> list[str]:
    """``tags`` with words ``start..end`` (inclusive) made one entity of ``kind`` (None: outside any)."""
    new = list(tags)
    for i in range(start, end + 1):
        new[i] = "O" if kind is None else ("B-" if i == start else "I-") + kind
    # A word after the span that continued an entity now starts one of its own.
    if end + 1 < len(new) and new[end + 1].startswith("I-"):
        new[end + 1] = "B-" + new[end + 1][2:]
    return new


def _colour(kind: str) -> QColor:
    hue = (zlib.crc32(kind.encode("utf-8")) % 360) / 360
    r, g, b = colorsys.hls_to_rgb(hue, 0.82, 0.65)
    return QColor(int(r * 255), int(g * 255), int(b * 255))


class EntityPanel(QWidget):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.position: int | None = None
        layout = QVBoxLayout(self)
        self.columns_label = QLabel(self)
        self.columns_label.setWordWrap(True)
        layout.addWidget(self.columns_label)
        self.words = QListWidget(self)
        self.words.setAccessibleName("Words of the current row")
        self.words.setFlow(QListWidget.LeftToRight)
        self.words.setWrapping(True)
        self.words.setResizeMode(QListWidget.Adjust)
        self.words.setSpacing(2)
        self.words.setSelectionMode(QAbstractItemView.ExtendedSelection)
        layout.addWidget(self.words, 1)
        row = QHBoxLayout()
        self.kind = QComboBox(self)
        self.kind.setEditable(True)
        self.kind.setAccessibleName("Entity type")
        self.tag_button = QPushButton("Tag", self)
        self.tag_button.clicked.connect(lambda _checked=False: self.tag_selection())
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.clicked.connect(self.clear_selection)
        row.addWidget(self.kind, 1)
        row.addWidget(self.tag_button)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.reset()

    # -- which columns --------------------------------------------------------------------
    def columns(self) -> tuple[str | None, str | None]:
        table = self.page.session.table
        if table is None:
            return None, None
        config = self.page.session.config
        names = table.columns
        tokens = config.tokens_column or next((c for c in names if c.lower() in TOKEN_NAMES), None)
        tags = config.tags_column or next((c for c in names if c.lower() in TAG_NAMES), None)
        if tokens not in names or tags not in names:
            return None, None
        return tokens, tags

    def reset(self) -> None:
        self.position = None
        self.words.clear()
        tokens, tags = self.columns()
        usable = bool(tokens and tags)
        for widget in (self.words, self.kind, self.tag_button, self.clear_button):
            widget.setEnabled(usable)
        self.columns_label.setText(
            f"Words from '{tokens}', tags in '{tags}'. Select words, choose a type, Tag."
            if usable
            else "Entity labelling needs a column of word lists and a column of "
            "BIO tag lists (e.g. 'tokens' and 'tags', from JSON Lines)."
        )
        if usable and self.page.controller is not None:
            kinds = set()
            for value in self.page.controller.table.frame[tags].head(2000).tolist():
                if isinstance(value, (list, tuple)):
                    kinds.update(k for k in map(entity_type, value) if k)
            self.kind.clear()
            self.kind.addItems(sorted(kinds))

    # -- the current row --------------------------------------------------------------------
    def show_row(self, position: int | None) -> None:
        tokens_column, tags_column = self.columns()
        self.position = position
        self.words.clear()
        if position is None or not tokens_column or self.page.controller is None:
            return
        edited = self.page.controller.edited
        tokens, tags = edited.value(position, tokens_column), edited.value(position, tags_column)
        if not isinstance(tokens, (list, tuple)):
            return
        tags = list(tags) if isinstance(tags, (list, tuple)) and len(tags) == len(tokens) else ["O"] * len(tokens)
        for token, tag in zip(tokens, tags):
            item = QListWidgetItem(str(token))
            kind = entity_type(tag)
            if kind:
                item.setBackground(QBrush(_colour(kind)))
                item.setForeground(QBrush(QColor("black")))
                item.setToolTip(str(tag))
            self.words.addItem(item)

    def _selected_span(self) -> tuple[int, int] | None:
        rows = sorted(self.words.row(item) for item in self.words.selectedItems())
        return (rows[0], rows[-1]) if rows else None

    def tag_selection(self, kind: str | None = None) -> None:
        kind = (kind if kind is not None else self.kind.currentText()).strip()
        if kind:
            self._change(kind)
            if self.kind.findText(kind) < 0:
                self.kind.addItem(kind)

    def clear_selection(self) -> None:
        self._change(None)

    def _change(self, kind: str | None) -> None:
        span = self._selected_span()
        tokens_column, tags_column = self.columns()
        if span is None or self.position is None or not tags_column:
            return
        edited = self.page.controller.edited
        tokens = edited.value(self.position, tokens_column)
        tags = edited.value(self.position, tags_column)
        tags = list(tags) if isinstance(tags, (list, tuple)) and len(tags) == len(tokens) else ["O"] * len(tokens)
        words = " ".join(str(t) for t in tokens[span[0] : span[1] + 1])
        what = f"Tag '{words}' as {kind}" if kind else f"Clear the entity '{words}'"
        position = self.position
        self.page.controller.set_cell(position, tags_column, tag_span(tags, span[0], span[1], kind), what)
        self.show_row(position)
        self.words.setCurrentRow(min(span[1] + 1, self.words.count() - 1))
