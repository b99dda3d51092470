"""One long core job on its own QThread: what the training run and the studies share.

A worker QObject is moved to a QThread whose ``run`` slot calls the core,
which blocks that thread for the whole job and reports every event through
the worker's sink; the events reach the GUI thread as queued signals.  Stop
sets the job's CancelToken straight from the GUI thread (the worker's own
event loop is busy inside the core, so a queued slot would never run).  The
thread is never terminated: it ends when the core returns, and the running
step saves and stops first.  A controller deleted mid-job (its window or
dialog closed) cancels the job, and the thread is kept alive until it ends,
because destroying a running QThread aborts the process.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from ...api import CancelToken

# Threads still running a job, with their workers; cleared as each thread ends.
_running: dict[QThread, QObject] = {}


def _release(thread: QThread) -> None:
    # finished() is emitted from the thread just before it ends; wait those last moments out before
    # deleting the QThread, which aborts the process while the thread still runs.
    thread.wait()
    worker = _running.pop(thread, None)
    if worker is not None:
        worker.deleteLater()
    thread.deleteLater()


def threads_running() -> int:
    return len(_running)


def wait_for_threads(msecs: int) -> None:
    """At exit, with the event loop gone: let runs and studies still stopping save and end."""
    for thread in list(_running):
        thread.wait(msecs)


class JobController(QObject):
    """Starts, stops and tracks one job at a time. Subclasses name the worker's signals to re-emit.

    Signal: running_changed(bool).
    """

    running_changed = Signal(bool)
    forwarded: tuple[str, ...] = ()  # the worker's signals re-emitted by the controller under the same names
    busy = "a job is already running"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._cancel: CancelToken | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def stopping(self) -> bool:
        return self._cancel is not None and self._cancel.cancelled

    def stop(self) -> None:
        """Ask the job to stop after the current step (a training run saves a checkpoint first)."""
        if self._cancel is not None:
            self._cancel.cancel()

    def wait(self, msecs: int) -> bool:
        """Block until the thread ends: only for shutting down when the event loop is gone."""
        thread = self._thread
        return thread.wait(msecs) if thread is not None else True

    def _launch(self, worker_type: type, job: Callable[[Any, CancelToken], Any], name: str) -> QObject:
        if self.running:
            raise RuntimeError(self.busy)
        cancel = self._cancel = CancelToken()
        worker = worker_type(job, cancel)
        thread = self._thread = QThread()
        thread.setObjectName(name)
        _running[thread] = worker
        worker.moveToThread(thread)
        for signal in self.forwarded:
            getattr(worker, signal).connect(getattr(self, signal))
        thread.started.connect(worker.run)
        worker.done.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        thread.finished.connect(lambda: _release(thread))
        self.destroyed.connect(lambda *_: cancel.cancel())
        thread.start()
        self.running_changed.emit(True)
        return worker

    def _on_thread_finished(self) -> None:
        self._thread = None
        self._cancel = None
        self.running_changed.emit(False)
