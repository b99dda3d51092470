"""GUI responsiveness while a real run trains in the app, and chart redraw time with 100,000 points.

Opens the real main window (offscreen), loads rows of rotten_tomatoes.csv,
presses Start on the Train page (the bundled backbone, as a user would) and,
until the run finishes, records how late each tick of a 5 ms timer on the GUI
thread fires: a late tick is time the event loop was blocked.  Then it fills the
loss chart with 100,000 points and times the redraw (pyqtgraph ``setData`` and
a full repaint), as the baseline also timing a bare pyqtgraph ``PlotWidget``
with the same points and no tlstudio settings.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/gui_responsiveness.py [--quick] [--json]
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from figures import LoadSampler, Section  # noqa: E402
from training_throughput import write_split  # noqa: E402

TICK_MS = 5


def make_window(folder: Path):
    from PySide6.QtCore import QSettings

    from tlstudio.ui.app import create_application
    from tlstudio.ui.main_window import MainWindow
    from tlstudio.ui.settings import Settings

    app = create_application()
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.IniFormat))
    settings.set_project_dir(folder / "project")
    window = MainWindow(settings, notifications=False)
    window.resize(1280, 800)
    window.show()
    return app, window


def pump_until(app, condition, timeout: float = 1800.0) -> float:
    from PySide6.QtCore import QEventLoop

    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not get there in time")
        app.processEvents(QEventLoop.AllEvents, 20)
    return time.perf_counter() - start


class Frame(NamedTuple):
    filename: str
    lineno: int
    name: str


_FRAME_LINE = re.compile(r'^\s+File "(?P<file>.*)", line (?P<line>\d+) in (?P<name>.*)$')


def thread_stacks() -> dict[int, list[Frame]]:
    """Every thread's Python stack, outermost frame first, keyed by thread id.

    Read with ``faulthandler.dump_traceback``, which walks the interpreter's frames in C without
    creating frame objects.  Walking another thread's frames from Python (``sys._current_frames()``
    and ``f_back``, as ``traceback.extract_stack`` does) while that thread runs crashed CPython 3.11
    with a segmentation fault in 4 of 10 runs of this benchmark (0 of 6 without the sampler).
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
        faulthandler.dump_traceback(out, all_threads=True)
        out.seek(0)
        text = out.read()
    stacks: dict[int, list[Frame]] = {}
    current: list[Frame] | None = None
    for line in text.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x")):
            current = stacks.setdefault(int(line.split("0x", 1)[1].split()[0], 16), [])
        elif current is not None and (match := _FRAME_LINE.match(line)):
            current.append(Frame(match["file"], int(match["line"]), match["name"]))
    return {ident: list(reversed(frames)) for ident, frames in stacks.items()}


class StallSampler:
    """Samples the GUI thread's Python stack whenever its timer is late, to show what blocked it."""

    def __init__(self, last: list[float], threshold_ms: float = 40.0):
        import threading

        self.last = last
        self.threshold = threshold_ms / 1000
        self.gui_thread = threading.get_ident()
        self.stacks: dict[str, int] = {}
        self.stages: list[str] = ["starting"]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            if time.perf_counter() - self.last[0] < self.threshold:
                continue
            stack = thread_stacks().get(self.gui_thread)
            if not stack:
                continue
            # Frames below the benchmark's own pump loop: what Qt called back into while dispatching events.
            last_bench = max((i for i, f in enumerate(stack) if "/bench/" in f.filename), default=-1)
            frames = [f for f in stack[last_bench + 1 :] if "site-packages" in f.filename or "/tlstudio/" in f.filename]
            if not frames:
                where = (
                    "Qt's event loop, no Python code of tlstudio or a library running (waiting for a core or "
                    "the GIL, or in Qt's own C++ work)"
                )
            else:
                # The innermost frames, then the innermost of tlstudio's (who asked for that work).
                ours = [f for f in frames[:-2] if "/tlstudio/" in f.filename][-1:]
                where = " < ".join(_frame_name(f) for f in reversed(ours + frames[-2:]))
            key = f"[{self.stages[-1]}] {where}"
            self.stacks[key] = self.stacks.get(key, 0) + 1

    def __enter__(self) -> "StallSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self, top: int = 6) -> list[str]:
        ranked = sorted(self.stacks.items(), key=lambda item: -item[1])[:top]
        return [f"{count * 10} ms sampled late in {where}" for where, count in ranked]


def _frame_name(frame) -> str:
    """'package/module.py:line function' (tlstudio/ui/pages/data_page.py:253 _on_loaded)."""
    parts = Path(frame.filename).parts
    start = max((i for i, p in enumerate(parts) if p in ("site-packages", "tlstudio")), default=len(parts) - 2)
    start += 1 if parts[start] == "site-packages" else 0
    return f"{'/'.join(parts[start:])}:{frame.lineno} {frame.name}"


def blocked_while_training(app, window, steps: int) -> tuple[list[float], list[str]]:
    """Milliseconds each timer tick came late during one training run started from the Train page,
    and where the GUI thread was when it was late."""
    from PySide6.QtCore import QTimer

    window.session.update_config(
        max_steps=steps, batch_size=16, logging_steps=1, eval_strategy="steps", eval_steps=max(1, steps // 2)
    )
    window.show_page("train")
    page = window.train_page
    late, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    timer = QTimer(interval=TICK_MS, timeout=tick)
    finished = []
    window.controller.run_finished.connect(lambda outcome: finished.append(outcome))
    window.controller.run_failed.connect(lambda failure: finished.append(failure))
    with StallSampler(last) as stalls:
        window.controller.stage_changed.connect(lambda event: stalls.stages.append(getattr(event, "stage", "?")))
        window.controller.run_finished.connect(lambda outcome: stalls.stages.append("finished"))
        timer.start()
        page.start()
        pump_until(app, lambda: bool(finished) and not window.controller.running)
        timer.stop()
    if type(finished[0]).__name__ != "RunOutcome" or getattr(finished[0], "status", "") != "completed":
        raise RuntimeError(f"the training run did not complete: {finished[0]}")
    return late, stalls.summary()


def redraw_times(app, chart, points: int, repeats: int, clock=time.perf_counter) -> tuple[list[float], list[float]]:
    """(setData + repaint, repaint alone) in milliseconds for a LiveChart-like widget holding ``points``.

    ``clock=time.thread_time`` counts the GUI thread's CPU time instead of wall time: what the chart
    costs, without the waits for a core that a loaded machine adds.
    """
    import numpy as np

    xs = np.arange(points, dtype=np.float64)
    rng = np.random.default_rng(0)
    ys = np.exp(-xs / points * 3) + rng.normal(0, 0.05, points)
    updates, repaints = [], []
    for i in range(repeats):
        start = clock()
        chart.set_data(xs, ys + i * 1e-3)
        chart.widget.viewport().repaint()
        updates.append((clock() - start) * 1000)
        app.processEvents()
        start = clock()
        chart.widget.viewport().repaint()
        repaints.append((clock() - start) * 1000)
    return updates, repaints


class StudioChart:
    """The Train page's loss chart, fed through its own API (buffer, then the flush its timer calls)."""

    def __init__(self, window):
        self.live = window.train_page.charts.loss
        self.live.ensure_plot()  # built when first shown, which the page switch has only just asked for
        self.key = next(iter(self.live._series))
        self.widget = self.live.view

    def set_data(self, xs, ys) -> None:
        self.live.set_points(self.key, xs, ys)
        self.live.flush()


class PlainChart:
    """A bare pyqtgraph PlotWidget of the same size: what any pyqtgraph app pays."""

    def __init__(self, size):
        import pyqtgraph as pg

        self.widget = pg.PlotWidget()
        self.widget.resize(size)
        self.widget.show()
        self.curve = self.widget.plot()

    def set_data(self, xs, ys) -> None:
        self.curve.setData(xs, ys)


def measure(quick: bool = False) -> Section:
    folder = Path(tempfile.mkdtemp(prefix="tlstudio-bench-gui-"))
    train_csv, _ = write_split(folder, 128 if quick else 512, 0)
    steps, points, repeats = (4, 100_000, 3) if quick else (24, 100_000, 10)
    app, window = make_window(folder)
    window.open_data(train_csv)
    pump_until(app, lambda: window.session.table is not None and not window.controller.running)
    pump_until(app, lambda: window.session.token_lengths is not None)
    section = Section("GUI responsiveness")
    with LoadSampler() as load:
        late, stalls = blocked_while_training(app, window, steps)
        window.show_page("train")
        app.processEvents()
        # The redraw is timed on its own: after the jobs a finished run starts (its model loaded by the
        # Evaluate and Try pages, the runs listed again), which competed with it for the cores and the GIL.
        from tlstudio.ui.workers.background import jobs_running

        pump_until(app, lambda: jobs_running() == 0, timeout=600)
        studio_chart = StudioChart(window)
        studio = redraw_times(app, studio_chart, points, repeats)
        studio_cpu = redraw_times(app, studio_chart, points, repeats, time.thread_time)
        plain_chart = PlainChart(window.train_page.charts.loss.view.size())
        plain = redraw_times(app, plain_chart, points, repeats)
        plain_cpu = redraw_times(app, plain_chart, points, repeats, time.thread_time)
    ordered = sorted(late)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    section.add("GUI thread blocked during training: longest", "ms", [max(late)], ("<=", 50.0))
    section.add("GUI thread blocked during training: 99th percentile", "ms", [p99], ("<=", 50.0))
    section.add(
        "chart update with 100,000 points (setData + repaint): tlstudio loss chart", "ms", studio[0], ("<=", 16.0)
    )
    section.add("chart update with 100,000 points: bare pyqtgraph PlotWidget", "ms", plain[0])
    section.add("chart repaint with 100,000 points: tlstudio loss chart", "ms", studio[1], ("<=", 16.0))
    section.add("chart repaint with 100,000 points: bare pyqtgraph PlotWidget", "ms", plain[1])
    section.add("tlstudio / bare pyqtgraph update time", "ratio", [a / b for a, b in zip(studio[0], plain[0]) if b])
    section.add("chart update with 100,000 points, GUI-thread CPU time: tlstudio loss chart", "ms", studio_cpu[0])
    section.add("chart update with 100,000 points, GUI-thread CPU time: bare pyqtgraph", "ms", plain_cpu[0])
    section.add("chart repaint with 100,000 points, GUI-thread CPU time: tlstudio loss chart", "ms", studio_cpu[1])
    section.add("chart repaint with 100,000 points, GUI-thread CPU time: bare pyqtgraph", "ms", plain_cpu[1])
    section.notes.append(
        f"training run: {steps} steps of batch 16 on the bundled backbone, a chart point every "
        f"step, an evaluation every {max(1, steps // 2)} steps; {len(late)} ticks of a "
        f"{TICK_MS} ms timer, median lateness {statistics.median(late):.1f} ms. One run; the "
        "longest and p99 are over all its ticks."
    )
    if stalls:
        section.findings.append(
            "Where the GUI thread was when its timer ran more than 40 ms late during training "
            "(its Python stack sampled every 10 ms from another thread; [the run's stage]):"
        )
        section.findings += [f"- {line}" for line in stalls]
    section.notes.append(f"load average (1 min) during this section: max {max(load.samples):.1f}")
    window.close()
    shutil.rmtree(folder, ignore_errors=True)
    return section


if __name__ == "__main__":
    result = measure("--quick" in sys.argv)
    print(json.dumps(result.to_dict()) if "--json" in sys.argv else json.dumps(result.to_dict(), indent=1))
