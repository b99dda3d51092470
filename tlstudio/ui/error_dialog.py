"""Errors in front of the user: a message box for their mistakes, a report dialog for our bugs.

``install_excepthook`` routes every uncaught exception (a slot, a timer, a
thread) to the log file and to a dialog with the details ready to copy, and
the app keeps running.
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .workers.failures import Failure, failure_from_exception


def show_failure(parent: QWidget | None, failure: Failure, title: str = "tlstudio") -> None:
    """A modal message: the user's error with its hint, or a bug with copyable details."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Warning if failure.user_error else QMessageBox.Critical)
    box.setText(failure.message)
    informative = failure.hint or ""
    if failure.log_file:
        informative += f"\n\nLog file: {failure.log_file}"
    box.setInformativeText(informative.strip())
    box.setTextInteractionFlags(Qt.TextSelectableByMouse)
    if failure.details:
        box.setDetailedText(failure.details)
        copy = box.addButton("Copy details", QMessageBox.ActionRole)
        copy.setAccessibleName("Copy error details")
        # ActionRole buttons close the box by default; copying should not.
        copy.clicked.disconnect()
        copy.clicked.connect(lambda: QApplication.clipboard().setText(f"{failure.message}\n\n{failure.details}"))
    box.addButton(QMessageBox.Close)
    box.setAccessibleName("Error message")
    box.exec()


class _ExceptionRelay(QObject):
    raised = Signal(object)


class ExceptionHook:
    """Installed as sys.excepthook and threading.excepthook; shows each failure on the GUI thread."""

    def __init__(self) -> None:
        self._relay = _ExceptionRelay()
        self._relay.raised.connect(self._show)
        self._showing = False
        self.last: Failure | None = None  # for tests

    def install(self) -> None:
        sys.excepthook = self.handle
        threading.excepthook = lambda args: self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def uninstall(self) -> None:
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__

    def handle(self, exc_type, exc_value, exc_traceback) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        if exc_value is None:
            exc_value = exc_type()
        if exc_value.__traceback__ is None:
            exc_value = exc_value.with_traceback(exc_traceback)
        failure = failure_from_exception(exc_value)  # also writes the log file
        self.last = failure
        self._relay.raised.emit(failure)  # queued when raised on another thread

    def _show(self, failure: Failure) -> None:
        if self._showing:  # one dialog at a time; a burst of the same error must not stack dialogs
            return
        self._showing = True
        try:
            show_failure(QApplication.activeWindow(), failure, "tlstudio: unexpected error")
        finally:
            self._showing = False
