"""Horizontal bars per category (the Data page's label distribution)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..theme import theme
from .plot_host import PlotHost

MAX_BARS = 40


class CategoryBarChart(PlotHost):
    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self._bars = None
        self._counts: dict[str, int] = {}
        self.unit = "rows"
        theme().changed.connect(self._on_theme_changed)
        self._describe()

    def _plot_built(self, pg) -> None:
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self._draw()

    def set_counts(self, counts: dict[str, int], title: str | None = None, unit: str = "rows") -> None:
        """Bars for the largest MAX_BARS categories, in the order given (a new title and unit if given)."""
        self._counts = dict(counts)
        self.title = title or self.title
        self.unit = unit
        self.setAccessibleName(self.title)
        self._describe()
        self._draw()

    def _on_theme_changed(self, colors) -> None:
        # A bound method, not a lambda: Qt drops the connection when this widget is deleted.
        self._draw()

    def _largest(self) -> tuple[list[tuple[str, int]], int]:
        """The bars drawn (the largest MAX_BARS categories) and how many were left out."""
        items = list(self._counts.items())
        if len(items) > MAX_BARS:
            return sorted(items, key=lambda kv: -kv[1])[:MAX_BARS], len(items) - MAX_BARS
        return items, 0

    def _describe(self) -> None:
        """What the chart shows as text, for screen readers (kept while the plot is not built yet)."""
        items, _hidden = self._largest()
        if not items:
            self.setAccessibleDescription("no labels")
            return
        total = sum(self._counts.values())
        self.setAccessibleDescription(", ".join(f"{n}: {c} ({c / total:.0%})" for n, c in items))

    def _draw(self) -> None:
        if self.plot is None:
            return
        from .plotting import pg, style_plot

        colors = theme().colors
        style_plot(self.plot, colors, self.title)
        self.plot.showGrid(x=False, y=False)
        if self._bars is not None:
            self.plot.removeItem(self._bars)
            self._bars = None
        items, hidden = self._largest()
        if not items:
            self.plot.getAxis("left").setTicks([[]])  # no stale names from the previous data
            self.plot.setLabel("bottom", "")
            return
        names = [name if len(name) <= 24 else name[:23] + "…" for name, _ in items]
        values = [count for _, count in items]
        positions = list(range(len(items)))[::-1]  # first category at the top
        self._bars = pg.BarGraphItem(
            x0=0, y=positions, height=0.7, width=values, brush=pg.mkBrush(colors.series[0]), pen=pg.mkPen(None)
        )
        self.plot.addItem(self._bars)
        self.plot.getAxis("left").setTicks([list(zip(positions, names))])
        shown = f" (largest {MAX_BARS} of {len(self._counts)} classes)" if hidden else ""
        self.plot.setLabel("bottom", self.unit + shown)
        self.plot.setYRange(-0.6, len(items) - 0.4, padding=0)
        self.plot.setXRange(0, max(values) * 1.05, padding=0)
