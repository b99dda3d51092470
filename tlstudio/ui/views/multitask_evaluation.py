"""A multi-task run's results: each sub-task's figures, and how each compares with a single-task run.

Signals: subtask_requested(str name): open that sub-task's own model folder
(its full evaluation: confusion matrix, entity table, the rows it got wrong).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .report_view import fill, make_table

COLUMNS = [
    "sub-task",
    "task",
    "score metric",
    "score",
    "accuracy",
    "loss weight",
    "batch share",
    "training rows",
    "validation rows",
]
COMPARISON_COLUMNS = ["sub-task", "metric", "multi-task", "trained alone", "difference"]


def comparison_rows(comparison: dict) -> list[list]:
    rows = []
    for name, row in comparison.items():
        alone = row.get("single_task")
        rows.append(
            [
                name,
                row["metric"],
                row["multi_task"],
                alone if alone is not None else "not run",
                f"{row['multi_task'] - alone:+.3f}" if alone is not None else "",
            ]
        )
    return rows


class MultiTaskEvaluation(QWidget):
    subtask_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.report: dict = {}
        layout = QVBoxLayout(self)
        self.headline = QLabel(self)
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.table = make_table(COLUMNS, "Results per sub-task", self)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.picker = QComboBox(self)
        self.picker.setAccessibleName("Sub-task")
        self.open_button = QPushButton("Open this sub-task's model", self)
        self.open_button.setToolTip(
            "Its full evaluation (the rows it got wrong...), and it can be tried and exported like any model."
        )
        self.open_button.clicked.connect(
            lambda: self.picker.currentText() and self.subtask_requested.emit(self.picker.currentText())
        )
        self.compare_button = QPushButton("Compare with single-task runs…", self)
        self.compare_button.setToolTip("Choose, for each sub-task, a finished run that trained it alone.")
        self.compare_button.clicked.connect(self.choose_single_runs)
        for widget in (self.picker, self.open_button, self.compare_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.comparison_title = QLabel("<b>Against each sub-task trained alone</b>", self)
        layout.addWidget(self.comparison_title)
        self.comparison = make_table(COMPARISON_COLUMNS, "Multi-task against single-task", self)
        layout.addWidget(self.comparison, 1)

    def show_report(self, report: dict, records: list[dict], source: str) -> None:
        self.report = report
        tasks = report.get("tasks") or {}
        mean = report.get("mean_task_score")
        self.headline.setText(
            f"<b>{len(tasks)} sub-tasks on one shared backbone</b>"
            + (f": mean score {mean:.3f}" if isinstance(mean, (int, float)) else "")
            + f" <span style='color:gray'>({source})</span>"
        )
        rows = []
        for name, m in tasks.items():
            key = m.get("score_metric", "")
            rows.append(
                [
                    name,
                    m.get("task", ""),
                    key,
                    m.get(key, ""),
                    m.get("accuracy", ""),
                    m.get("weight", ""),
                    m.get("batch_share", ""),
                    m.get("train_size", ""),
                    m.get("eval_size", ""),
                ]
            )
        fill(self.table, rows)
        self.picker.clear()
        self.picker.addItems(list(tasks))
        self.show_comparison(report.get("comparison") or {})

    def show_comparison(self, comparison: dict) -> None:
        fill(self.comparison, comparison_rows(comparison))
        self.comparison.setVisible(bool(comparison))
        self.comparison_title.setVisible(bool(comparison))

    def choose_single_runs(self) -> None:
        from ...api import TlStudioError
        from ...api import compare_with_runs

        if self.run_dir is None:
            return
        singles = {}
        for name in self.report.get("tasks") or {}:
            folder = QFileDialog.getExistingDirectory(self, f"A run that trained '{name}' alone", str(self.run_dir))
            if folder:
                singles[name] = folder
        if not singles:
            return
        try:
            self.show_comparison(compare_with_runs(self.run_dir, singles))
        except TlStudioError as exc:
            self.comparison_title.setText(f"<span style='color:#d32f2f'>{exc}</span>")
            self.comparison_title.show()
