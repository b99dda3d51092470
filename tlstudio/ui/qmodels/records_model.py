"""A read-only table model over a list of dicts, with chosen columns (validation rows, runs)."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class RecordsModel(QAbstractTableModel):
    """``columns`` is a list of (key, title) or (key, title, formatter).

    A record's ``"<key>__tooltip"`` explains that cell; a true ``"<key>__warning"`` puts a warning icon in it."""

    def __init__(self, columns: list[tuple], parent=None):
        super().__init__(parent)
        self._columns = [(c[0], c[1], c[2] if len(c) > 2 else None) for c in columns]
        self.records: list[dict[str, Any]] = []

    def set_records(self, records: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def record(self, row: int) -> dict[str, Any]:
        return self.records[row]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        key, _, formatter = self._columns[index.column()]
        value = self.records[index.row()].get(key)
        if role == Qt.DisplayRole:
            return self._format(value, formatter)
        if role == Qt.ToolTipRole:
            # A record may explain a cell (``"<key>__tooltip"``); a text a narrow column elides shows whole.
            note = self.records[index.row()].get(f"{key}__tooltip")
            if note:
                return str(note)[:2000]
            if isinstance(value, str) and value:
                return value[:2000]
            return None
        if role == Qt.DecorationRole and self.records[index.row()].get(f"{key}__warning"):
            from PySide6.QtWidgets import QApplication, QStyle

            return QApplication.style().standardIcon(QStyle.SP_MessageBoxWarning)
        if role == Qt.UserRole:  # raw value, for sorting
            return value
        if role == Qt.TextAlignmentRole and isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    @staticmethod
    def _format(value: Any, formatter: Callable[[Any], str] | None) -> str:
        if formatter is not None:
            return formatter(value)
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value).replace("\n", " ")

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self._columns[section][1]
        return None
