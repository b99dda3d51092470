"""Desktop notifications: the tray icon where there is one, else the platform's notifier."""

from __future__ import annotations

from PySide6.QtCore import QObject, QProcess
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from ..api import notification_command


class Notifier(QObject):
    def __init__(self, icon: QIcon, parent: QObject | None = None, *, enabled: bool = True):
        super().__init__(parent)
        self.enabled = enabled
        self.sent: list[tuple[str, str]] = []  # what was shown, for tests and the log
        self._tray = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(icon, self)
            self._tray.setToolTip(QApplication.applicationDisplayName() or "tlstudio")

    def notify(self, title: str, body: str) -> None:
        self.sent.append((title, body))
        if not self.enabled:
            return
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            self._tray.show()
            self._tray.showMessage(title, body, QSystemTrayIcon.Information, 10_000)
            return
        command = notification_command(title, body)
        if command:
            QProcess.startDetached(command[0], command[1:])
