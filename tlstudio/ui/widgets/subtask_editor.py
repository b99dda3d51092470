"""The Model page's sub-task table for a multi-task run: name, task, data, columns, weight, proportion.

Signals: subtasks_changed(list of spec entries), compare_changed(bool).  The
entries are the ``--subtasks`` JSON the CLI reads (core/multitask/spec.py),
so a run set up here can be saved and repeated from the command line.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...api import SUBTASK_TASKS, check_entries, entry_from_row, row_from_entry

HEADERS = (
    "Name",
    "Task",
    "Data file (blank: the open file)",
    "Text / tokens column",
    "Label / tags column",
    "Loss weight",
    "Batch share (blank: by rows)",
)
TIPS = (
    "Names the sub-task's metrics and its model folder tasks/NAME.",
    "Text classification or entity tagging.",
    "Leave blank to use the data file open on the Data page (two label columns of the same rows).",
    "The column with the text (classification) or the tokens (tagging); blank: suggested from the data.",
    "The column with the label (classification) or the tags (tagging); blank: suggested from the data.",
    "Multiplies this sub-task's loss: larger values make the shared encoder favour it.",
    "This sub-task's share of the batches (shares are normalised); blank: its share of the training rows.",
)


class SubtaskEditor(QGroupBox):
    subtasks_changed = Signal(list)
    compare_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__("Sub-tasks sharing the backbone", parent)
        self._loading = False
        self._other: list[dict] = []  # settings of each row the table does not show (multi_label, eval_data...)
        self.default_data = ""
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setHorizontalHeaderLabels(HEADERS)
        for column, tip in enumerate(TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Sub-tasks")
        self.table.itemChanged.connect(lambda _item: self._emit())
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add sub-task", self)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_button = QPushButton("Save as JSON…", self)
        self.save_button.setToolTip(
            "Save the list for the command line: tlstudio train DATA --task multi-task --subtasks FILE"
        )
        self.save_button.clicked.connect(self.save_json)
        for button in (self.add_button, self.remove_button, self.save_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.compare = QCheckBox("Also train each sub-task alone and compare (takes as long again)", self)
        self.compare.toggled.connect(self.compare_changed.emit)
        layout.addWidget(self.compare)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d32f2f;")
        self.problem.setAccessibleName("Problem with the sub-tasks")
        layout.addWidget(self.problem)

    # -- rows ----------------------------------------------------------------------
    def add_row(self, values: dict | None = None, other: dict | None = None) -> None:
        number = self.table.rowCount() + 1
        values = values or {"name": f"task{number}", "task": "text-classification", "weight": 1.0}
        self._loading = True
        self.table.insertRow(number - 1)
        cells = [
            values.get("name", ""),
            None,
            values.get("data", ""),
            values.get("input_column", ""),
            values.get("label_column", ""),
            f"{float(values.get('weight', 1.0)):g}",
            "" if values.get("proportion") in (None, "") else f"{values['proportion']}",
        ]
        for column, text in enumerate(cells):
            if column == 1:
                combo = QComboBox(self.table)
                for task in SUBTASK_TASKS:
                    combo.addItem(
                        {"text-classification": "Text classification", "token-classification": "Entity tagging"}[task],
                        task,
                    )
                combo.setCurrentIndex(
                    max(
                        0,
                        SUBTASK_TASKS.index(values.get("task", SUBTASK_TASKS[0]))
                        if values.get("task") in SUBTASK_TASKS
                        else 0,
                    )
                )
                combo.currentIndexChanged.connect(lambda _i: self._emit())
                self.table.setCellWidget(number - 1, 1, combo)
            else:
                self.table.setItem(number - 1, column, QTableWidgetItem(str(text)))
        self._other.append(dict(other or {}))
        self._loading = False
        self._emit()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True) or (
            [self.table.rowCount() - 1] if self.table.rowCount() else []
        )
        for row in rows:
            self.table.removeRow(row)
            del self._other[row]
        self._emit()

    def entries(self) -> list[dict]:
        result = []
        for row in range(self.table.rowCount()):
            text = [self.table.item(row, c).text() if self.table.item(row, c) else "" for c in range(len(HEADERS))]
            task = self.table.cellWidget(row, 1).currentData()
            result.append(
                entry_from_row(text[0], task, text[2], text[3], text[4], text[5], text[6] or None, self._other[row])
            )
        return result

    def set_entries(self, entries: list[dict] | None, compare: bool = False) -> None:
        """Show a config's sub-tasks (without signalling them back)."""
        self.blockSignals(True)
        self.table.setRowCount(0)
        self._other = []
        for entry in entries or []:
            shown = row_from_entry(entry)
            kept = {
                k: v
                for k, v in entry.items()
                if k
                not in (
                    "name",
                    "task",
                    "data",
                    "weight",
                    "proportion",
                    "text_column",
                    "label_column",
                    "tokens_column",
                    "tags_column",
                )
            }
            self.add_row(shown, kept)
        self.compare.setChecked(compare)
        self.blockSignals(False)
        self._show_problem()

    def _emit(self) -> None:
        if self._loading:
            return
        self._show_problem()
        self.subtasks_changed.emit(self.entries())

    def _show_problem(self) -> None:
        problem = (
            check_entries(self.entries(), self.default_data) if self.table.rowCount() else "Add at least two sub-tasks."
        )
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))

    def save_json(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the sub-tasks", "tasks.json", "JSON (*.json)")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(self.entries(), handle, indent=2)
