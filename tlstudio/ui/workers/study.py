"""Long jobs made of many training runs (a hyperparameter search, a labels-needed study) on their own QThread.

The same pattern as the training run (``workers/training.py``): a worker
QObject moved to a QThread whose ``run`` slot calls the core, which blocks
that thread for the whole job and reports every event through the worker's
sink; the events arrive on the GUI thread as queued signals.  Stop sets the
job's CancelToken straight from the GUI thread; the thread is never
terminated and ends when the core returns (the running trial or run saves
and stops within a step).  A controller deleted mid-job (its dialog closed)
cancels the job, and the thread is kept alive until it ends.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ...core.errors import RunCancelled
from ...core.progress import CancelToken
from .failures import failure_from_exception
from .training import _release, _running


class StudyWorker(QObject):
    """Runs ``job(sink, cancel)``. Signals: event_emitted (every core event), returned (the job's result),
    cancelled (stopped before a result), failed (Failure), done (always last)."""

    event_emitted = Signal(object)
    returned = Signal(object)
    cancelled = Signal()
    failed = Signal(object)
    done = Signal()

    def __init__(self, job: Callable[[Any, CancelToken], Any], cancel: CancelToken):
        super().__init__()
        self._job = job
        self._cancel = cancel

    def emit(self, event: object) -> None:  # the core's sink, called on the worker thread
        self.event_emitted.emit(event)

    @Slot()
    def run(self) -> None:
        try:
            from .background import settle_imports

            settle_imports()
            result = self._job(self, self._cancel)
        except RunCancelled:
            self.cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - the thread must always report and end
            if self._cancel.cancelled:
                self.cancelled.emit()
            else:
                self.failed.emit(failure_from_exception(exc))
        else:
            self.returned.emit(result)
        finally:
            self.done.emit()


class StudyController(QObject):
    """Starts, stops and tracks one study. Signals: event_emitted, returned, cancelled, failed (the worker's),
    running_changed(bool)."""

    event_emitted = Signal(object)
    returned = Signal(object)
    cancelled = Signal()
    failed = Signal(object)
    running_changed = Signal(bool)

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

    def start(self, job: Callable[[Any, CancelToken], Any], name: str = "tlstudio-study") -> None:
        if self.running:
            raise RuntimeError("a study is already running")
        cancel = self._cancel = CancelToken()
        worker = StudyWorker(job, cancel)
        thread = self._thread = QThread()
        thread.setObjectName(name)
        _running[thread] = worker
        worker.moveToThread(thread)
        for signal in ("event_emitted", "returned", "cancelled", "failed"):
            getattr(worker, signal).connect(getattr(self, signal))
        thread.started.connect(worker.run)
        worker.done.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        thread.finished.connect(lambda: _release(thread))
        self.destroyed.connect(lambda *_: cancel.cancel())
        thread.start()
        self.running_changed.emit(True)

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def wait(self, msecs: int) -> bool:
        thread = self._thread
        return thread.wait(msecs) if thread is not None else True

    def _on_thread_finished(self) -> None:
        self._thread = None
        self._cancel = None
        self.running_changed.emit(False)
