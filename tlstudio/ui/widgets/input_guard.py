"""App-wide input rules, for every widget, including those made later.

- The mouse wheel over a spin box or combo box that does not have the keyboard focus scrolls the form it is in
  (the nearest scroll area) instead of changing the value: scrolling the Model page's settings turned a batch
  size of 32 into 33 unnoticed.  A field the user clicked into (or tabbed to) still takes the wheel, and the
  wheel no longer focuses a field (``Qt.StrongFocus`` instead of ``Qt.WheelFocus``).
- Tab and Shift+Tab move on to the next or previous widget from a table instead of walking its cells
  (``QTableView.setTabKeyNavigation(False)``); the arrow keys still move between cells.

One event filter on the QApplication does both, when each widget is polished (just before it is first shown),
so no page has to remember it.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QTableView, QWidget

WHEEL_FIELDS = (QAbstractSpinBox, QComboBox)
_POLISH = QEvent.Type.Polish
_WHEEL = QEvent.Type.Wheel


def adjust(widget: QObject) -> None:
    """Apply the rules to one widget (done for every widget as it is polished)."""
    if isinstance(widget, WHEEL_FIELDS):
        if widget.focusPolicy() == Qt.WheelFocus:  # Qt's default for both; a deliberate NoFocus/ClickFocus stays
            widget.setFocusPolicy(Qt.StrongFocus)
    elif isinstance(widget, QTableView):
        widget.setTabKeyNavigation(False)


def scroll_enclosing_area(widget: QWidget, event: QWheelEvent) -> bool:
    """Hand ``event`` (received by ``widget``) to the nearest enclosing scroll area that can still scroll that
    way; True if one scrolled.

    Sent on explicitly: Qt passes an ignored wheel event on to the parent only when it came from the window
    system, and the field's parent is the form's page widget, not the scroll area's viewport.
    """
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            viewport = parent.viewport()
            position = widget.mapTo(viewport, event.position())
            forwarded = QWheelEvent(
                position,
                event.globalPosition(),
                event.pixelDelta(),
                event.angleDelta(),
                event.buttons(),
                event.modifiers(),
                event.phase(),
                event.inverted(),
                event.source(),
                event.pointingDevice(),
            )
            forwarded.ignore()
            QApplication.sendEvent(viewport, forwarded)
            if forwarded.isAccepted():
                return True
        parent = parent.parentWidget()
    return False


class InputGuard(QObject):
    """The QApplication's event filter applying the rules (see the module's docstring)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == _POLISH:
            adjust(watched)
        elif kind == _WHEEL and isinstance(watched, WHEEL_FIELDS) and not watched.hasFocus():
            # Not for the field: scroll the form instead. Left unaccepted when nothing scrolled, so that
            # Qt offers a real wheel event to the field's parents as usual.
            event.setAccepted(scroll_enclosing_area(watched, event))
            return True
        return False


_guard: InputGuard | None = None


def install_input_guard(app: QApplication | None = None) -> InputGuard | None:
    """Install the rules once per QApplication (idempotent); widgets that exist already are adjusted now."""
    global _guard
    app = app or QApplication.instance()
    if app is None:
        return None
    if _guard is not None and shiboken6.isValid(_guard) and _guard.parent() is app:
        return _guard
    _guard = InputGuard(app)
    app.installEventFilter(_guard)
    for widget in app.allWidgets():
        adjust(widget)
    return _guard
