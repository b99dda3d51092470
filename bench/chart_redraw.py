"""Focused: the Train page's loss chart with 100,000 points, timed alone (no training run).

Prints, over 10 repeats, wall time and (with --cpu) the GUI thread's CPU time of
replacing the 100,000 points and repainting, of repainting alone, and of appending
one point then flushing and repainting (what a live run does ~10 times a second).
CPU time is what the chart costs; wall time also counts waiting for a core.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/chart_redraw.py [--cpu]
"""

import os
import statistics
import sys
import time

POINTS = 100_000
REPEATS = 10


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} min {min(values):.1f} max {max(values):.1f}"


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np

    from tlstudio.ui.app import create_application
    from tlstudio.ui.widgets.training_charts import TrainingCharts

    clock = time.thread_time if "--cpu" in sys.argv else time.perf_counter
    app = create_application()
    charts = TrainingCharts()
    charts.resize(1080, 560)
    charts.show()
    app.processEvents()
    chart = charts.loss
    if hasattr(chart, "ensure_plot"):
        chart.ensure_plot()
    app.processEvents()
    xs = np.arange(POINTS, dtype=np.float64)
    ys = np.exp(-xs / POINTS * 3) + np.random.default_rng(0).normal(0, 0.05, POINTS)

    def timed(action) -> float:
        start = clock()
        action()
        return (clock() - start) * 1000

    def replace(i: int) -> None:
        chart.set_points("train", xs, ys + i * 1e-3)
        chart.flush()
        chart.view.viewport().repaint()

    def append(i: int) -> None:
        chart.append("train", POINTS + i, 0.1)
        chart.flush()
        chart.view.viewport().repaint()

    updates, repaints, appends = [], [], []
    for i in range(REPEATS):
        updates.append(timed(lambda: replace(i)))
        app.processEvents()
        repaints.append(timed(chart.view.viewport().repaint))
    for i in range(REPEATS):
        appends.append(timed(lambda: append(i)))
        app.processEvents()
    print("update", summary(updates))
    print("repaint", summary(repaints))
    print("append+flush+repaint", summary(appends))
    print("drawn points", len(chart._series["train"].item.getData()[0]))


if __name__ == "__main__":
    main()
