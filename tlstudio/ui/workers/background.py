"""Short jobs off the GUI thread (load, token statistics, predict, export) on a QThreadPool.

``run_in_background(work, ...)`` runs ``work(job)`` on a pool thread; ``job``
carries a cancel token and an ``emit(event)`` sink for progress.  Results come
back to the callbacks on the GUI thread.  A callback whose ``context`` widget
has been deleted in the meantime is skipped, so a closed page never receives
a late result.  A cancelled job is not an error: ``on_cancelled`` runs.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ...api import RunCancelled
from ...api import CancelToken
from .failures import Failure, failure_from_exception

_waiting: set["Job"] = set()  # jobs whose results have not been delivered yet (GUI thread only)

# transformers imports its classes lazily, and two threads importing them for the first time at once can
# deadlock inside the import system ("cannot import name 'AutoTokenizer'").  The first jobs that may use it
# bring the auto classes in one at a time, before their work; after that every job starts at once.  Jobs
# that never touch transformers (reading a table, listing runs) say so and skip this: importing it pulls in
# torch, seconds of work that held up the sample data at start-up and competed with the window for the GIL.
_first_imports = threading.Lock()
_warm = threading.Event()
_AUTO_MODULES = (
    "transformers.models.auto.configuration_auto",
    "transformers.models.auto.tokenization_auto",
    "transformers.models.auto.modeling_auto",
)


def settle_imports() -> None:
    """Import transformers' auto classes once, one thread at a time (called on worker threads only)."""
    if _warm.is_set():
        return
    with _first_imports:
        if _warm.is_set():
            return
        import importlib

        try:
            for name in _AUTO_MODULES:
                importlib.import_module(name)
        except ImportError:  # the work that needs them reports it in its own words
            pass
        _warm.set()


class _Relay(QObject):
    """Lives on the GUI thread; emitting from a pool thread queues the call there."""

    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progressed = Signal(object)


class Job:
    """One piece of background work and the callbacks for its outcome."""

    def __init__(
        self,
        work: Callable[["Job"], Any],
        *,
        context: QObject | None = None,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[Failure], None] | None = None,
        on_progress: Callable[[object], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_done: Callable[[], None] | None = None,
        uses_transformers: bool = True,
    ):
        self.work = work
        self.uses_transformers = uses_transformers
        self.cancel_token = CancelToken()
        self.context = context
        self._callbacks = {
            "success": on_success,
            "failure": on_failure,
            "progress": on_progress,
            "cancelled": on_cancelled,
            "done": on_done,
        }
        self.finished = False
        self._relay = _Relay()
        self._relay.succeeded.connect(lambda value: self._deliver("success", value))
        self._relay.failed.connect(lambda failure: self._deliver("failure", failure))
        self._relay.cancelled.connect(lambda: self._deliver("cancelled"))
        self._relay.progressed.connect(self._on_progress)

    # -- called on the worker thread ------------------------------------
    def emit(self, event: object) -> None:
        """The job's sink: progress events go to ``on_progress`` on the GUI thread."""
        self._relay.progressed.emit(event)

    def _run(self) -> None:
        try:
            if self.uses_transformers:
                settle_imports()
            result = self.work(self)
        except RunCancelled:
            outcome = (self._relay.cancelled, ())
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, none may kill the pool
            if self.cancel_token.cancelled:
                outcome = (self._relay.cancelled, ())
            else:
                outcome = (self._relay.failed, (failure_from_exception(exc),))
        else:
            outcome = (self._relay.cancelled, ()) if self.cancel_token.cancelled else (self._relay.succeeded, (result,))
        signal, args = outcome
        try:
            signal.emit(*args)
        except RuntimeError:  # the app is shutting down and took the relay with it: nobody is left to tell
            pass

    # -- GUI thread -------------------------------------------------------
    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.cancel_token.cancelled

    def _alive(self) -> bool:
        return self.context is None or shiboken6.isValid(self.context)

    def _on_progress(self, event: object) -> None:
        callback = self._callbacks["progress"]
        if callback and not self.finished and self._alive():
            callback(event)

    def _deliver(self, kind: str, *value: Any) -> None:
        self.finished = True
        _waiting.discard(self)
        if not self._alive():
            self._release()
            return
        callback = self._callbacks[kind]
        try:
            if callback is not None:
                callback(*value)
            elif kind == "failure":
                from ..error_dialog import show_failure

                show_failure(self.context if isinstance(self.context, QObject) else None, value[0])
        finally:
            if self._callbacks["done"] is not None:
                self._callbacks["done"]()
            self._release()

    def _release(self) -> None:
        # The relay's connections are held by Qt, where Python's collector cannot see them, so the cycle
        # job -> relay -> slot -> job was never collected: every finished job kept its work and callbacks,
        # and with them the data they captured (each opened file's whole table), until the app exited.
        self.work = None
        self._callbacks = dict.fromkeys(self._callbacks)
        self._relay.deleteLater()


class _Runnable(QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job
        self.setAutoDelete(True)

    def run(self) -> None:
        self.job._run()


def run_in_background(work: Callable[[Job], Any], **callbacks: Any) -> Job:
    """Start ``work(job)`` on the thread pool; see :class:`Job` for the callbacks.

    Pass ``uses_transformers=False`` for work that never imports transformers (it then starts at once,
    without waiting for transformers' first import; see :func:`settle_imports`).
    """
    job = Job(work, **callbacks)
    _waiting.add(job)
    QThreadPool.globalInstance().start(_Runnable(job))
    return job


def jobs_running() -> int:
    return len(_waiting)


class LatestOnly:
    """At most one job in flight and one waiting; only the newest request's result is shown.

    For live prediction while typing: each keystroke (after the debounce)
    replaces the waiting request, and a result that a newer request has
    already superseded is dropped instead of flickering onto the screen.
    """

    def __init__(
        self,
        context: QObject,
        on_success: Callable[[Any], None],
        on_failure: Callable[[Failure], None] | None = None,
        *,
        uses_transformers: bool = True,
    ):
        self.context = context
        self.uses_transformers = uses_transformers
        self.on_success = on_success
        self.on_failure = on_failure
        self._running: Job | None = None
        self._pending: Callable[[Job], Any] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def request(self, work: Callable[[Job], Any]) -> None:
        if self._running is not None:
            self._pending = work
            return
        self._start(work)

    def clear(self) -> None:
        self._pending = None

    def _start(self, work: Callable[[Job], Any]) -> None:
        self._running = run_in_background(
            work,
            context=self.context,
            on_success=self._on_success,
            on_failure=self._on_failure,
            on_done=self._on_done,
            uses_transformers=self.uses_transformers,
        )

    def _on_success(self, value: Any) -> None:
        if self._pending is None:
            self.on_success(value)

    def _on_failure(self, failure: Failure) -> None:
        if self._pending is None and self.on_failure is not None:
            self.on_failure(failure)

    def _on_done(self) -> None:
        self._running = None
        if self._pending is not None:
            work, self._pending = self._pending, None
            self._start(work)
