"""Tables whose text column can be read: it gets the room, the others a readable width, and all can be dragged.

A stretched column (QHeaderView.Stretch) only gets what the others leave, so
with a few other columns the text people label shrank to 70 px and could not
be widened. Here every column stays user-resizable; the text column is sized
to the room left after the others take at most ``OTHER_WIDTH`` each (and never
less than ``TEXT_MIN``, with a horizontal scroll bar beyond), again whenever
the view is resized, until the user drags a column themselves.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHeaderView, QTableView

OTHER_WIDTH = 140
TEXT_MIN = 200
MEASURED = 40  # columns measured by their contents; a table of thousands takes the default width beyond


class TextColumnRoom(QObject):
    def __init__(self, view: QTableView):
        super().__init__(view)
        self.view = view
        self.text_index: int | None = None
        self._dragged = False
        self._sizing = False
        self._others = 0  # px the other columns take
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.sectionResized.connect(self._on_resized_by_hand)
        view.viewport().installEventFilter(self)

    def set_text_column(self, index: int | None) -> None:
        """Give ``index`` (None: no text column) the room, from now on and after each resize of the view."""
        self.text_index, self._dragged = index, False
        self._size_others()
        self.fit()

    def _size_others(self) -> None:
        """Measure the other columns once per file (Qt reads up to a thousand rows for each measure): the first
        MEASURED columns by their contents, any further ones at the default width."""
        model = self.view.model()
        self._others = 0
        if model is None:
            return
        header = self.view.horizontalHeader()
        self._sizing = True
        try:
            for column in range(model.columnCount()):
                header.setSectionResizeMode(column, QHeaderView.Interactive)
                if column == self.text_index or self.view.isColumnHidden(column):
                    continue
                width = OTHER_WIDTH
                if column < MEASURED:
                    width = min(
                        OTHER_WIDTH, max(60, self.view.sizeHintForColumn(column) + 12, header.sectionSizeHint(column))
                    )
                self.view.setColumnWidth(column, width)
                self._others += width
        finally:
            self._sizing = False

    def fit(self) -> None:
        """The text column takes the room the others leave (cheap: run on every resize of the view)."""
        model = self.view.model()
        if model is None or self._dragged or self.text_index is None or not 0 <= self.text_index < model.columnCount():
            return
        self._sizing = True
        try:
            room = self.view.viewport().width() - self._others - 2
            self.view.setColumnWidth(self.text_index, max(TEXT_MIN, room))
        finally:
            self._sizing = False

    def _on_resized_by_hand(self, *_args) -> None:
        if not self._sizing and self.view.horizontalHeader().underMouse():
            self._dragged = True  # the user's widths win until another file or text column comes

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Resize:
            self.fit()
        return False
