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
LIGHT = ChartColors(
    "#ffffff",
    "#202020",
    0.18,
    ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"),
    "#b00020",
    "#f4f6fb",
    "#1f4e9c",
    False,
)
DARK = ChartColors(
    "#1e1f22",
    "#e6e6e6",
    0.15,
    ("#56B4E9", "#F0A35E", "#3CC79A", "#E69FCB", "#F5C342", "#9AD0F5"),
    "#ff6b6b",
    "#2a2d33",
    "#5b9cf5",
    True,
)


# Fusion strokes the frame of a check box or radio button a shade darker than the palette's window colour: about
# 1.2:1 against the dark window (an unticked box all but vanished) and 1.7:1 against the light one.  Those two
# classes get a palette of their own (QApplication.setPalette(palette, class name): no cost when painting) whose
# window colour, which they do not fill their background with, makes Fusion's frames at least 3:1 against the
# window (WCAG 2.1, contrast of user-interface components).
INDICATOR_WINDOW = {True: "#d6dae0", False: "#8a8a8a"}  # dark, light
INDICATOR_CLASSES = ("QCheckBox", "QRadioButton")


def contrast_ratio(first: QColor | str, second: QColor | str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""

    def luminance(color) -> float:
        color = QColor(color)
        channels = []
        for value in (color.redF(), color.greenF(), color.blueF()):
            channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def indicator_palette(palette: QPalette, dark: bool) -> QPalette:
    """``palette`` for check boxes and radio buttons: a window colour that gives their indicators visible frames
    (disabled ones halfway to the window, dimmed as Qt dims their text)."""
    result = QPalette(palette)
    frame = QColor(INDICATOR_WINDOW[dark])
    for group in (QPalette.Active, QPalette.Inactive):
        result.setColor(group, QPalette.Window, frame)
    window = palette.color(QPalette.Disabled, QPalette.Window)
    result.setColor(
        QPalette.Disabled,
        QPalette.Window,
        QColor(
            (frame.red() + window.red()) // 2,
            (frame.green() + window.green()) // 2,
            (frame.blue() + window.blue()) // 2,
        ),
    )
    return result


def dark_palette() -> QPalette:
    palette = QPalette()
    colors = {
        QPalette.Window: "#2b2d31",
        QPalette.WindowText: "#e6e6e6",
        QPalette.Base: "#1e1f22",
        QPalette.AlternateBase: "#26282c",
        QPalette.ToolTipBase: "#2b2d31",
        QPalette.ToolTipText: "#e6e6e6",
        QPalette.Text: "#e6e6e6",
        QPalette.Button: "#33363b",
        QPalette.ButtonText: "#e6e6e6",
        QPalette.BrightText: "#ff6b6b",
        QPalette.Link: "#6ea8ff",
        QPalette.Highlight: "#3d6fd1",
        QPalette.HighlightedText: "#ffffff",
        QPalette.PlaceholderText: "#8b8e94",
        QPalette.Mid: "#45484e",
        QPalette.Dark: "#18191b",
        QPalette.Light: "#4a4d53",
        QPalette.Shadow: "#000000",
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
        palette = dark_palette() if self.dark else self.app.style().standardPalette()
        self.app.setPalette(palette)  # this also drops the class palettes set below: set them again after it
        indicators = indicator_palette(palette, self.dark)
        for name in INDICATOR_CLASSES:
            self.app.setPalette(indicators, name)
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
