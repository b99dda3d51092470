"""Charts whose pyqtgraph plot is made the first time they are shown.

Importing pyqtgraph (numpy under it) was about 40 % of start-up, and building
the Train page's three plots another tenth, though no chart is on screen when
the window opens and many sessions never show some of them.  A PlotHost keeps
what it will draw as plain data, imports pyqtgraph on a worker thread the first
time a chart is shown (the page appears at once, its charts a moment later,
the window never freezes), and builds its plot in its own event-loop pass.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable

import shiboken6
from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

PLOTTING = "tlstudio.ui.widgets.plotting"


class _Loader(QObject):
    """Imports pyqtgraph off the GUI thread once, then calls back everyone who waited (on the GUI thread)."""

    loaded = Signal()

    def __init__(self):
        super().__init__()
        self.waiting: list[tuple[QObject, Callable[[], None]]] = []
        self.started = False
        self.loaded.connect(self._deliver)

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        threading.Thread(target=self._import, name="import pyqtgraph", daemon=True).start()

    def _import(self) -> None:
        try:
            import importlib

            importlib.import_module(PLOTTING)
        except BaseException:  # noqa: BLE001 - the GUI thread imports it again and reports the error there
            pass
        try:
            self.loaded.emit()
        except RuntimeError:  # the app quit before the import finished
            pass

    def _deliver(self) -> None:
        waiting, self.waiting = self.waiting, []
        for context, callback in waiting:
            if shiboken6.isValid(context):
                callback()


_loader: _Loader | None = None


def plotting_loaded() -> bool:
    """pyqtgraph fully imported (a module still being imported by the worker is in sys.modules already)."""
    return getattr(sys.modules.get(PLOTTING), "READY", False)


def prefetch_plotting() -> None:
    """Start importing pyqtgraph in the background, for charts about to be shown (call on the GUI thread)."""
    global _loader
    if plotting_loaded():
        return
    if _loader is None:
        _loader = _Loader()
    _loader.start()


def when_plotting_loaded(context: QObject, callback: Callable[[], None]) -> None:
    """Call ``callback`` on the GUI thread once pyqtgraph is imported (at once if it is), unless ``context``
    has been deleted by then."""
    if plotting_loaded():
        callback()
        return
    prefetch_plotting()
    _loader.waiting.append((context, callback))


class PlotHost(QWidget):
    """A chart widget whose ``view`` (pg.PlotWidget) and ``plot`` (its PlotItem) exist once it was shown.

    Subclasses keep their data as plain values, draw it in ``_plot_built`` and skip drawing while ``plot``
    is None.  ``ensure_plot()`` builds it at once (for code that needs the plot itself, e.g. an export).
    """

    def __init__(self, title: str, parent: QWidget | None = None, minimum_height: int = 0):
        super().__init__(parent)
        self.title = title
        self.view = None
        self.plot = None
        self._requested = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        if minimum_height:
            self.setMinimumHeight(minimum_height)
        self.setAccessibleName(title)

    def sizeHint(self) -> QSize:
        # Splitters share their room by size hints before the plot exists: ask for a chart's usual room.
        return QSize(480, 260)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.view is None and not self._requested:
            self._requested = True
            # Its own event-loop pass: a page with three charts appears first, then builds one chart per pass.
            when_plotting_loaded(self, lambda: QTimer.singleShot(0, self, self.ensure_plot))

    def ensure_plot(self):
        """The PlotItem, built now if it was not yet."""
        if self.view is None:
            from .plotting import pg

            self.view = pg.PlotWidget(self)
            self.plot = self.view.getPlotItem()
            self.plot.setMenuEnabled(False)
            self.view.setAccessibleName(self.title)
            self._layout.addWidget(self.view)
            self._plot_built(pg)
        return self.plot

    def _plot_built(self, pg) -> None:
        """Set up the new plot and draw what the widget holds."""
        raise NotImplementedError
