"""Image thumbnails decoded off the GUI thread, the newest request first.

The data table asks for a thumbnail when a row scrolls into view; decoding a
photo takes milliseconds, which on the GUI thread would make scrolling
through an image column stutter.  Requests go on a stack served by two pool
threads (the rows on screen now before the ones scrolled past), old requests
beyond ``QUEUED`` are dropped (they are asked again if they come back into
view), and each decoded QImage comes back through a queued signal.  QImage is
safe to build on any thread; the QPixmap is made on the GUI thread.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

QUEUED = 256
_pool: QThreadPool | None = None


def _thread_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
        _pool.setExpiryTimeout(2000)
    return _pool


def wait_for_thumbnails(msecs: int = 5000) -> bool:
    """Tests and shutdown: let decodes in flight end."""
    return _pool.waitForDone(msecs) if _pool is not None else True


class _Relay(QObject):
    decoded = Signal(int, str, object)  # generation, key, QImage (null when unreadable)


class _Requests:
    """The stack of (generation, key, path) waiting for a thread; shared with the pool threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[int, str], str] = OrderedDict()

    def push(self, generation: int, key: str, path: str) -> list[str]:
        """Queue a decode; returns the keys dropped to keep the stack short."""
        dropped = []
        with self.lock:
            self.items[(generation, key)] = path
            self.items.move_to_end((generation, key))
            while len(self.items) > QUEUED:
                (_g, old), _p = self.items.popitem(last=False)
                dropped.append(old)
        return dropped

    def pop(self):
        with self.lock:
            if not self.items:
                return None
            (generation, key), path = self.items.popitem(last=True)
            return generation, key, path

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


class _Decode(QRunnable):
    def __init__(self, requests: _Requests, relay: _Relay, size: int):
        super().__init__()
        self.requests, self.relay, self.size = requests, relay, size  # strong refs: both outlive the model
        self.setAutoDelete(True)

    def run(self) -> None:
        from PySide6.QtGui import QImage

        job = self.requests.pop()
        if job is None:
            return
        generation, key, path = job
        image = QImage(path)
        if not image.isNull():
            # Tiny images (digits) keep their pixels sharp; photos are smoothed.
            small = max(image.width(), image.height()) < self.size
            image = image.scaled(
                self.size, self.size, Qt.KeepAspectRatio, Qt.FastTransformation if small else Qt.SmoothTransformation
            )
        try:
            self.relay.decoded.emit(generation, key, image)
        except RuntimeError:  # the app is shutting down
            pass


class ThumbnailLoader(QObject):
    """Signals: ready(str key, object QPixmap or None)."""

    ready = Signal(str, object)

    def __init__(self, size: int, parent: QObject | None = None):
        super().__init__(parent)
        self.size = size
        self.generation = 0
        self._requests = _Requests()
        self._relay = _Relay()
        self._relay.decoded.connect(self._on_decoded)
        self._pending: set[str] = set()

    def request(self, key: str, path: str) -> None:
        if key in self._pending:
            return
        self._pending.add(key)
        for dropped in self._requests.push(self.generation, key, path):
            self._pending.discard(dropped)
        _thread_pool().start(_Decode(self._requests, self._relay, self.size))

    def reset(self) -> None:
        """Forget requests in flight (another file or column): their results are ignored."""
        self.generation += 1
        self._requests.clear()
        self._pending.clear()

    def _on_decoded(self, generation: int, key: str, image) -> None:
        if generation != self.generation:
            return
        from PySide6.QtGui import QPixmap

        self._pending.discard(key)
        self.ready.emit(key, None if image.isNull() else QPixmap.fromImage(image))
