"""Which run folders a live tlstudio process is training in right now.

A training process holds an operating-system lock on ``<run>/.lock`` for as
long as it trains (``filelock``: flock on Unix, a locked file on Windows).  The
OS drops the lock when the process ends, however it ends (a crash, SIGKILL, a
power cut), so "the lock is free but run.json says running" reliably means the
process died, and the app can offer to resume.  The same lock keeps two
processes, or two runs in one process, from training in one folder at once.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import ConfigError

LOCK_FILE = ".lock"


class RunLock:
    """An exclusive, non-blocking lock on a run folder (a context manager)."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / LOCK_FILE
        self._lock: FileLock | None = None

    def acquire(self) -> "RunLock":
        lock = FileLock(self.path, timeout=0)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
            raise ConfigError(
                f"the run in {self.path.parent} is being trained by another tlstudio process.",
                "Wait for it to finish or stop it first; a folder holds one run at a time.",
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"cannot write to {self.path.parent}: {exc.strerror or exc}.",
                "Choose a folder you can write to, or make this one writable.",
            ) from None
        self._lock = lock
        return self

    def release(self) -> None:
        if self._lock is not None:
            # Removed while still held, so the finished run folder carries no stray lock file.
            try:
                self.path.unlink(missing_ok=True)
            except OSError:  # Windows keeps open files; the lock itself is what counts
                pass
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def is_locked(folder: str | Path) -> bool:
    """True while some process (this one included) trains in ``folder``."""
    path = Path(folder) / LOCK_FILE
    if not path.is_file():
        return False
    probe = FileLock(path, timeout=0)
    try:
        probe.acquire()
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
        return True
    except OSError:
        return False
    probe.release()
    return False
