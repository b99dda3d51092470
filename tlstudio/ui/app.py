"""Starting the desktop app: the QApplication, the error funnel, the main window."""

from __future__ import annotations

import faulthandler
import sys

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from .. import __version__


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("tlstudio")
    app.setApplicationName("tlstudio")
    app.setApplicationDisplayName("tlstudio")
    app.setApplicationVersion(__version__)
    from .refcount_guard import protect
    from .widgets.input_guard import install_input_guard

    protect()
    install_input_guard(app)  # the wheel scrolls forms, Tab leaves tables: for every widget
    return app


def _enable_crash_log() -> None:
    """Native crashes (a segfault in a library) leave a trace in the log folder."""
    from ..api import log_dir

    try:
        handle = open(log_dir() / "crash.log", "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life
        faulthandler.enable(file=handle)
    except OSError:
        pass


def startup_file(path: str | None, settings) -> str:
    """What the window opens with: the given file, else the last one opened, else the sample reviews.

    A first start thus shows real data ready to train on the bundled backbone.
    """
    if path:
        return path
    recent = settings.recent_files()
    if recent:
        return recent[0]
    from ..api import sample_path

    return str(sample_path("sentiment"))


def run_app(path: str | None = None) -> int:
    """Show the main window (with ``path``, the last file or the sample loaded) until the user quits."""
    from ..api import get_logger
    from .error_dialog import ExceptionHook
    from .main_window import MainWindow
    from .settings import Settings
    from .theme import theme

    app = create_application()
    get_logger().info("tlstudio %s starting", __version__)
    _enable_crash_log()
    settings = Settings()
    theme().set_choice(settings.get("view/theme", "system"))
    hook = ExceptionHook()
    hook.install()
    window = MainWindow(settings)
    window.show()
    first = startup_file(path, settings)
    QTimer.singleShot(0, lambda: window.open_data(first))
    try:
        return app.exec()
    finally:
        hook.uninstall()
        if window.controller.running:  # the event loop is gone; let the run save its checkpoint
            window.controller.stop()
            window.controller.wait(60_000)
        from .workers.job_thread import wait_for_threads

        wait_for_threads(60_000)  # a search or study stopped as its dialog closed
        QThreadPool.globalInstance().waitForDone(10_000)
