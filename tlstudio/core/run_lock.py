"""Which run folders a live tlstudio process is training in right now.

A training process holds an operating-system lock on ``<run>/.lock`` for as
long as it trains.  The OS drops the lock when the process ends, however it
ends (a crash, SIGKILL, a power cut), so "the lock is free but run.json says
running" reliably means the process died, and the app can offer to resume.
The same lock keeps two processes from training in one folder at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

LOCK_FILE = ".lock"


class RunLock:
    """An exclusive, non-blocking lock on a run folder (a context manager)."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / LOCK_FILE
        self._handle = None

    def acquire(self) -> "RunLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+b")
        except OSError as exc:
            raise ConfigError(f"cannot write to {self.path.parent}: {exc.strerror}.",
                              "Choose a folder you can write to, or make this one writable.") from None
        if not _try_lock(handle):
            handle.close()
            raise ConfigError(
                f"the run in {self.path.parent} is being trained by another tlstudio process.",
                "Wait for it to finish or stop it first; a folder holds one run at a time.",
            )
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            # Removed while still held, so the finished run folder carries no stray lock file.
            try:
                self.path.unlink(missing_ok=True)
            except OSError:  # Windows keeps open files; the lock itself is what counts
                pass
            _unlock(self._handle)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def is_locked(folder: str | Path) -> bool:
    """True while some process (this one included) trains in ``folder``."""
    path = Path(folder) / LOCK_FILE
    if not path.is_file():
        return False
    try:
        handle = open(path, "a+b")
    except OSError:
        return False
    try:
        if _try_lock(handle):
            _unlock(handle)
            return False
        return True
    finally:
        handle.close()


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(handle) -> bool:
        # flock locks belong to the open file, so a second open in the same process conflicts too.
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
