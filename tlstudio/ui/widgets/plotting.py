"""pyqtgraph, imported once with the PySide6 binding and the app's theme applied to a plot."""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QGraphicsItem  # noqa: E402

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


__all__ = ["pg", "style_plot"]

READY = True  # last: charts waiting for a worker thread's import check this (plot_host.plotting_loaded)
