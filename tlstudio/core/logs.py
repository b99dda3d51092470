"""Where tlstudio keeps its log file, and how unexpected errors get into it."""

from __future__ import annotations

import logging
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

APP_NAME = "tlstudio"


def log_dir() -> Path:
    from platformdirs import user_log_dir

    path = Path(user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_file() -> Path:
    return log_dir() / "tlstudio.log"


def get_logger() -> logging.Logger:
    """The app-wide logger, writing to a rotating file in the user log folder."""
    logger = logging.getLogger(APP_NAME)
    if not any(isinstance(h, RotatingFileHandler) for h in logger.handlers):
        try:
            handler = RotatingFileHandler(log_file(), maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        except OSError:
            return logger
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return logger


def log_exception(exc: BaseException) -> Path:
    """Write ``exc`` with its traceback to the log; returns the file it went to (for the error dialog)."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    logger = get_logger()
    logger.error("unexpected error\n%s", details)
    # The file the handler writes to, opened when the first error was logged (the log folder can only
    # differ from log_file() now if the environment changed since, as in tests).
    handler = next((h for h in logger.handlers if isinstance(h, RotatingFileHandler)), None)
    return Path(handler.baseFilename) if handler is not None else log_file()
