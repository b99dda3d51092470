"""The desktop app: PySide6 pages over the Qt-free core.

Nothing here trains, reads data or scores models itself: pages call the core
(off the GUI thread, through ``workers``) and show what it reports.
"""
