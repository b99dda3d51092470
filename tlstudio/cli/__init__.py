"""The command line: ``tlstudio COMMAND`` over the core (the app opens from ``tlstudio/launch.py``).

commands.py builds the parser and dispatches; flags.py holds the flags several
commands share; models.py, studies.py and health.py hold groups of commands;
output.py prints progress and results; exit_codes.py names the exit statuses.
Importing this package loads nothing heavy: each command imports what it needs.
"""

from .commands import entry, main

__all__ = ["entry", "main"]
