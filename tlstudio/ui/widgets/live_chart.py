"""A chart that grows while a run trains, and stays smooth at 100,000 points.

Points are appended to float64 numpy buffers (capacity doubles, so appending
is amortised O(1)); a ~10 Hz timer hands only the changed series to
pyqtgraph, and only what can be seen: the visible x range, thinned with numpy
to the lowest and highest point of each pixel column (``decimate.py``: spikes
stay visible, at most two points per pixel reach pyqtgraph, whose own per-paint
thinning took tens of milliseconds a redraw).  Nothing is redrawn per event,
however fast events arrive; zooming or resizing thins the curve again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from ..theme import ChartColors, theme
from .plot_host import PlotHost

if TYPE_CHECKING:
    import numpy as np

    from .plotting import pg

REFRESH_MS = 100


class SeriesBuffer:
    """A growing pair of float64 arrays (float64 x keeps pyqtgraph's clip-to-view search fast).

    The arrays are made with the first point: a chart built at start-up imports no numpy.
    """

    def __init__(self, capacity: int = 1024):
        self._capacity = capacity
        self._x = self._y = None
        self.size = 0

    def append(self, x: float, y: float) -> None:
        if self._x is None or self.size == len(self._x):
            self._grow(max(self._capacity, self.size * 2))
        self._x[self.size] = x
        self._y[self.size] = float("nan") if y is None else y
        self.size += 1

    def extend(self, xs, ys) -> None:
        import numpy as np

        xs = np.asarray(xs, dtype=np.float64)
        if not (isinstance(ys, np.ndarray) and ys.dtype.kind == "f"):  # None (a missing value) becomes NaN
            ys = [np.nan if v is None else v for v in ys]
        ys = np.asarray(ys, dtype=np.float64)
        needed = self.size + len(xs)
        if self._x is None or needed > len(self._x):
            self._grow(max(needed, 2 * self.size, self._capacity))
        self._x[self.size : needed] = xs
        self._y[self.size : needed] = ys
        self.size = needed

    def clear(self) -> None:
        self.size = 0

    def _grow(self, capacity: int) -> None:
        import numpy as np

        for name in ("_x", "_y"):
            old = getattr(self, name)
            new = np.empty(capacity, dtype=np.float64)
            if old is not None:
                new[: self.size] = old[: self.size]
            setattr(self, name, new)

    @property
    def x(self) -> "np.ndarray":
        if self._x is None:
            self._grow(self._capacity)
        return self._x[: self.size]

    @property
    def y(self) -> "np.ndarray":
        if self._y is None:
            self._grow(self._capacity)
        return self._y[: self.size]

    def last(self) -> tuple[float, float] | None:
        return (float(self._x[self.size - 1]), float(self._y[self.size - 1])) if self.size else None


def _all_finite(values) -> bool:
    import numpy as np

    return bool(np.isfinite(values).all())


@dataclass
class _Series:
    name: str
    buffer: SeriesBuffer
    item: "pg.PlotDataItem | None"  # None until the chart's plot is built
    color_index: int
    points: bool
    dashed: bool
    dirty: bool = False
    lone: bool = False  # one finite point: a line series shows it as a dot, or nothing would be drawn
    in_legend: bool = False  # named in the legend only while it has points
    bounds: tuple[float, float, float, float] | None = None  # finite data drawn: x min, x max, y min, y max


class LiveChart(PlotHost):
    """One plot with named series fed point by point (or all at once).

    Points are kept from the start; the plot (and pyqtgraph) is built the first time the chart is shown.
    The legend (``legend=None``: none, the title says it all) is a row above the data, never over it, and
    names only the series that have points.
    """

    def __init__(
        self,
        title: str,
        x_label: str,
        y_label: str = "",
        parent: QWidget | None = None,
        log_y: bool = False,
        legend: str | None = "above",
    ):
        super().__init__(title, parent, minimum_height=160)
        self._labels = (x_label, y_label)
        self._log_y = log_y
        self._legend = legend
        self._series: dict[str, _Series] = {}
        self._thinned_for = None  # the (x range, width) the drawn curves were thinned for
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.flush)
        theme().changed.connect(self._apply_colors)

    def _plot_built(self, pg) -> None:
        x_label, y_label = self._labels
        self.plot.setLabel("bottom", x_label)
        if y_label:
            self.plot.setLabel("left", y_label)
        self.plot.setLogMode(y=self._log_y)
        if self._legend is not None:
            from .plotting import LegendRow

            LegendRow(self.plot)
        for series in self._series.values():
            self._add_item(series)
        self.plot.getViewBox().sigXRangeChanged.connect(self._on_view_changed)
        self.plot.getViewBox().sigResized.connect(self._on_view_changed)
        self._apply_colors(theme().colors)
        self.flush()
        self._timer.start()

    # -- series -----------------------------------------------------------
    def add_series(
        self, key: str, name: str, *, color_index: int = 0, points: bool = False, dashed: bool = False
    ) -> None:
        series = self._series[key] = _Series(name, SeriesBuffer(), None, color_index, points, dashed)
        if self.plot is not None:
            self._add_item(series)
            self._style_series(series, theme().colors)

    def _add_item(self, series: _Series) -> None:
        # Thinned and clipped here (flush), once per change, not by pyqtgraph on every repaint.
        # Unnamed: flush puts it in the legend once it has points.
        series.item = self.plot.plot()
        series.in_legend = False
        series.dirty = True

    def remove_all_series(self) -> None:
        for series in self._series.values():
            if series.item is not None:
                self.plot.removeItem(series.item)  # and from the legend
        self._series.clear()
        self._describe()

    def has_series(self, key: str) -> bool:
        return key in self._series

    def legend_names(self) -> list[str]:
        """The names the legend shows now (empty without a legend or before the plot is built)."""
        legend = self.plot.legend if self.plot is not None else None
        return legend.names() if legend is not None else []

    def append(self, key: str, x: float, y: float | None) -> None:
        series = self._series[key]
        series.buffer.append(x, y)
        series.dirty = True

    def set_points(self, key: str, xs, ys) -> None:
        series = self._series[key]
        series.buffer.clear()
        series.buffer.extend(xs, ys)
        series.dirty = True

    def clear(self) -> None:
        for series in self._series.values():
            series.buffer.clear()
            series.dirty = True
        self.flush()

    def point_count(self, key: str) -> int:
        return self._series[key].buffer.size

    def series_data(self, key: str) -> tuple["np.ndarray", "np.ndarray"]:
        buffer = self._series[key].buffer
        return buffer.x.copy(), buffer.y.copy()

    def flush(self) -> None:
        """Hand changed series to pyqtgraph (the timer does this ~10 times a second)."""
        if self.plot is None:  # drawn when the plot is built
            self._describe()
            return
        changed = False
        window = self._view_window()
        for series in self._series.values():
            if series.dirty:
                x, y = self._thinned(series.buffer, window)
                # Finite curves skip pyqtgraph's NaN scan; log axes make their own non-finite values.
                series.item.setData(x, y, connect="finite", skipFiniteCheck=not self._log_y and _all_finite(y))
                series.dirty = False
                changed = True
                self._note_drawn(series, x, y)
        if changed:
            self._thinned_for = window
            self._frame_single_values()
            self._describe()

    def _note_drawn(self, series: _Series, x, y) -> None:
        """After new data: the series' bounds, its dot if it is one point, its place in the legend."""
        import numpy as np

        finite = np.isfinite(y) & (y > 0) if self._log_y else np.isfinite(y)
        count = int(np.count_nonzero(finite))
        series.bounds = None
        if count:
            xs, ys = x[finite], y[finite]
            series.bounds = (float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max()))
        lone = count == 1 and not series.points
        if lone != series.lone:
            series.lone = lone
            self._style_series(series, theme().colors)
        legend = self.plot.legend
        if legend is not None and (series.buffer.size > 0) != series.in_legend:
            if series.in_legend:
                legend.removeItem(series.item)
            else:
                legend.addItem(series.item, series.name)
            series.in_legend = not series.in_legend

    def _frame_single_values(self) -> None:
        """Centre the view on data that spans no width or no height (a first point, a constant curve).

        pyqtgraph keeps the previous span for such an axis and centres it on the value: one loss point at
        step 2 was shown on -3..7, a first learning rate of 1e-4 on -0.5..0.5.  Here the span fits the value;
        once the data spans a range, pyqtgraph's auto-range takes over again as usual.
        """
        box = self.plot.getViewBox()
        bounds = [series.bounds for series in self._series.values() if series.bounds is not None]
        if not bounds:
            return
        follows = box.autoRangeEnabled()
        spans = (
            (min(b[0] for b in bounds), max(b[1] for b in bounds)),
            (min(b[2] for b in bounds), max(b[3] for b in bounds)),
        )
        for axis, (low, high) in enumerate(spans):
            if not follows[axis] or low != high:
                continue
            if axis == 1 and self._log_y:
                import math

                centre, half = math.log10(low), 0.5  # a decade around it
            else:
                centre, half = low, (abs(low) * 0.1 or 1.0)
                if axis == 0:
                    half = max(half, 1.0)  # steps and epochs: the neighbours of a first one
            box.setRange(
                **{"xRange" if axis == 0 else "yRange": (centre - half, centre + half)},
                padding=0,
                disableAutoRange=False,
            )

    def _view_window(self) -> tuple[tuple[float, float] | None, int]:
        """(the x range shown, or None while it follows the data; the plot's width in pixels)."""
        box = self.plot.getViewBox()
        width = max(int(box.width()), 200)  # not laid out yet: thin for a narrow chart, redone on resize
        follows = box.autoRangeEnabled()[0]
        return (None if follows else tuple(box.viewRange()[0]), width)

    @staticmethod
    def _thinned(buffer: SeriesBuffer, window):
        from .decimate import peak_decimate, visible_slice

        x, y = buffer.x, buffer.y
        shown, width = window
        if shown is not None and len(x) > 2 * width and x[0] <= x[-1]:
            part = visible_slice(x, *shown)
            x, y = x[part], y[part]
        return peak_decimate(x, y, width)

    def _on_view_changed(self, *_args) -> None:
        """Zoomed, panned or resized: thin the curves again for what is now shown (on the next tick)."""
        if self.plot is not None and self._view_window() != self._thinned_for:
            for series in self._series.values():
                series.dirty = True

    def _describe(self) -> None:
        """The chart's latest values as text, for screen readers."""
        parts = []
        for series in self._series.values():
            last = series.buffer.last()
            if last is not None:
                parts.append(f"{series.name} {last[1]:.4g} at {last[0]:g}")
        self.setAccessibleDescription("; ".join(parts) or "no data yet")

    # -- theme --------------------------------------------------------------------
    def _style_series(self, series: _Series, colors: ChartColors) -> None:
        from .plotting import pg

        color = colors.series[series.color_index % len(colors.series)]
        # Series drawn point by point (training loss, learning rate) get a 1-pixel pen: Qt strokes a
        # wider antialiased line through its slow path, which took seconds to redraw a noisy
        # 100,000-point loss curve (docs/benchmarks.md).  Per-epoch series have few points and stay bold.
        width = 2 if series.points or series.dashed else 1
        pen = pg.mkPen(color, width=width, style=pg.QtCore.Qt.DashLine if series.dashed else pg.QtCore.Qt.SolidLine)
        series.item.setPen(pen)
        if series.points or series.lone:
            series.item.setSymbol("o")
            series.item.setSymbolSize(7)
            series.item.setSymbolBrush(pg.mkBrush(color))
            series.item.setSymbolPen(pg.mkPen(colors.background))
        elif series.item.opts.get("symbol") is not None:
            series.item.setSymbol(None)

    def _apply_colors(self, colors: ChartColors) -> None:
        if self.plot is None:
            return
        from .plotting import style_plot

        style_plot(self.plot, colors, self.title)
        for series in self._series.values():
            self._style_series(series, colors)
