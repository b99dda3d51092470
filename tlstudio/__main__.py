"""``python -m tlstudio``: the same entry point as the ``tlstudio`` command."""

import multiprocessing

from .launch import main

if __name__ == "__main__":
    # A frozen build re-executes itself for worker processes; this must come first.
    multiprocessing.freeze_support()
    raise SystemExit(main())
