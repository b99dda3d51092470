"""The frozen program's entry point: the same sub-commands as ``tlstudio``, and the app when there is one.

``multiprocessing.freeze_support()`` comes first: a frozen program re-executes
itself to start worker processes, and without it each worker would start
tlstudio again.  Training already keeps data loading in the main process
(``dataloader_num_workers=0``), so a frozen tlstudio never spawns copies of itself.
"""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    from tlstudio.launch import main as launch_main

    if len(sys.argv) > 1:
        return launch_main()
    try:
        import tlstudio.ui.app  # noqa: F401  (only to learn whether this build has the app)
    except ImportError:  # a build without the desktop app: show the command line's help
        return launch_main(["--help"])
    # With no arguments `tlstudio` opens the app (checking first for a display and Qt's system libraries).
    # This called a main() the app module does not have, so every frozen build printed the help instead.
    return launch_main([])


if __name__ == "__main__":
    sys.exit(main())
