"""The confusion matrix as a heatmap you can click (or press Enter on) to see those rows.

It is a table view, not a picture: every cell is reachable with the
keyboard and read out by screen readers ("true positive, predicted
negative: 3 rows, 12% of positive").  Colour is the share of the true
class's rows, so a rare class's mistakes are as visible as a common one's.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..theme import theme


def _mix(low: str, high: str, share: float) -> QColor:
    a, b = QColor(low), QColor(high)
    return QColor(
        int(a.red() + (b.red() - a.red()) * share),
        int(a.green() + (b.green() - a.green()) * share),
        int(a.blue() + (b.blue() - a.blue()) * share),
    )


class ConfusionModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.labels: list[str] = []
        self.matrix: list[list[int]] = []

    def set_matrix(self, labels: list[str], matrix: list[list[int]]) -> None:
        self.beginResetModel()
        self.labels, self.matrix = list(labels), [list(map(int, row)) for row in matrix]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.labels)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.labels)

    def _share(self, row: int, column: int) -> float:
        total = sum(self.matrix[row])
        return self.matrix[row][column] / total if total else 0.0

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        count, share = self.matrix[row][column], self._share(row, column)
        if role == Qt.DisplayRole:
            return f"{count}\n{share:.0%}"
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignCenter)
        colors = theme().colors
        if role == Qt.BackgroundRole:
            return _mix(colors.heat_low, colors.heat_high, share)
        if role == Qt.ForegroundRole:
            return QColor("#ffffff") if share > 0.5 else QColor(colors.foreground)
        if role in (Qt.ToolTipRole, Qt.AccessibleTextRole):
            kind = "correct" if row == column else "mistaken"
            return (
                f"true {self.labels[row]}, predicted {self.labels[column]}: {count} rows ({kind}), "
                f"{share:.0%} of {self.labels[row]}"
            )
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and 0 <= section < len(self.labels):
            return self.labels[section]
        if role == Qt.ToolTipRole and 0 <= section < len(self.labels):
            return ("true " if orientation == Qt.Vertical else "predicted ") + self.labels[section]
        return None


class _HeatCell(QStyledItemDelegate):
    """Paints the heat colour always, and the selection as a frame: a filled highlight would read as a value."""

    def paint(self, painter, option, index) -> None:
        painter.save()
        painter.fillRect(option.rect, index.data(Qt.BackgroundRole))
        painter.setPen(index.data(Qt.ForegroundRole))
        painter.drawText(option.rect, Qt.AlignCenter, index.data(Qt.DisplayRole))
        if option.state & (QStyle.State_Selected | QStyle.State_HasFocus):
            painter.setPen(QPen(QColor(theme().colors.marker), 3))
            painter.drawRect(option.rect.adjusted(2, 2, -2, -2))
        painter.restore()


class ConfusionMatrixView(QWidget):
    """Signals: cell_chosen(str true_label, str predicted_label)."""

    cell_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = ConfusionModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(_HeatCell(self.table))
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Stretch)
            header.setMinimumSectionSize(48)
        self.table.setAccessibleName("Confusion matrix")
        self.table.setAccessibleDescription(
            "Rows are the true labels, columns the predicted labels. "
            "Press Enter on a cell to list those validation rows."
        )
        self.table.clicked.connect(self._on_table_activated)
        self.table.activated.connect(self._on_table_activated)
        caption = QLabel("Rows: true label · Columns: predicted label · Click a cell to list its rows")
        caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(caption)
        layout.addWidget(self.table, 1)
        theme().changed.connect(self._on_theme_changed)

    def set_matrix(self, labels: list[str], matrix: list[list[int]]) -> None:
        self.model.set_matrix(labels, matrix)

    def _on_theme_changed(self, colors) -> None:
        # A bound method, not a lambda: Qt drops the connection when this widget is deleted.
        self.table.viewport().update()

    def choose(self, true_label: str, predicted_label: str) -> None:
        """Select a cell as if clicked (keyboard shortcuts and tests)."""
        row, column = self.model.labels.index(true_label), self.model.labels.index(predicted_label)
        index = self.model.index(row, column)
        self.table.setCurrentIndex(index)
        self._on_table_activated(index)

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.cell_chosen.emit(self.model.labels[index.row()], self.model.labels[index.column()])
