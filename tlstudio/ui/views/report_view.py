"""The shape every task's evaluation shares: headline metrics, a breakdown, notes, and the rows it got wrong.

A task's view fills these parts from the core's report (metrics.json's
layout) and records (eval_predictions.jsonl's layout); the rows table is
sortable, and choosing a row shows it in full below the table.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..qmodels.records_model import RecordsModel


def make_table(headers: list[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAccessibleName(name)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    return table


def make_metric_table(parent: QWidget) -> QTableWidget:
    """Metric names and values: the value always shows; a long name ("Always the most common class: macro F1")
    is cut in the middle on a narrow screen, and reads whole in its tooltip."""
    table = make_table(["metric", "value"], "Overall metrics", parent)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
    table.setTextElideMode(Qt.ElideMiddle)
    return table


def item(value, align_right: bool = False, digits: int = 3) -> QTableWidgetItem:
    cell = QTableWidgetItem(f"{value:.{digits}f}" if isinstance(value, float) else str(value))
    if isinstance(value, str):
        cell.setToolTip(value)  # a narrow column cuts it; the whole text is a hover away
    if align_right:
        cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return cell


def fill(table: QTableWidget, rows: list[list], digits: int = 3) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, item(value, c > 0 and isinstance(value, (int, float)), digits))


def split(orientation, parts: list[QWidget], parent: QWidget, stretch: tuple[int, ...] = ()) -> QSplitter:
    """A splitter holding ``parts`` (none can be collapsed away), part ``i`` stretching by ``stretch[i]``."""
    splitter = QSplitter(orientation, parent)
    for part in parts:
        splitter.addWidget(part)
    for index, factor in enumerate(stretch):
        splitter.setStretchFactor(index, factor)
    splitter.setChildrenCollapsible(False)
    return splitter


def fill_with(widget: QWidget, child: QWidget) -> None:
    """Lay ``child`` out over the whole of ``widget``."""
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(child)


def notes_text(report: dict) -> str:
    notes = [str(n) for n in report.get("notes") or []]
    if report.get("warning"):
        notes.insert(0, str(report["warning"]))
    return "<br>".join("• " + n[:1].upper() + n[1:] for n in notes)


class ReportView(QWidget):
    """Overall metrics (left), a breakdown table (right), notes, and a rows table with the chosen row in full."""

    ROW_COLUMNS: list[tuple] = []
    BREAKDOWN: list[str] = []
    BREAKDOWN_TITLE = "Per class"
    ROWS_NAME = "Rows the model got wrong"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.records: list[dict] = []
        self.overall = make_metric_table(self)
        self.breakdown = make_table(self.BREAKDOWN, self.BREAKDOWN_TITLE, self)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #c77700;")
        self.notes.setAccessibleName("Notes about this model")
        self.notes.hide()
        self.rows_model = RecordsModel(self.ROW_COLUMNS, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.rows_model)
        self.proxy.setSortRole(Qt.UserRole)
        self.rows_view = QTableView(self)
        self.rows_view.setModel(self.proxy)
        self.rows_view.setSortingEnabled(True)
        self.rows_view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.rows_view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.rows_view.setAccessibleName(self.ROWS_NAME)
        self.rows_view.setWordWrap(False)
        self.rows_view.verticalHeader().hide()
        self.rows_view.verticalHeader().setDefaultSectionSize(self.rows_view.fontMetrics().height() + 6)
        header = self.rows_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)  # the texts share the width...
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)  # ... the row number takes what it needs
        self.rows_view.selectionModel().currentRowChanged.connect(lambda current, _p: self._on_row(current))
        self.only_wrong = QCheckBox("Only rows the model got wrong", self)
        self.only_wrong.setChecked(True)
        self.only_wrong.setAccessibleName("Show only the rows the model got wrong")
        self.only_wrong.toggled.connect(lambda _on: self.show_rows())
        self.rows_caption = QLabel(self)
        self.rows_caption.setWordWrap(True)
        self.detail = QTextBrowser(self)
        self.detail.setAccessibleName("The chosen row in full")
        self.detail.setMaximumHeight(120)

        metrics = QWidget(self)
        metrics_layout = QVBoxLayout(metrics)
        metrics_layout.setContentsMargins(0, 0, 0, 0)
        metrics_layout.addWidget(QLabel("<b>Overall</b>", self))
        metrics_layout.addWidget(self.overall)
        metrics_layout.addWidget(self.notes)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.breakdown_title = QLabel(f"<b>{self.BREAKDOWN_TITLE}</b>", self)
        side_layout.addWidget(self.breakdown_title)
        side_layout.addWidget(self.breakdown)
        top = split(Qt.Horizontal, [metrics, side], self)
        rows = QWidget(self)
        rows_layout = QVBoxLayout(rows)
        rows_layout.setContentsMargins(0, 0, 0, 0)
        rows_layout.addWidget(self.rows_caption)
        rows_layout.addWidget(self.only_wrong)
        rows_layout.addWidget(self.rows_view, 1)
        rows_layout.addWidget(self.detail)
        fill_with(self, split(Qt.Vertical, [top, rows], self, stretch=(2, 3)))
        self.source = ""

    # -- what a task's view provides --------------------------------------------------------------
    def overall_rows(self, report: dict) -> list[list]:
        raise NotImplementedError

    def breakdown_rows(self, report: dict) -> list[list]:
        return []

    def is_wrong(self, record: dict) -> bool:
        raise NotImplementedError

    def row_values(self, record: dict) -> dict:
        return record

    def detail_html(self, record: dict) -> str:
        return ""

    @staticmethod
    def texts_html(record: dict) -> str:
        """The row's text, and its second text for sentence pairs."""
        import html

        text = f"<p>{html.escape(str(record.get('text', '')))}</p>"
        if "text_pair" in record:
            text = (
                f"<p><b>Text:</b> {html.escape(str(record.get('text', '')))}</p>"
                f"<p><b>Second text:</b> {html.escape(str(record['text_pair']))}</p>"
            )
        return text

    def sort_rows(self, records: list[dict]) -> list[dict]:
        return records

    # -- filling -------------------------------------------------------------------------------------
    def show_report(self, report: dict, records: list[dict], source: str) -> None:
        self.records, self.source = list(records), source
        fill(self.overall, self.overall_rows(report))
        breakdown = self.breakdown_rows(report)
        fill(self.breakdown, breakdown)
        self.breakdown.setVisible(bool(breakdown))
        self.breakdown_title.setVisible(bool(breakdown))
        text = notes_text(report)
        self.notes.setText(text)
        self.notes.setVisible(bool(text))
        self.show_rows()

    def shown_records(self) -> list[dict]:
        chosen = [r for r in self.records if self.is_wrong(r)] if self.only_wrong.isChecked() else self.records
        return self.sort_rows(chosen)

    def show_rows(self) -> None:
        shown = self.shown_records()
        pairs = any("text_pair" in r for r in self.records)  # sentence pairs: the second text gets a column
        for column, spec in enumerate(self.ROW_COLUMNS):
            if spec[0] == "text_pair":
                self.rows_view.setColumnHidden(column, not pairs)
        self.rows_model.set_records([{**self.row_values(r), "_record": r} for r in shown])
        self.detail.clear()
        wrong = sum(1 for r in self.records if self.is_wrong(r))
        if not self.records:
            self.rows_caption.setText(f"Results on {self.source}. (The individual rows were not saved.)")
        else:
            self.rows_caption.setText(
                f"Results on {self.source}: the model got {wrong:,} of {len(self.records):,} "
                "row(s) wrong. Choose a row to see it in full."
            )
        if shown:
            self.rows_view.selectRow(0)

    def _on_row(self, current) -> None:
        if not current.isValid():
            return
        source = self.proxy.mapToSource(current)
        record = self.rows_model.record(source.row()).get("_record") or {}
        self.detail.setHtml(self.detail_html(record))
