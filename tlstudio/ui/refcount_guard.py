"""A guard against a reference-count bug of PySide6 6.12 on Python 3.11 (and older).

PySide6 6.12.0 drops one reference to ``None`` for every call of a Qt method
that returns nothing, and one to ``True`` for every ``Signal.emit()``.  From
Python 3.12 on these objects are immortal and nothing happens; on 3.11 their
counts run down as the app works (a training run emits a few signals per
step), and when one reaches zero the interpreter aborts ("deallocating
None/True").  The guard measures whether this PySide6 has the bug and, if it
does, keeps a ballast of references to those objects, topped up every few
seconds, so their counts never come near zero.  It costs 8 bytes a
reference (16 MB per top-up, one every few hours of training) and nothing at
all where the bug is absent.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal

BALLAST = 2_000_000  # references added per top-up
LOW_WATER = 1_000_000  # top up when an object's count falls below this
CHECK_MS = 2_000

_guard: "RefcountGuard | None" = None


class _Probe(QObject):
    fired = Signal()


def leaking_objects() -> list[object]:
    """Which of None and True this PySide6 under-counts (empty on Python 3.12+ or a fixed PySide6)."""
    probe, leaks = _Probe(), []
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")  # a method that returns nothing
    if sys.getrefcount(None) <= before - 32:
        leaks.append(None)
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.fired.emit()
    if sys.getrefcount(True) <= before - 32:
        leaks.append(True)
    return leaks


class RefcountGuard(QObject):
    def __init__(self, objects: list[object], parent: QObject | None = None):
        super().__init__(parent)
        self.objects = objects
        self.ballast: list[list[object]] = []
        self.top_up()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.top_up)
        self.timer.start()

    def top_up(self) -> None:
        for obj in self.objects:
            if sys.getrefcount(obj) < LOW_WATER:
                self.ballast.append([obj] * BALLAST)


def protect() -> RefcountGuard | None:
    """Install the guard once per process where the bug is present (needs a Q(Core)Application)."""
    global _guard
    if _guard is None:
        objects = leaking_objects()
        if objects:
            # Parentless and module-held: it must outlive every window.
            _guard = RefcountGuard(objects)
    return _guard
