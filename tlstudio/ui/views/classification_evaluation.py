"""Evaluation of a text classifier: metrics overall and per class, the confusion matrix, its rows."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ..qmodels.records_model import RecordsModel
from ..widgets.confusion_matrix import ConfusionMatrixView
from .report_view import fill, fill_with, make_metric_table, make_table, split

OVERALL = (
    ("accuracy", "Accuracy"),
    ("macro_f1", "Macro F1"),
    ("weighted_f1", "Weighted F1"),
    ("macro_precision", "Macro precision"),
    ("macro_recall", "Macro recall"),
    ("majority_accuracy", "Always the most common class: accuracy"),
    ("majority_macro_f1", "Always the most common class: macro F1"),
)


class ClassificationEvaluation(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.records: list[dict] = []
        self.overall = make_metric_table(self)
        self.per_class = make_table(["class", "precision", "recall", "F1", "support"], "Metrics per class", self)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #c77700;")
        self.warning.hide()
        self.matrix = ConfusionMatrixView(self)
        self.matrix.cell_chosen.connect(self.show_cell)
        self.rows_model = RecordsModel(
            [
                ("row", "row"),
                ("text", "text"),
                ("text_pair", "second text"),
                ("label", "true label"),
                ("predicted", "predicted"),
                ("confidence", "confidence"),
            ],
            self,
        )
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.rows_model)
        proxy.setSortRole(Qt.UserRole)
        self.rows_view = QTableView(self)
        self.rows_view.setModel(proxy)
        self.rows_view.setSortingEnabled(True)
        self.rows_view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.rows_view.setAccessibleName("Validation rows in the chosen cell")
        self.rows_view.verticalHeader().hide()
        self.rows_view.verticalHeader().setDefaultSectionSize(self.rows_view.fontMetrics().height() + 6)
        self.rows_view.sortByColumn(5, Qt.DescendingOrder)  # most confident first: confident mistakes matter most
        header = self.rows_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.Stretch)  # sentence pairs: both texts share the width
        self.rows_caption = QLabel("Click a cell of the confusion matrix to list its rows.", self)
        self.rows_caption.setWordWrap(True)

        metrics = QWidget(self)
        metrics_layout = QVBoxLayout(metrics)
        metrics_layout.setContentsMargins(0, 0, 0, 0)
        metrics_layout.addWidget(QLabel("<b>Overall</b>", self))
        metrics_layout.addWidget(self.overall)
        metrics_layout.addWidget(self.warning)
        metrics_layout.addWidget(QLabel("<b>Per class</b>", self))
        metrics_layout.addWidget(self.per_class)
        top = split(Qt.Horizontal, [metrics, self.matrix], self, stretch=(2, 3))
        rows = QWidget(self)
        rows_layout = QVBoxLayout(rows)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        rows_layout.addWidget(self.rows_caption)
        rows_layout.addWidget(self.rows_view, 1)
        fill_with(self, split(Qt.Vertical, [top, rows], self, stretch=(3, 2)))

    def show_report(self, report: dict, records: list[dict], source: str) -> None:
        self.records = list(records)
        # A sentence-pair model's rows hold two texts: both are shown; other models have no second column.
        self.rows_view.setColumnHidden(2, not any("text_pair" in r for r in self.records))
        shown = [(title, report[key]) for key, title in OVERALL if isinstance(report.get(key), (int, float))]
        for extra in ("rows", "eval_size"):
            if isinstance(report.get(extra), int):
                shown.append(("Rows scored", report[extra]))
                break
        fill(self.overall, [list(pair) for pair in shown])
        per_class = report.get("per_class") or {}
        fill(
            self.per_class,
            [
                [name] + [scores[key] for key in ("precision", "recall", "f1", "support")]
                for name, scores in per_class.items()
            ],
        )
        self.warning.setText(report.get("warning", "").capitalize())
        self.warning.setVisible(bool(report.get("warning")))
        matrix = report.get("confusion_matrix") or {}
        self.matrix.set_matrix(matrix.get("labels", []), matrix.get("matrix", []))
        self.rows_model.set_records([])
        self.rows_caption.setText(
            f"Results on {source}. Click a cell of the confusion matrix to list its rows."
            if records
            else f"Results on {source}. (The individual rows were not saved.)"
        )

    def show_cell(self, true_label: str, predicted_label: str) -> None:
        chosen = [r for r in self.records if r.get("label") == true_label and r.get("predicted") == predicted_label]
        chosen.sort(key=lambda r: -float(r.get("confidence") or 0))
        self.rows_model.set_records(chosen)
        kind = "correctly predicted" if true_label == predicted_label else f"predicted '{predicted_label}'"
        self.rows_caption.setText(f"{len(chosen)} row(s) labelled '{true_label}' and {kind}, most confident first.")
