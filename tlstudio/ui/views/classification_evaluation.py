"""Evaluation of a text classifier: metrics overall and per class, the confusion matrix, its rows."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QSplitter, QTableView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ..qmodels.records_model import RecordsModel
from ..widgets.confusion_matrix import ConfusionMatrixView

OVERALL = (("accuracy", "Accuracy"), ("macro_f1", "Macro F1"), ("weighted_f1", "Weighted F1"),
           ("macro_precision", "Macro precision"), ("macro_recall", "Macro recall"),
           ("majority_accuracy", "Always the most common class: accuracy"),
           ("majority_macro_f1", "Always the most common class: macro F1"))


def _table(headers: list[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAccessibleName(name)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    return table


def _item(value, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(f"{value:.3f}" if isinstance(value, float) else str(value))
    if align_right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item


class ClassificationEvaluation(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.records: list[dict] = []
        self.overall = _table(["metric", "value"], "Overall metrics", self)
        self.per_class = _table(["class", "precision", "recall", "F1", "support"], "Metrics per class", self)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #c77700;")
        self.warning.hide()
        self.matrix = ConfusionMatrixView(self)
        self.matrix.cell_chosen.connect(self.show_cell)
        self.rows_model = RecordsModel([("row", "row"), ("text", "text"), ("text_pair", "second text"),
                                        ("label", "true label"), ("predicted", "predicted"),
                                        ("confidence", "confidence")], self)
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
        top = QSplitter(Qt.Horizontal, self)
        top.addWidget(metrics)
        top.addWidget(self.matrix)
        top.setStretchFactor(0, 2)
        top.setStretchFactor(1, 3)
        top.setChildrenCollapsible(False)
        rows = QWidget(self)
        rows_layout = QVBoxLayout(rows)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        rows_layout.addWidget(self.rows_caption)
        rows_layout.addWidget(self.rows_view, 1)
        outer = QSplitter(Qt.Vertical, self)
        outer.addWidget(top)
        outer.addWidget(rows)
        outer.setStretchFactor(0, 3)
        outer.setStretchFactor(1, 2)
        outer.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

    def show_report(self, report: dict, records: list[dict], source: str) -> None:
        self.records = list(records)
        # A sentence-pair model's rows hold two texts: both are shown; other models have no second column.
        self.rows_view.setColumnHidden(2, not any("text_pair" in r for r in self.records))
        shown = [(title, report[key]) for key, title in OVERALL if isinstance(report.get(key), (int, float))]
        for extra in ("rows", "eval_size"):
            if isinstance(report.get(extra), int):
                shown.append(("Rows scored", report[extra]))
                break
        self.overall.setRowCount(len(shown))
        for row, (title, value) in enumerate(shown):
            self.overall.setItem(row, 0, _item(title))
            self.overall.setItem(row, 1, _item(value, True))
        per_class = report.get("per_class") or {}
        self.per_class.setRowCount(len(per_class))
        for row, (name, scores) in enumerate(per_class.items()):
            self.per_class.setItem(row, 0, _item(name))
            for column, key in enumerate(("precision", "recall", "f1", "support"), start=1):
                self.per_class.setItem(row, column, _item(scores[key], True))
        self.warning.setText(report.get("warning", "").capitalize())
        self.warning.setVisible(bool(report.get("warning")))
        matrix = report.get("confusion_matrix") or {}
        self.matrix.set_matrix(matrix.get("labels", []), matrix.get("matrix", []))
        self.rows_model.set_records([])
        self.rows_caption.setText(f"Results on {source}. Click a cell of the confusion matrix to list its rows."
                                  if records else f"Results on {source}. (The individual rows were not saved.)")

    def show_cell(self, true_label: str, predicted_label: str) -> None:
        chosen = [r for r in self.records if r.get("label") == true_label and r.get("predicted") == predicted_label]
        chosen.sort(key=lambda r: -float(r.get("confidence") or 0))
        self.rows_model.set_records(chosen)
        kind = "correctly predicted" if true_label == predicted_label else f"predicted '{predicted_label}'"
        self.rows_caption.setText(f"{len(chosen)} row(s) labelled '{true_label}' and {kind}, most confident first.")
