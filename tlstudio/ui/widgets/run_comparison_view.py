"""Two runs' metrics side by side (core.runs.comparison.RunComparison): the better value of each row in bold
green, the difference, the settings that differ (domain adaptation called out) and the caveats."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# (light theme, dark theme): the dark theme's greens and reds are lighter so they read on a dark base.
BETTER = (QColor("#2e7d32"), QColor("#81c784"))
WORSE = (QColor("#c62828"), QColor("#e57373"))


def _item(text: str, *, align=Qt.AlignRight | Qt.AlignVCenter) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(align)
    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
    return item


def _setting_text(value) -> str:
    return "—" if value is None else str(value)


class RunComparisonView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.comparison = None
        self.summary = QLabel("Select two runs of the same task and press Compare metrics.", self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Comparison summary")
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.metrics = QTableWidget(0, 4, self)
        self.metrics.setAccessibleName("Metrics of the two runs side by side")
        self.settings = QTableWidget(0, 3, self)
        self.settings.setAccessibleName("Settings that differ between the two runs")
        for table in (self.metrics, self.settings):
            table.verticalHeader().hide()
            table.setEditTriggers(QAbstractItemView.NoEditTriggers)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
            table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #c77700;")
        self.notes.setAccessibleName("Caveats of the comparison")
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(self.metrics)
        split.addWidget(self.settings)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(self.notes)

    def show_comparison(self, comparison) -> None:
        from ...api import format_difference, format_value

        self.comparison = comparison
        a, b = comparison.a.name, comparison.b.name
        tags = (
            ["with domain adaptation" if adapted else "without domain adaptation" for adapted in comparison.adaptation]
            if len(set(comparison.adaptation)) == 2
            else ["", ""]
        )
        short_a, short_b = distinct_names(a, b)
        heads = [f"{name}\n({tag})" if tag else name for name, tag in zip((short_a, short_b), tags)]
        self.metrics.setHorizontalHeaderLabels(["metric", *heads, "difference"])
        for column, full in ((1, a), (2, b)):
            self.metrics.horizontalHeaderItem(column).setToolTip(full)
        self.metrics.setRowCount(len(comparison.metrics))
        dark = self.palette().base().color().lightness() < 128
        better, worse = BETTER[dark], WORSE[dark]
        bold = QFont(self.font())
        bold.setBold(True)
        for row, metric in enumerate(comparison.metrics):
            title = metric.title + ("" if metric.higher_is_better else " (lower is better)")
            self.metrics.setItem(row, 0, _item(title, align=Qt.AlignLeft | Qt.AlignVCenter))
            for column, (side, value) in enumerate((("a", metric.a), ("b", metric.b)), start=1):
                item = _item(format_value(value, metric.key))
                if metric.better == side:
                    item.setFont(bold)
                    item.setForeground(QBrush(better))
                self.metrics.setItem(row, column, item)
            difference = _item(format_difference(metric))
            if metric.better and metric.quality:
                difference.setForeground(QBrush(better if metric.better == "b" else worse))
            self.metrics.setItem(row, 3, difference)
        self.settings.setHorizontalHeaderLabels(["setting that differs", short_a, short_b])
        for column, full in ((1, a), (2, b)):
            self.settings.horizontalHeaderItem(column).setToolTip(full)
        self.settings.setRowCount(len(comparison.settings))
        for row, (name, value_a, value_b) in enumerate(comparison.settings):
            name_item = _item(name, align=Qt.AlignLeft | Qt.AlignVCenter)
            if name.startswith("adapt") or name == "mlm_probability":
                name_item.setFont(bold)
            self.settings.setItem(row, 0, name_item)
            self.settings.setItem(row, 1, _item(_setting_text(value_a), align=Qt.AlignLeft | Qt.AlignVCenter))
            self.settings.setItem(row, 2, _item(_setting_text(value_b), align=Qt.AlignLeft | Qt.AlignVCenter))
        self.summary.setText(
            f"<b>{escape(comparison.summary())}</b> Differences read as {escape(b)} minus "
            f"{escape(a)}; the better value of each row is in green."
        )
        self.notes.setText(" ".join(comparison.notes))
        self.notes.setVisible(bool(comparison.notes))

    def value_text(self, row: int, column: int) -> str:
        item = self.metrics.item(row, column)
        return item.text() if item is not None else ""


def distinct_names(a: str, b: str, keep: int = 6, longest: int = 28) -> tuple[str, str]:
    """Two run names shortened for narrow headers so that the part where they differ stays visible:
    'reviews-20261207-1530' and 'reviews-20261207-1545' become 'review…1530' and 'review…1545'."""
    if len(a) <= longest and len(b) <= longest:
        return a, b
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    cut = max(keep, min(common, len(a), len(b)) - 2)  # keep a little of the shared part as context

    def short(name: str) -> str:
        tail = name[cut:]
        if len(tail) > longest - keep - 1:
            tail = tail[: longest - keep - 2] + "…"
        return name if cut <= keep else name[:keep] + "…" + tail

    return short(a), short(b)
