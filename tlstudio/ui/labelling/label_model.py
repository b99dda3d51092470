"""The labelling table: label, the model's suggestion, the text, then the other columns.

Shows a chosen subset of the table's rows in a chosen order (a filter, or
the "label next" queue), so the view's row ``i`` is table position
``rows[i]``; the vertical header shows the file's data row number.  Edits go
through the controller (undo stack and journal), never straight to the frame.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from .controller import LabellingController

LABEL, SUGGESTION, TEXT = 0, 1, 2
DISPLAY_CHARS = 400


class LabelTableModel(QAbstractTableModel):
    def __init__(self, controller: LabellingController, text_column: str | None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.text_column = text_column
        frame = controller.table.frame
        skip = {text_column, controller.label_column}
        self.other_columns = [str(c) for c in frame.columns if str(c) not in skip][:30]
        # Every row in table order until a filter picks some: a range, not a million-entry list and dict
        # built on the GUI thread each time a file opens.
        self.rows: "range | list[int]" = range(len(frame))
        self._view_rows: dict[int, int] | None = None
        self.suggestions: dict = {}  # position -> core.labelling.suggestions.Suggestion
        self._edited_font = QFont()
        self._edited_font.setBold(True)
        controller.cells_changed.connect(self._on_cells_changed)

    # -- rows shown ------------------------------------------------------------------
    def set_rows(self, rows: "range | list[int]") -> None:
        self.beginResetModel()
        if isinstance(rows, range) and rows.step == 1 and rows.start == 0:
            self.rows, self._view_rows = rows, None
        else:
            self.rows = list(rows)
            self._view_rows = {position: i for i, position in enumerate(self.rows)}
        self.endResetModel()

    def position(self, view_row: int) -> int:
        return self.rows[view_row]

    def view_row(self, position: int) -> int:
        if self._view_rows is None:  # every row, in order
            return position if 0 <= position < len(self.rows) else -1
        return self._view_rows.get(position, -1)

    def set_suggestions(self, suggestions: dict) -> None:
        self.suggestions = suggestions
        if self.rows:
            self.dataChanged.emit(self.index(0, SUGGESTION), self.index(len(self.rows) - 1, SUGGESTION))

    def _on_cells_changed(self, positions: list[int]) -> None:
        if not self.rows:
            return
        for position in positions:
            view_row = self.view_row(position)
            if view_row >= 0:
                self.dataChanged.emit(self.index(view_row, 0), self.index(view_row, self.columnCount() - 1))

    # -- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else 3 + len(self.other_columns)

    def flags(self, index: QModelIndex):
        base = super().flags(index)
        if index.isValid() and index.column() == LABEL and self.controller.label_column:
            return base | Qt.ItemIsEditable
        return base

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        position, column = self.rows[index.row()], index.column()
        if column == LABEL:
            label = self.controller.label(position)
            if role in (Qt.DisplayRole, Qt.EditRole):
                return label or ""
            if role == Qt.FontRole and self.controller.edited.is_edited(position, self.controller.label_column):
                return self._edited_font
            if role == Qt.ToolTipRole and label is None:
                return "Unlabelled: press 1-9 to give it a class"
            return None
        if column == SUGGESTION:
            suggestion = self.suggestions.get(position)
            if suggestion is None:
                return None
            if role == Qt.DisplayRole:
                return f"{suggestion.label}  {suggestion.confidence:.0%}"
            if role == Qt.ForegroundRole:
                label = self.controller.label(position)
                if label is not None and label != suggestion.label:
                    return QBrush(QColor(200, 60, 40))  # the model disagrees with the given label
                return QBrush(QColor(120, 120, 120))
            if role == Qt.ToolTipRole:
                return (
                    f"The model suggests '{suggestion.label}' ({suggestion.confidence:.1%}); next likeliest "
                    f"'{suggestion.runner_up}'. Press A to accept."
                )
            return None
        name = self.text_column if column == TEXT else self.other_columns[column - 3]
        if role not in (Qt.DisplayRole, Qt.ToolTipRole) or name is None:
            return None
        value = self.controller.edited.value(position, name)
        text = "" if value is None else str(value)
        if role == Qt.DisplayRole:
            text = text.replace("\n", " ⏎ ")
            return text if len(text) <= DISPLAY_CHARS else text[:DISPLAY_CHARS] + "…"
        return text[:2000] if len(text) > 60 else None

    def setData(self, index: QModelIndex, value, role: int = Qt.EditRole) -> bool:
        if not index.isValid() or index.column() != LABEL or role != Qt.EditRole:
            return False
        text = str(value).strip() if value is not None else ""
        self.controller.set_labels([self.rows[index.row()]], text or None, typed=True)
        return True

    def headerData(self, section: int, orientation, role: int = Qt.DisplayRole):
        if role != Qt.DisplayRole:
            return None
        if orientation == Qt.Vertical:
            return str(self.rows[section] + 1) if section < len(self.rows) else None
        if section == LABEL:
            return f"{self.controller.label_column or 'label'}  [label]"
        if section == SUGGESTION:
            return "Model suggests"
        if section == TEXT:
            return f"{self.text_column}  [text]" if self.text_column else "(no text column)"
        return self.other_columns[section - 3]
