"""``python -m tlstudio.cli``: kept working now that the command line is a package (it was a module)."""

from .commands import entry

if __name__ == "__main__":
    entry()
