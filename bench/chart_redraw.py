"""Focused: the Train page's loss chart with 100,000 points, timed alone (no training run).

Prints, over 10 repeats, wall time and (with --cpu) the GUI thread's CPU time of
replacing the 100,000 points and repainting, of repainting alone, and of appending
one point then flushing and repainting (what a live run does ~10 times a second).
CPU time is what the chart costs; wall time also counts waiting for a core.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/chart_redraw.py [--cpu]
"""
import os, sys, time, statistics
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
clock = time.thread_time if "--cpu" in sys.argv else time.perf_counter
import numpy as np
from tlstudio.ui.app import create_application
from tlstudio.ui.widgets.training_charts import TrainingCharts
app = create_application()
charts = TrainingCharts(); charts.resize(1080, 560); charts.show(); app.processEvents()
chart = charts.loss
if hasattr(chart, "ensure_plot"): chart.ensure_plot()
app.processEvents()
n = 100_000
xs = np.arange(n, dtype=np.float64); rng = np.random.default_rng(0)
ys = np.exp(-xs / n * 3) + rng.normal(0, 0.05, n)
up, rep, app1 = [], [], []
for i in range(10):
    t = clock(); chart.set_points("train", xs, ys + i * 1e-3); chart.flush(); chart.view.viewport().repaint(); up.append((clock() - t) * 1000)
    app.processEvents()
    t = clock(); chart.view.viewport().repaint(); rep.append((clock() - t) * 1000)
for i in range(10):
    t = clock(); chart.append("train", n + i, 0.1); chart.flush(); chart.view.viewport().repaint(); app1.append((clock() - t) * 1000)
    app.processEvents()
f = lambda v: f"median {statistics.median(v):.1f} min {min(v):.1f} max {max(v):.1f}"
print("update", f(up)); print("repaint", f(rep)); print("append+flush+repaint", f(app1))
print("drawn points", len(chart._series["train"].item.getData()[0]))
