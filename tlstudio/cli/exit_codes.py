"""The command line's exit codes, shared by every command module."""

EXIT_USER_ERROR = 2  # one ``error: ...`` line on stderr
EXIT_INTERRUPTED = 130  # Ctrl+C or Stop: a checkpoint is saved first where there is one
