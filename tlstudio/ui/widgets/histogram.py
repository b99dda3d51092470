"""A histogram with a marked threshold (text lengths in tokens, with max length drawn on it)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..theme import theme
from .plot_host import PlotHost


class MarkedHistogram(PlotHost):
    def __init__(self, title: str, x_label: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.x_label = x_label
        self._bars = None
        self.marker = None
        self._edges: list[float] = []
        self._counts: list[int] = []
        self._marker_value: float | None = None
        self._marker_label = ""
        theme().changed.connect(self._on_theme_changed)

    def _plot_built(self, pg) -> None:
        self.plot.hideButtons()
        self.plot.setLabel("bottom", self.x_label)
        self.plot.setLabel("left", "rows")
        self.marker = pg.InfiniteLine(
            angle=90, movable=False, label=" ", labelOpts={"position": 0.85, "anchors": [(1.05, 0.5), (1.05, 0.5)]}
        )
        self.plot.addItem(self.marker)
        self.marker.hide()
        self._draw()

    def set_histogram(self, edges: list[float], counts: list[int]) -> None:
        self._edges, self._counts = list(edges), list(counts)
        self._draw()

    def set_marker(self, value: float | None, label: str = "") -> None:
        self._marker_value, self._marker_label = value, label
        self._draw()

    def _on_theme_changed(self, colors) -> None:
        # A bound method, not a lambda: Qt drops the connection when this widget is deleted.
        self._draw()

    def _draw(self) -> None:
        if self.plot is None:
            return
        from .plotting import pg, style_plot

        colors = theme().colors
        style_plot(self.plot, colors, self.title)
        self.plot.showGrid(x=False, y=True, alpha=colors.grid_alpha)
        if self._bars is not None:
            self.plot.removeItem(self._bars)
            self._bars = None
        if self._counts:
            lefts = self._edges[:-1]
            widths = [b - a for a, b in zip(self._edges[:-1], self._edges[1:])]
            self._bars = pg.BarGraphItem(
                x0=lefts,
                width=widths,
                height=self._counts,
                y0=0,
                brush=pg.mkBrush(colors.series[0]),
                pen=pg.mkPen(colors.background),
            )
            self.plot.addItem(self._bars)
        if self._marker_value is not None:
            self.marker.setPen(pg.mkPen(colors.marker, width=2, style=pg.QtCore.Qt.DashLine))
            self.marker.show()  # before the label: pyqtgraph ignores text set on a hidden label
            self.marker.setValue(self._marker_value)
            self.marker.label.setFormat(self._marker_label)
            self.marker.label.setColor(colors.marker)
        else:
            self.marker.hide()
        high = max(self._edges[-1] if self._edges else 1, (self._marker_value or 0) * 1.05)
        self.plot.setXRange(min(self._edges[0], 0) if self._edges else 0, high, padding=0.02)
