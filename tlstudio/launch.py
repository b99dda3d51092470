"""The ``tlstudio`` command: the desktop app when started alone (or with a data file), else the command line.

``tlstudio`` opens the app, ``tlstudio DATA_FILE`` opens it with that file
loaded, and everything else is ``tlstudio COMMAND`` (``tlstudio.cli``).  This
module sits above both fronts, so the command line never imports the app and
neither front knows of the other (import-linter contracts in pyproject.toml).
The app (and Qt) is imported only inside :func:`open_app`, so every command
starts without it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .cli import main as cli_main
from .cli.commands import COMMANDS
from .cli.exit_codes import EXIT_USER_ERROR


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        return open_app(None)
    # A single word that is neither a command nor a flag opens the app when it names a data file; any other
    # word goes to the command line, which says what is wrong with it.
    if (
        len(argv) == 1
        and argv[0] not in COMMANDS
        and not argv[0].startswith("-")
        and Path(argv[0]).expanduser().is_file()
    ):
        return open_app(argv[0])
    return cli_main(argv)


def open_app(path: str | None) -> int:
    """Start the desktop app (imported only now: Qt is heavy and the CLI never needs it)."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        print(
            "error: no display to open the tlstudio window on. Use the command line instead "
            "(see 'tlstudio --help'), or run it under a desktop session.",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    from .qt_libraries import xcb_problem

    problem = xcb_problem()  # checked before Qt starts: it aborts the process, blaming xcb-cursor whatever is missing
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        from .ui.app import run_app
    except ImportError as exc:
        print(
            f"error: the desktop app cannot start ({exc}). Install it with: pip install PySide6-Essentials pyqtgraph",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    return run_app(str(Path(path).expanduser().resolve()) if path else None)


def entry() -> None:
    sys.exit(main())
