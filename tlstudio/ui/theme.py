"""Light and dark: follow the system (or the user's choice), charts included.

Fusion is used everywhere for predictable palettes.  Qt 6.8 lets the app set
the colour scheme itself, which gives the View > Theme choice; "system"
unsets it and follows the desktop's setting (and its changes).  Charts are
drawn by pyqtgraph, which knows nothing of palettes, so they ask
:func:`chart_colors` and listen to :attr:`Theme.changed`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class ChartColors:
    background: str
    foreground: str
    grid_alpha: float
    series: tuple[str, ...]  # distinguishable line colours, in order of use
    marker: str  # reference lines (max length)
    heat_low: str
    heat_high: str
    dark: bool


# Okabe-Ito colours (readable for colour-blind users), lightened for dark backgrounds.
LIGHT = ChartColors("#ffffff", "#202020", 0.18, ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"),
                    "#b00020", "#f4f6fb", "#1f4e9c", False)
DARK = ChartColors("#1e1f22", "#e6e6e6", 0.15, ("#56B4E9", "#F0A35E", "#3CC79A", "#E69FCB", "#F5C342", "#9AD0F5"),
                   "#ff6b6b", "#2a2d33", "#5b9cf5", True)


def dark_palette() -> QPalette:
    palette = QPalette()
    colors = {
        QPalette.Window: "#2b2d31", QPalette.WindowText: "#e6e6e6", QPalette.Base: "#1e1f22",
        QPalette.AlternateBase: "#26282c", QPalette.ToolTipBase: "#2b2d31", QPalette.ToolTipText: "#e6e6e6",
        QPalette.Text: "#e6e6e6", QPalette.Button: "#33363b", QPalette.ButtonText: "#e6e6e6",
        QPalette.BrightText: "#ff6b6b", QPalette.Link: "#6ea8ff", QPalette.Highlight: "#3d6fd1",
        QPalette.HighlightedText: "#ffffff", QPalette.PlaceholderText: "#8b8e94", QPalette.Mid: "#45484e",
        QPalette.Dark: "#18191b", QPalette.Light: "#4a4d53", QPalette.Shadow: "#000000",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#7b7e84"))
    return palette


class Theme(QObject):
    """The app's current light/dark state. Signals: changed(ChartColors)."""

    changed = Signal(object)

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.app = app
        self.choice = "system"
        app.setStyle("Fusion")
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: self._apply())

    @property
    def dark(self) -> bool:
        # The user's explicit choice wins even where the platform ignores setColorScheme (many do).
        if self.choice != "system":
            return self.choice == "dark"
        return self.app.styleHints().colorScheme() == Qt.ColorScheme.Dark

    @property
    def colors(self) -> ChartColors:
        return DARK if self.dark else LIGHT

    def set_choice(self, choice: str) -> None:
        self.choice = choice if choice in THEMES else "system"
        hints = self.app.styleHints()
        if self.choice == "system":
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(Qt.ColorScheme.Dark if self.choice == "dark" else Qt.ColorScheme.Light)
        self._apply()

    def _apply(self) -> None:
        self.app.setPalette(dark_palette() if self.dark else self.app.style().standardPalette())
        # A widget with its own style sheet keeps the palette it was polished with (the page list stayed white
        # in the dark theme, "palette(placeholder-text)" labels kept their light grey): setting the sheet
        # again polishes it with the new palette.
        for widget in self.app.allWidgets():
            sheet = widget.styleSheet()
            if sheet:
                widget.setStyleSheet(sheet)
        self.changed.emit(self.colors)


_theme: Theme | None = None


def theme() -> Theme:
    """The app's Theme (created on first use, once a QApplication exists)."""
    global _theme
    app = QApplication.instance()
    if _theme is None or _theme.app is not app:
        _theme = Theme(app)
        _theme._apply()
    return _theme


def chart_colors() -> ChartColors:
    return theme().colors if QGuiApplication.instance() else LIGHT
