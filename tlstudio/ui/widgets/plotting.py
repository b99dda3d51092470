"""pyqtgraph, imported once with the PySide6 binding and the app's theme applied to a plot."""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy  # noqa: E402

from ..theme import ChartColors  # noqa: E402

pg.setConfigOptions(antialias=True, background="w", foreground="k")


def style_plot(plot: "pg.PlotItem", colors: ChartColors, title: str | None = None) -> None:
    """Background, axes, grid and title in the theme's colours."""
    view = plot.getViewWidget()
    if view is not None:
        view.setBackground(colors.background)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        # An axis draws its ticks, labels and grid lines from a QPicture on every repaint of the plot
        # (about 4 ms each with the grid on); cached as a pixmap, they are redrawn only when they change.
        axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        # Grid lines at the labelled and the minor ticks, not the finest level: half the lines to stroke
        # whenever a growing curve moves the axis (a third of a live chart's redraw).
        axis.setStyle(maxTickLevel=1)
        axis.setPen(pg.mkPen(colors.foreground))
        axis.setTextPen(pg.mkPen(colors.foreground))
        _no_si_prefix(axis)
    plot.showGrid(x=True, y=True, alpha=colors.grid_alpha)
    if title is not None:
        plot.setTitle(title, color=colors.foreground, size="10pt")
    legend = plot.legend
    if legend is not None:
        legend.setLabelTextColor(colors.foreground)
        for _sample, label in legend.items:  # setLabelTextColor only re-colours labels added later
            label.setText(label.text, color=colors.foreground)
        legend.setBrush(pg.mkBrush(colors.background + "c0" if colors.background.startswith("#") else None))


class LegendRow(pg.LegendItem):
    """A legend in the plot's own grid, in the row between the title and the data (the hidden top axis's).

    pyqtgraph floats its legend over the view box, where it hid the curves it names (behind a 75 % opaque
    box); here it takes a row of its own, only as tall as its entries (none while it is empty), and lays them
    out side by side, as many to a line as the plot is wide.
    """

    SPACING = 12  # pixels between one entry and the next

    def __init__(self, plot: "pg.PlotItem"):
        super().__init__(offset=None, frame=False, horSpacing=4, verSpacing=0)
        self.layout.setContentsMargins(2, 0, 2, 0)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self._plot = plot
        plot.layout.removeItem(plot.getAxis("top"))  # never shown; its cell holds the legend
        plot.layout.addItem(self, 1, 1, alignment=Qt.AlignHCenter | Qt.AlignBottom)
        plot.legend = self
        plot.vb.sigResized.connect(lambda _box: self._lay_out())

    def names(self) -> list[str]:
        return [label.text for _sample, label in self.items]

    def hoverEvent(self, event) -> None:  # noqa: N802 - pyqtgraph's name
        pass  # a floating legend can be dragged about; this one stays in its row

    def mouseDragEvent(self, event) -> None:  # noqa: N802 - pyqtgraph's name
        event.ignore()

    def _addItemToLayout(self, sample, label) -> None:  # noqa: N802 - pyqtgraph's name
        pass  # placed by _lay_out, which updateSize calls next

    def updateSize(self) -> None:  # noqa: N802 - pyqtgraph's name; the plot's layout sizes the legend
        self._lay_out(force=True)

    def _lay_out(self, force: bool = False) -> None:
        widths = [sample.boundingRect().width() + 4 + label.minimumWidth() for sample, label in self.items]
        room = max(self._plot.vb.width(), 100.0)
        columns = max(1, min(len(widths), int((room + self.SPACING) // (max(widths, default=1) + self.SPACING))))
        if not force and columns == self.columnCount:
            return
        self.columnCount = columns
        self.rowCount = -(-len(self.items) // columns)
        for index in range(self.layout.count() - 1, -1, -1):
            self.layout.removeAt(index)
        for index, (sample, label) in enumerate(self.items):
            row, column = divmod(index, columns)
            self.layout.addItem(sample, row, 2 * column, alignment=Qt.AlignVCenter)
            self.layout.addItem(label, row, 2 * column + 1)
            self.layout.setColumnSpacing(2 * column + 1, self.SPACING)
        self.updateGeometry()


def _no_si_prefix(axis) -> None:
    """Plain numbers on the axis: "loss (x0.001)" or "epoch (x0.001)" read as nonsense.

    pyqtgraph's enableAutoSIPrefix(False) still recomputes the prefix scale from the current
    range (and then never again), so the scale is reset by hand.
    """
    axis.enableAutoSIPrefix(False)
    axis.autoSIPrefixScale = 1.0
    axis.labelUnitPrefix = ""
    axis._updateLabel()
    axis.picture = None  # redraw the ticks with the plain scale
    axis.update()


__all__ = ["LegendRow", "pg", "style_plot"]

READY = True  # last: charts waiting for a worker thread's import check this (plot_host.plotting_loaded)
