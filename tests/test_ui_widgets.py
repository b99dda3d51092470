"""Widgets on their own: big data stays cheap, the confusion matrix is clickable, forms map to RunConfig."""

from __future__ import annotations

import numpy as np
import pytest


def test_live_chart_keeps_100k_points_in_float64_and_draws_only_the_visible_thinned_part(qtbot):
    from tlstudio.ui.widgets.live_chart import LiveChart

    chart = LiveChart("Loss", "step", "loss")
    qtbot.addWidget(chart)
    chart.resize(800, 300)
    chart.add_series("train", "training loss")
    for step in range(100_000):
        chart.append("train", step, 1.0 / (1 + step) + (0.5 if step == 54_321 else 0.0))
    assert chart.point_count("train") == 100_000
    chart.ensure_plot()  # points kept before the chart was first shown are drawn when it is
    chart.show()
    qtbot.wait(50)
    chart._on_view_changed()
    chart.flush()
    item = chart._series["train"].item
    width = int(chart.plot.getViewBox().width())
    drawn_x, drawn_y = item.getData()
    # At most two points per pixel column reach pyqtgraph, the spike and both ends among them.
    assert drawn_x.dtype == np.float64 and 100 < len(drawn_x) <= 2 * max(width, 200)
    assert (drawn_x[0], drawn_x[-1]) == (0, 99_999) and drawn_y.max() == 1.0 and 0.5 + 1 / 54_322 in drawn_y
    assert chart.series_data("train")[0].shape == (100_000,)  # the data itself is all kept
    assert "training loss 1e-05 at 99999" in chart.accessibleDescription()

    # Zoomed in: the visible stretch is drawn point for point.
    chart.plot.setXRange(1000, 1100, padding=0)
    qtbot.waitUntil(lambda: len(item.getData()[0]) < 200, timeout=2_000)
    drawn_x, _ = item.getData()
    assert drawn_x[0] == 999 and drawn_x[-1] == 1101 and len(drawn_x) == 103

    chart.append("train", 100_000, None)  # a missing loss is a gap, not a crash
    chart.flush()
    assert np.isnan(chart.series_data("train")[1][-1])


def test_dense_curves_are_drawn_with_a_one_pixel_pen_and_sparse_ones_stay_bold(qtbot):
    # Qt strokes wider antialiased lines through a slow path: a noisy 100,000-point loss curve took
    # seconds to repaint with a 2-pixel pen and milliseconds with a 1-pixel one (docs/benchmarks.md).
    from tlstudio.ui.widgets.live_chart import LiveChart
    from tlstudio.ui.widgets.training_charts import TrainingCharts

    charts = TrainingCharts()
    qtbot.addWidget(charts)
    chart: LiveChart = charts.loss
    chart.ensure_plot()
    charts.learning_rate.ensure_plot()
    width = {key: series.item.opts["pen"].widthF() for key, series in chart._series.items()}
    assert width["train"] <= 1 and width["eval"] >= 2
    assert charts.learning_rate._series["lr"].item.opts["pen"].widthF() <= 1


def test_the_chart_redraws_on_its_timer_not_per_point(qtbot):
    from tlstudio.ui.widgets.live_chart import LiveChart

    chart = LiveChart("Loss", "step")
    qtbot.addWidget(chart)
    chart.add_series("train", "training loss")
    chart.ensure_plot()
    calls = []
    item = chart._series["train"].item
    original = item.setData
    item.setData = lambda *a, **k: (calls.append(1), original(*a, **k))
    for step in range(500):
        chart.append("train", step, 0.5)
    assert calls == []
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=2_000)


def test_dataframe_model_serves_a_million_rows_cell_by_cell(qtbot):
    import pandas as pd
    from PySide6.QtCore import Qt

    from tlstudio.ui.qmodels.dataframe_model import DISPLAY_CHARS, DataFrameModel

    frame = pd.DataFrame({"text": ["short"] * 999_999 + ["x" * 5000], "label": ["a", "b"] * 500_000})
    model = DataFrameModel(frame)
    assert model.rowCount() == 1_000_000 and model.columnCount() == 2
    last = model.index(999_999, 0)
    assert len(model.data(last)) == DISPLAY_CHARS + 1 and model.data(last).endswith("…")
    assert len(model.data(last, Qt.ToolTipRole)) == 2000
    assert model.data(model.index(999_998, 1)) == "a"
    assert model.headerData(999_999, Qt.Vertical) == "1000000"
    model.set_roles({"text": "text", "label": "label"})
    assert model.headerData(0, Qt.Horizontal) == "text  [text]"


def test_confusion_matrix_cells_are_chosen_by_click_or_keyboard_and_read_out(qtbot):
    from PySide6.QtCore import Qt

    from tlstudio.ui.widgets.confusion_matrix import ConfusionMatrixView

    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    view.set_matrix(["cat", "dog"], [[8, 2], [1, 9]])
    index = view.model.index(0, 1)
    assert view.model.data(index) == "2\n20%"
    assert view.model.data(index, Qt.AccessibleTextRole) == "true cat, predicted dog: 2 rows (mistaken), 20% of cat"
    with qtbot.waitSignal(view.cell_chosen) as chosen:
        view.choose("dog", "cat")
    assert chosen.args == ["dog", "cat"]
    view.show()
    view.table.setCurrentIndex(view.model.index(1, 1))
    with qtbot.waitSignal(view.cell_chosen) as chosen:
        qtbot.keyClick(view.table, Qt.Key_Return)
    assert chosen.args == ["dog", "dog"]


def test_config_form_shows_a_config_and_reports_edits_as_config_values(qtbot):
    from tlstudio.core.config import RunConfig
    from tlstudio.ui.widgets.config_form import ConfigForm

    form = ConfigForm(("training", "checkpoints", "tracking"))
    qtbot.addWidget(form)
    changes = []
    form.value_changed.connect(lambda name, value: changes.append((name, value)))
    form.set_config(RunConfig(batch_size=8, max_steps=None, report_to="none"))
    assert changes == []  # showing a config is not an edit
    assert form.editor("batch_size").value() == 8 and form.editor("max_steps").text() == "off (use epochs)"
    form.editor("max_steps").setValue(200)
    form.editor("max_steps").setValue(0)
    form.editor("report_to").setCurrentText("tensorboard")
    assert changes == [("max_steps", 200), ("max_steps", None), ("report_to", "tensorboard")]
    assert "Stop after this many optimizer steps" in form.editor("max_steps").toolTip()
    assert form.editor("max_steps").accessibleName() == "Max steps"


def test_probability_bars_put_the_best_class_first(qtbot):
    from tlstudio.ui.widgets.probability_bars import ProbabilityBars

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.set_scores({"neg": 0.2, "pos": 0.8})
    assert list(bars.scores_shown()) == ["pos", "neg"] and bars.scores_shown()["pos"] == pytest.approx(0.8)
    assert bars.accessibleDescription() == "pos 80.0%, neg 20.0%"


def test_dark_theme_changes_the_palette_and_the_charts(qtbot):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from tlstudio.ui.theme import DARK, LIGHT, theme
    from tlstudio.ui.widgets.live_chart import LiveChart

    from tlstudio.ui.widgets.bar_chart import CategoryBarChart
    from tlstudio.ui.widgets.confusion_matrix import ConfusionMatrixView
    from tlstudio.ui.widgets.histogram import MarkedHistogram

    chart = LiveChart("Loss", "step", "loss")
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitUntil(lambda: chart.plot is not None, timeout=30_000)
    for gone in (CategoryBarChart("x"), MarkedHistogram("x", "y"), ConfusionMatrixView(), LiveChart("x", "y")):
        gone.deleteLater()  # widgets closed earlier must not be called when the theme changes
    qtbot.wait(10)
    chart.add_series("loss", "loss")
    chart.set_points("loss", range(50), [0.7 - 0.01 * i for i in range(50)])
    chart.flush()
    qtbot.wait(50)
    try:
        with qtbot.waitSignal(theme().changed) as changed:
            theme().set_choice("dark")
        assert changed.args == [DARK]
        assert chart.plot.getAxis("left").autoSIPrefixScale == 1.0  # 0.5 stays 0.5, not "500 (x0.001)"
        assert QApplication.instance().palette().color(QPalette.Window).lightness() < 100
        assert chart.view.backgroundBrush().color().name() == DARK.background
    finally:
        theme().set_choice("light")
    assert chart.view.backgroundBrush().color().name() == LIGHT.background


def test_typing_a_learning_rate_updates_the_value_without_reformatting_under_the_cursor(qtbot):
    from tlstudio.core.config import RunConfig
    from tlstudio.ui.widgets.config_form import ConfigForm

    form = ConfigForm(("training",))
    qtbot.addWidget(form)
    values = []

    def echo(name, value):  # as the Model page does: the session changes, and the form shows it again
        values.append(value)
        form.set_config(RunConfig(learning_rate=value))

    form.value_changed.connect(echo)
    edit = form.editor("learning_rate")
    edit.clear()
    qtbot.keyClicks(edit, "0.0030")
    assert edit.text() == "0.0030" and values[-1] == 0.003
    assert 0 not in values  # "0" and "0.0" are not learning rates
