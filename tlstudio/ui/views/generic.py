"""Fallback views for tasks that have no views of their own yet."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget


class MetricsOnly(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["metric", "value"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setAccessibleName("Metrics")
        QVBoxLayout(self).addWidget(self.table)

    def show_report(self, report: dict, records: list[dict], source: str) -> None:
        flat = [(k, v) for k, v in report.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        self.table.setRowCount(len(flat))
        for row, (key, value) in enumerate(flat):
            self.table.setItem(row, 0, QTableWidgetItem(key))
            self.table.setItem(row, 1, QTableWidgetItem(f"{value:.4f}" if isinstance(value, float) else str(value)))


class NoTryView(QWidget):
    def __init__(self, task: str, parent: QWidget | None = None):
        super().__init__(parent)
        label = QLabel(f"Trying models live is not available for the task '{task}' yet. "
                       "The exported model loads with transformers as shown on the Export page.", self)
        label.setWordWrap(True)
        QVBoxLayout(self).addWidget(label)

    def set_model(self, model_dir) -> None:
        pass
