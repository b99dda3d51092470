"""Long jobs made of many training runs (a hyperparameter search, a labels-needed study) on their own QThread.

Threads, stop and shutdown work as for the training run (``workers/job_thread.py``):
the running trial or run saves and stops within a step.  Unlike a run, a study's
events are passed on as they come, and its result is whatever the job returns.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from ...api import RunCancelled
from ...api import CancelToken
from .failures import failure_from_exception
from .job_thread import JobController


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


class StudyController(JobController):
    """Starts, stops and tracks one study. Signals: event_emitted, returned, cancelled, failed (the worker's),
    running_changed(bool)."""

    event_emitted = Signal(object)
    returned = Signal(object)
    cancelled = Signal()
    failed = Signal(object)
    forwarded = ("event_emitted", "returned", "cancelled", "failed")
    busy = "a study is already running"

    def start(self, job: Callable[[Any, CancelToken], Any], name: str = "tlstudio-study") -> None:
        self._launch(StudyWorker, job, name)
