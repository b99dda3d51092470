"""Log records from any thread, delivered to the GUI thread as a signal (for the log pane)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal


class LogBridge(QObject):
    """A logging handler's Qt side. Signals: record_logged(str level, str text)."""

    record_logged = Signal(str, str)

    def __init__(self, parent: QObject | None = None, level: int = logging.INFO):
        super().__init__(parent)
        self.handler = _Handler(self, level)

    def attach(self, *loggers: str) -> None:
        for name in loggers:
            logging.getLogger(name).addHandler(self.handler)

    def detach(self, *loggers: str) -> None:
        for name in loggers:
            logging.getLogger(name).removeHandler(self.handler)


class _Handler(logging.Handler):
    def __init__(self, bridge: LogBridge, level: int):
        super().__init__(level)
        self.bridge = bridge
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.bridge.record_logged.emit(record.levelname.lower(), self.format(record))
        except RuntimeError:  # the window is gone while a worker still logs
            pass
