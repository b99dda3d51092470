"""Input hazards (the wheel over an unfocused field, Tab inside a table, faint check boxes in the dark theme),
the Train page's charts (a lone point, the legend, a new run's metrics, the time left after Stop), and the
check for Qt's X11 libraries before the window opens."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from helpers import write_sentiment_csv

LONG = 120_000  # ms: a loaded 2-core machine


def _wheel(widget, delta_y: int) -> bool:
    """Send a mouse-wheel notch over the middle of ``widget``, as the window system would; whether accepted."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, delta_y),
        Qt.NoButton,
        Qt.NoModifier,
        Qt.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def _scroll_area_of(widget):
    from PySide6.QtWidgets import QScrollArea

    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def _activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)


# --------------------------------------------------------------------------- 1a: the wheel


def test_the_wheel_scrolls_the_settings_form_past_unfocused_fields_and_changes_only_a_focused_one(qtbot, window):
    from PySide6.QtCore import Qt

    window.resize(1000, 480)  # short enough that the Model page's settings scroll
    window.show_page("model")
    page = window.model_page
    spin = page.form.editor("batch_size")
    combo = page.form.editor("eval_strategy")
    qtbot.waitUntil(spin.isVisible, timeout=10_000)
    assert spin.focusPolicy() == Qt.StrongFocus and combo.focusPolicy() == Qt.StrongFocus  # the wheel focuses none
    bar = _scroll_area_of(spin).verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=10_000)
    bar.setValue(0)
    size, strategy = spin.value(), combo.currentIndex()

    assert not spin.hasFocus()
    assert _wheel(spin, -120)  # one notch down, over the batch size
    assert spin.value() == size and bar.value() > 0  # the form scrolled instead
    scrolled = bar.value()
    assert _wheel(combo, -120)
    assert combo.currentIndex() == strategy and bar.value() > scrolled

    # Clicked into, the field is the user's: the wheel steps it.
    _activate(qtbot, window)
    _scroll_area_of(spin).ensureWidgetVisible(spin)
    qtbot.mouseClick(spin.lineEdit(), Qt.LeftButton)
    qtbot.waitUntil(spin.hasFocus, timeout=10_000)
    at = bar.value()
    _wheel(spin, 120)
    assert spin.value() == size + 1 and bar.value() == at


def test_fields_made_after_the_window_follow_the_same_rule(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox, QScrollArea, QSpinBox, QVBoxLayout, QWidget

    area = QScrollArea()
    qtbot.addWidget(area)
    content = QWidget()
    layout = QVBoxLayout(content)
    spins = [QSpinBox() for _ in range(30)]
    for spin in spins:
        spin.setValue(5)
        layout.addWidget(spin)
    combo = QComboBox()
    combo.addItems(["a", "b", "c"])
    layout.addWidget(combo)
    area.setWidget(content)
    area.resize(200, 150)
    area.show()
    qtbot.waitExposed(area)
    assert spins[0].focusPolicy() == Qt.StrongFocus and combo.focusPolicy() == Qt.StrongFocus
    _wheel(spins[1], -120)
    assert spins[1].value() == 5 and area.verticalScrollBar().value() > 0
    # At the bottom nothing scrolls: the event is left unaccepted (a real one goes on to the parents), the
    # field still unchanged.
    area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
    assert not _wheel(combo, -120) and combo.currentIndex() == 0


# --------------------------------------------------------------------------- 1b: Tab leaves tables


def test_tab_and_backtab_move_focus_out_of_the_data_table_instead_of_through_its_cells(qtbot, window, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QTableView

    window.open_data(write_sentiment_csv(tmp_path / "reviews.csv"))
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=LONG)
    window.show_page("data")
    table = window.data_page.table_view
    qtbot.waitUntil(lambda: table.model().rowCount() > 0, timeout=LONG)
    _activate(qtbot, window)
    first = table.model().index(0, 0)
    for key in (Qt.Key_Tab, Qt.Key_Backtab):
        table.setFocus(Qt.OtherFocusReason)
        table.setCurrentIndex(first)
        qtbot.waitUntil(table.hasFocus, timeout=10_000)
        qtbot.keyClick(table, key)
        assert not table.hasFocus() and QApplication.focusWidget() is not None
        assert table.currentIndex() == first  # no walk to the next cell

    # Every table in the app: the Label page's and the evaluation views' too.
    tables = window.findChildren(QTableView)
    assert window.label_page.table_view in tables and len(tables) >= 3
    assert not any(view.tabKeyNavigation() for view in tables)


# --------------------------------------------------------------------------- 1c: indicators in the dark theme


def _frame_contrast(widget, element=None) -> float:
    """The contrast of the indicator's left edge (middle row, the sharpest of its first pixels) against the
    app's window colour, measured on the widget as drawn."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionButton

    from tlstudio.ui.theme import contrast_ratio

    option = QStyleOptionButton()
    widget.initStyleOption(option)
    rect = widget.style().subElementRect(element or QStyle.SE_CheckBoxIndicator, option, widget)
    image = widget.grab().toImage()
    scale = image.width() / widget.width()
    window = QApplication.palette().color(QPalette.Window)
    row = int(rect.center().y() * scale)
    return max(
        contrast_ratio(image.pixelColor(int(x * scale), row), window) for x in range(rect.left(), rect.left() + 3)
    )


def test_check_boxes_and_radio_buttons_have_frames_of_at_least_3_to_1_in_the_dark_theme(qtbot, window):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication, QCheckBox, QRadioButton, QStyle

    from tlstudio.ui.theme import INDICATOR_CLASSES, contrast_ratio, dark_palette, theme

    try:
        theme().set_choice("dark")
        qtbot.wait(20)
        window_color = dark_palette().color(QPalette.Window)
        assert contrast_ratio(window_color, dark_palette().color(QPalette.Base)) < 3  # the fill alone is no frame
        for name in INDICATOR_CLASSES:  # the palette the indicators are drawn from
            indicator = QApplication.palette(name).color(QPalette.Active, QPalette.Window)
            assert contrast_ratio(indicator, window_color) >= 3
        # As drawn, on the app's own widgets.
        window.show_page("model")
        page = window.model_page
        qtbot.waitUntil(lambda: any(radio.isVisible() for radio in page.findChildren(QRadioButton)), timeout=10_000)
        radio = next(radio for radio in page.findChildren(QRadioButton) if radio.isVisible())
        check = next(box for box in page.findChildren(QCheckBox) if box.isVisible())
        for widget, element in ((radio, QStyle.SE_RadioButtonIndicator), (check, QStyle.SE_CheckBoxIndicator)):
            assert widget.palette().color(QPalette.Window) != window_color
            assert _frame_contrast(widget, element) >= 3, widget.text()
        lone = QCheckBox("made later")
        qtbot.addWidget(lone)
        lone.show()
        qtbot.waitExposed(lone)
        assert _frame_contrast(lone) >= 3
    finally:
        theme().set_choice("light")
    # The light theme keeps visible frames too.
    assert _frame_contrast(radio, QStyle.SE_RadioButtonIndicator) >= 3


# --------------------------------------------------------------------------- 2a, 2b: the chart itself


def _drawn(item) -> int:
    """How many points the chart handed to pyqtgraph's item."""
    x = item.getData()[0]
    return 0 if x is None else len(x)


def test_a_single_point_is_drawn_as_a_dot_with_the_view_centred_on_it(qtbot):
    from tlstudio.ui.widgets.live_chart import LiveChart

    chart = LiveChart("Learning rate", "step", legend=None)
    qtbot.addWidget(chart)
    chart.add_series("lr", "learning rate")
    chart.resize(500, 300)
    chart.show()
    qtbot.waitUntil(lambda: chart.plot is not None, timeout=30_000)
    chart.append("lr", 2, 1e-4)
    item = chart._series["lr"].item
    qtbot.waitUntil(lambda: _drawn(item) == 1, timeout=5_000)
    assert item.opts["symbol"] is not None and len(item.scatter.points()) == 1  # a visible dot

    def centred_on_the_point():  # around step 2, not -3..7; around 1e-4, not -0.5..0.5
        (x0, x1), (y0, y1) = chart.plot.getViewBox().viewRange()
        return (
            x0 < 2 < x1
            and abs((x0 + x1) / 2 - 2) < 1e-9
            and x1 - x0 <= 4
            and y0 < 1e-4 < y1
            and abs((y0 + y1) / 2 - 1e-4) < 1e-9
            and y1 - y0 < 1e-4
        )

    qtbot.waitUntil(centred_on_the_point, timeout=5_000)  # pyqtgraph's own auto-range runs on a later paint

    # A second point: a plain line again, and the view follows the data as before.
    chart.append("lr", 10, 5e-5)
    qtbot.waitUntil(lambda: _drawn(item) == 2, timeout=5_000)
    assert item.opts["symbol"] is None

    def covers_both():
        (x0, x1), (y0, y1) = chart.plot.getViewBox().viewRange()
        return x0 <= 2 and x1 >= 10 and y0 <= 5e-5 and y1 >= 1e-4

    qtbot.waitUntil(covers_both, timeout=5_000)


def test_the_legend_sits_above_the_data_and_wraps_when_the_chart_narrows(qtbot):
    from tlstudio.ui.widgets.live_chart import LiveChart

    chart = LiveChart("Validation metrics per epoch", "epoch")
    qtbot.addWidget(chart)
    names = ["accuracy", "macro f1", "precision", "recall"]
    for index, name in enumerate(names):
        chart.add_series(name, name, color_index=index, points=True)
    chart.resize(900, 300)
    chart.show()
    qtbot.waitUntil(lambda: chart.plot is not None, timeout=30_000)
    assert chart.legend_names() == []  # series without points are not named
    for index, name in enumerate(names):
        chart.set_points(name, [1, 2, 3], [0.9 - 0.1 * index, 0.92 - 0.1 * index, 0.95 - 0.1 * index])
    qtbot.waitUntil(lambda: chart.legend_names() == names, timeout=5_000)
    legend, box = chart.plot.legend, chart.plot.getViewBox()

    def rows() -> int:
        return len({round(label.sceneBoundingRect().top()) for _sample, label in legend.items})

    def clear_of_the_data() -> bool:
        shown, data = legend.sceneBoundingRect(), box.sceneBoundingRect()
        return (
            shown.height() > 0 and shown.bottom() <= data.top() + 1 and not shown.intersects(data.adjusted(0, 2, 0, 0))
        )

    qtbot.waitUntil(lambda: clear_of_the_data() and rows() == 1, timeout=5_000)
    chart.resize(260, 300)  # the window made narrow: more lines of entries, still above the data
    qtbot.waitUntil(lambda: rows() > 1 and clear_of_the_data(), timeout=5_000)
    assert all(
        label.sceneBoundingRect().right() <= chart.plot.sceneBoundingRect().right() + 1
        for _sample, label in legend.items
    )
    chart.resize(900, 300)
    qtbot.waitUntil(lambda: rows() == 1 and clear_of_the_data(), timeout=5_000)
    chart.clear()
    qtbot.waitUntil(lambda: chart.legend_names() == [], timeout=5_000)


# --------------------------------------------------------------------------- 2a, 2c, 2d: the Train page


def _fake_run(output: str, metrics: dict, fail: Exception | None = None, release=None):
    """A stand-in for the training engine: one logged step (time left: 42 s), one evaluation, then it waits for
    Stop (or fails once ``release`` is set)."""
    from tlstudio.core.progress import Evaluated, RunStarted, StepEnded, StepLogged
    from tlstudio.core.training.engine import RunResult

    def job(sink, cancel):
        sink.emit(RunStarted(100, 1.0, 10, 2, "CPU", "fp32", output))
        sink.emit(StepEnded(1, 100, 42.0))
        sink.emit(StepLogged(1, 100, 0.01, 0.9, 1e-4, 10.0, 100.0, 42.0))
        sink.emit(Evaluated(1, 1.0, metrics))
        if fail is not None:
            release.wait(60)
            raise fail
        while not cancel.cancelled:
            time.sleep(0.01)
        return RunResult("cancelled", Path(output), step=1)

    return job


def _start_fake(qtbot, window, monkeypatch, metrics, fail=None, release=None):
    from PySide6.QtCore import Qt

    controller, page = window.controller, window.train_page
    monkeypatch.setattr(
        controller,
        "start",
        lambda config, allow_pickle=False: controller.launch(
            _fake_run(config.output, metrics, fail, release), Path(config.output)
        ),
    )
    with qtbot.waitSignal(controller.evaluated, timeout=LONG):
        qtbot.mouseClick(page.start_button, Qt.LeftButton)


def test_a_new_run_starts_with_empty_charts_and_the_time_left_goes_when_it_stops(
    qtbot, window, tmp_path, monkeypatch, dialogs
):
    from PySide6.QtCore import Qt

    from tlstudio.core.errors import DataError

    window.open_data(write_sentiment_csv(tmp_path / "reviews.csv"))
    qtbot.waitUntil(lambda: window.session.table is not None, timeout=LONG)
    window.show_page("train")
    page, controller = window.train_page, window.controller
    charts = page.charts
    qtbot.waitUntil(
        lambda: all(chart.plot is not None for chart in (charts.loss, charts.learning_rate, charts.metrics)),
        timeout=30_000,
    )

    # A classification run: its metrics, and the lone first points drawn as dots around them.
    _start_fake(
        qtbot, window, monkeypatch, {"loss": 0.7, "accuracy": 0.8, "macro_f1": 0.75, "precision": 0.7, "recall": 0.72}
    )
    classification = ["accuracy", "macro f1", "precision", "recall"]
    qtbot.waitUntil(lambda: charts.metrics.legend_names() == classification, timeout=5_000)
    assert "ETA" in page.rate.text()
    lr = charts.learning_rate._series["lr"].item
    qtbot.waitUntil(lambda: _drawn(lr) == 1, timeout=5_000)
    assert lr.opts["symbol"] is not None

    def around_the_first_point():
        (x0, x1), (y0, y1) = charts.learning_rate.plot.getViewBox().viewRange()
        return x0 < 1 < x1 and x1 - x0 <= 4 and y0 < 1e-4 < y1 and y1 - y0 < 1e-4

    qtbot.waitUntil(around_the_first_point, timeout=5_000)

    with qtbot.waitSignal(controller.run_finished, timeout=LONG):
        qtbot.mouseClick(page.stop_button, Qt.LeftButton)
    assert page.rate.text() == ""  # no "ETA 42s" left behind once stopped
    qtbot.waitUntil(lambda: not controller.running, timeout=LONG)
    assert page.rate.text() == ""

    # A translation run: only what it reports, nothing left from the run before.
    _start_fake(qtbot, window, monkeypatch, {"loss": 2.5, "bleu": 12.0, "chrf": 30.0})
    qtbot.waitUntil(lambda: charts.metrics.legend_names() == ["bleu"], timeout=5_000)
    assert len(charts.metrics.plot.listDataItems()) == 1 and not charts.metrics.has_series("accuracy")
    qtbot.waitUntil(lambda: charts.loss.legend_names() == ["training loss", "validation loss"], timeout=5_000)
    assert charts.loss.point_count("train") == 1 and charts.loss.point_count("eval") == 1
    with qtbot.waitSignal(controller.run_finished, timeout=LONG):
        qtbot.mouseClick(page.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not controller.running, timeout=LONG)

    # A run that fails: the time left goes as well.
    release = threading.Event()
    _start_fake(qtbot, window, monkeypatch, {"loss": 0.5}, DataError("the data went away.", "Reload it."), release)
    assert "ETA" in page.rate.text()
    with qtbot.waitSignal(controller.run_failed, timeout=LONG):
        release.set()
    assert page.rate.text() == "" and dialogs
    qtbot.waitUntil(lambda: not controller.running, timeout=LONG)
    qtbot.waitUntil(lambda: charts.metrics.legend_names() == [], timeout=5_000)  # the failed run reported none


# --------------------------------------------------------------------------- 3: Qt's X11 libraries


def test_missing_xcb_libraries_are_named_with_one_apt_line(monkeypatch):
    from tlstudio import qt_libraries

    loads = lambda name: name not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")  # noqa: E731
    problem = qt_libraries.xcb_problem({"DISPLAY": ":0"}, "linux", loads)
    assert problem.startswith("error: ") and "\n" not in problem
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem and "packages libxcb-icccm4, libxcb-keysyms1" in problem
    assert problem.endswith(qt_libraries.APT_LINE)
    for package in (
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-image0",
        "libxcb-keysyms1",
        "libxcb-randr0",
        "libxcb-render-util0",
        "libxcb-shape0",
        "libxcb-xkb1",
        "libxkbcommon-x11-0",
    ):
        assert f" {package}" in qt_libraries.APT_LINE
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert qt_libraries.APT_LINE in readme

    # Nothing missing, another platform, or Qt not using xcb: no complaint.
    assert qt_libraries.xcb_problem({"DISPLAY": ":0"}, "linux", lambda name: True) is None
    assert qt_libraries.xcb_problem({}, "darwin", loads) is None
    assert qt_libraries.xcb_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", loads) is None
    assert qt_libraries.xcb_problem({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", loads) is None
    assert qt_libraries.xcb_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", loads) is None
    assert qt_libraries.xcb_problem({"QT_QPA_PLATFORM": "xcb"}, "linux", loads) is not None

    # A real loader: a name that does not exist is reported, one that does is not.
    assert not qt_libraries._loads("libtlstudio-no-such-library.so.9")
    monkeypatch.setitem(qt_libraries.XCB_LIBRARIES, "libtlstudio-no-such-library.so.9", "tlstudio-fake0")
    assert "libtlstudio-no-such-library.so.9" in qt_libraries.missing_libraries()


def test_the_launcher_prints_the_error_and_exits_2_before_starting_qt(monkeypatch, capsys):
    import sys

    from tlstudio import launch, qt_libraries

    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb check is for Linux")
    started = []
    import tlstudio.ui.app

    monkeypatch.setattr(tlstudio.ui.app, "run_app", lambda path: started.append(path) or 0)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(qt_libraries, "_loads", lambda name: name != "libxcb-cursor.so.0")
    assert launch.open_app(None) == 2 and started == []
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "libxcb-cursor.so.0" in lines[0]
    assert lines[0].endswith(qt_libraries.APT_LINE)

    monkeypatch.setattr(qt_libraries, "_loads", lambda name: True)
    assert launch.open_app(None) == 0 and started == [None]
