"""Being a good desktop citizen during long runs: keep the machine awake, say when done.

Both are best effort: where the platform offers no way (no systemd, a
locked-down session), training goes on exactly the same.  The commands are
chosen here, away from Qt, so they can be tested on any machine.

* Linux: ``systemd-inhibit`` holds a sleep/idle inhibitor for as long as a
  ``tail --pid`` child waits on this process, so a crash of tlstudio can
  never leave the machine unable to sleep.
* macOS: ``caffeinate -i -w PID``, which also ends with this process.
* Windows: ``SetThreadExecutionState`` on the calling (GUI) thread.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from typing import Callable

log = logging.getLogger("tlstudio")

_ES_CONTINUOUS = 0x80000000
_ES_SYSTEM_REQUIRED = 0x00000001


def keep_awake_command(
    pid: int, reason: str, *, platform: str = sys.platform, which: Callable[[str], str | None] = shutil.which
) -> list[str] | None:
    """The command that keeps the machine awake until process ``pid`` ends (None: no way here)."""
    if platform.startswith("linux") and which("systemd-inhibit") and which("tail"):
        return [
            "systemd-inhibit",
            "--what=sleep:idle",
            "--who=tlstudio",
            f"--why={reason}",
            "--mode=block",
            "tail",
            f"--pid={pid}",
            "-f",
            "/dev/null",
        ]
    if platform == "darwin" and which("caffeinate"):
        return ["caffeinate", "-i", "-w", str(pid)]
    return None


def notification_command(
    title: str, body: str, *, platform: str = sys.platform, which: Callable[[str], str | None] = shutil.which
) -> list[str] | None:
    """A command that shows a desktop notification, for when the app has no tray icon to use."""
    if platform.startswith("linux") and which("notify-send"):
        return ["notify-send", "--app-name=tlstudio", title, body]
    if platform == "darwin" and which("osascript"):
        quote = lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
        return ["osascript", "-e", f"display notification {quote(body)} with title {quote(title)}"]
    return None


class KeepAwake:
    """Holds off system sleep between ``acquire()`` and ``release()`` (a context manager too)."""

    def __init__(self, reason: str = "Training a model", *, command_for=keep_awake_command):
        self.reason = reason
        self._command_for = command_for
        self._process: subprocess.Popen | None = None
        self._windows = False

    @property
    def active(self) -> bool:
        return self._windows or (self._process is not None and self._process.poll() is None)

    def acquire(self) -> bool:
        """True when something now keeps the machine awake."""
        if self.active:
            return True
        if sys.platform == "win32":
            return self._acquire_windows()
        command = self._command_for(os.getpid(), self.reason)
        if command is None:
            return False
        try:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        except OSError as exc:
            log.info("cannot keep the machine awake: %s", exc)
            self._process = None
            return False
        return True

    def release(self) -> None:
        if self._windows:
            self._set_windows_state(_ES_CONTINUOUS)
            self._windows = False
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    self._process.kill()
            self._process = None

    def _acquire_windows(self) -> bool:
        self._windows = self._set_windows_state(_ES_CONTINUOUS | _ES_SYSTEM_REQUIRED)
        return self._windows

    @staticmethod
    def _set_windows_state(flags: int) -> bool:
        try:
            import ctypes

            return bool(ctypes.windll.kernel32.SetThreadExecutionState(flags))  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            return False

    def __enter__(self) -> "KeepAwake":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
