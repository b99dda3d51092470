"""A one-million-row CSV (about 200 MB) in the app, against ``pandas.read_csv(engine="pyarrow")``.

Writes the file, then measures, each in a fresh process so peak memory is its own:
pandas with the pyarrow engine (the baseline), tlstudio's reader alone
(``core.data.readers.read_table``), and the real main window (offscreen) opening
it: time until its first rows are on screen, time until the whole table is
loaded, peak memory above what the process held before (Linux VmHWM), the
longest GUI-thread stall while it loads, profiles the labels and measures token
lengths, and the worst repaint while jumping through the table.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/gui_million_rows.py [--quick] [--json]
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from figures import LoadSampler, Section, peak_rss_bytes, ratios, reset_peak_rss, rss_bytes  # noqa: E402

WORDS = "good bad service food room staff price quality delivery screen battery film music slow fast".split()


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("text,label\n")
        for i in range(rows):
            handle.write(" ".join(rng.choices(WORDS, k=30)) + f",class{i % 5}\n")


def child_read(kind: str, path: str) -> dict:
    """In a fresh process: import first, then time one read and its peak memory above the baseline."""
    if kind == "pandas":
        import pandas as pd

        read = lambda: pd.read_csv(path, engine="pyarrow")  # noqa: E731
    else:
        from tlstudio.core.data.readers import read_table

        read = lambda: read_table(path).frame  # noqa: E731
    # Both need pandas and pyarrow's CSV reader: imported before the clock starts, in both.
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401

    baseline = rss_bytes()
    reset_peak_rss()
    start = time.perf_counter()
    frame = read()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak": peak_rss_bytes() - baseline, "rows": len(frame)}


def read_in_child(kind: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def open_in_app(path: Path, rows: int, opens: int) -> dict:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from tlstudio.ui.app import create_application
    from tlstudio.ui.main_window import MainWindow
    from tlstudio.ui.settings import Settings

    from gui_responsiveness import StallSampler

    folder = path.parent
    app = create_application()
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.IniFormat))
    settings.set_project_dir(folder / "project")
    window = MainWindow(settings, notifications=False)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    timer.start()

    def pump_until(condition, timeout=900.0) -> float:
        start = time.perf_counter()
        while not condition():
            if time.perf_counter() - start > timeout:
                raise TimeoutError
            app.processEvents(QEventLoop.AllEvents, 5)
        return time.perf_counter() - start

    page = window.data_page
    model = page.table_model
    found = {"first": [], "full": [], "peak": [], "stall": [], "profiled": [], "lengths": []}
    stalls = StallSampler(last)
    with stalls:
        for repeat in range(opens):
            window.session.table = None
            model.set_frame(None)
            app.processEvents()
            baseline = rss_bytes()
            reset_peak_rss()
            started = time.perf_counter()
            gaps.clear()
            stalls.stages.append("loading")
            window.open_data(path)
            found["first"].append(pump_until(lambda: model.rowCount() > 0 and page.table_view.isVisible()))
            found["full"].append(pump_until(lambda: window.session.table is not None) + found["first"][-1])
            if repeat == 0:  # later opens reuse memory the allocator kept from the one before
                found["peak"].append(peak_rss_bytes() - baseline)
            stalls.stages.append("profiling")
            pump_until(lambda: bool(page.label_chart._counts))
            found["profiled"].append(time.perf_counter() - started)
            pump_until(lambda: window.session.token_lengths is not None)
            found["lengths"].append(time.perf_counter() - started)
            found["stall"].append(max(gaps) * 1000 - 10)
            window.session.token_lengths = None
    found["stalls"] = stalls.summary()
    repaints = []
    view = page.table_view
    for row in list(range(0, rows, max(1, rows // 20))) + [rows - 1]:
        start = time.perf_counter()
        view.scrollTo(model.index(row, 0))
        view.viewport().repaint()
        repaints.append((time.perf_counter() - start) * 1000)
    found["repaint"] = repaints
    timer.stop()
    window.close()
    return found


def measure(quick: bool = False) -> Section:
    import pandas  # noqa: F401  - imported before any clock starts, as in the reader processes
    import pyarrow.csv  # noqa: F401

    rows, repeats = (20_000, 1) if quick else (1_000_000, 3)
    folder = Path(tempfile.mkdtemp(prefix="tlstudio-bench-rows-"))
    data = folder / "million.csv"
    write_csv(data, rows)
    size = data.stat().st_size
    section = Section("Big data: a one-million-row CSV" if not quick else f"Big data: a {rows:,}-row CSV")
    with LoadSampler() as load:
        pandas_runs, studio_runs = [], []
        for _ in range(repeats):
            pandas_runs.append(read_in_child("pandas", data))
            studio_runs.append(read_in_child("tlstudio", data))
        app = open_in_app(data, rows, repeats)
    shutil.rmtree(folder, ignore_errors=True)
    pandas_s = [r["seconds"] for r in pandas_runs]
    section.add("app: first rows on screen", "s", app["first"], ("<=", 1.0))
    section.add("app: whole file loaded", "s", app["full"])
    section.add("pandas.read_csv(engine='pyarrow')", "s", pandas_s)
    section.add("app full load / pandas pyarrow", "ratio", ratios(app["full"], pandas_s), ("<=", 1.2))
    section.add("tlstudio read_table (core, no GUI)", "s", [r["seconds"] for r in studio_runs])
    section.add("read_table / pandas pyarrow", "ratio", ratios([r["seconds"] for r in studio_runs], pandas_s))
    section.add(
        "app: peak memory while loading / file size (first open)", "ratio", [p / size for p in app["peak"]], ("<=", 2.0)
    )
    section.add("pandas pyarrow: peak memory / file size", "ratio", [r["peak"] / size for r in pandas_runs])
    section.add("read_table: peak memory / file size", "ratio", [r["peak"] / size for r in studio_runs])
    section.add("app: longest GUI-thread stall while loading and profiling", "ms", app["stall"], ("<=", 50.0))
    section.add("app: labels profiled", "s", app["profiled"])
    section.add("app: token lengths measured (20,000-row sample)", "s", app["lengths"])
    section.add("app: table jump + repaint, worst of 21 jumps", "ms", [max(app["repaint"])])
    section.notes.append(
        f"{rows:,} rows, {size / 1e6:.0f} MB (text of 30 words, 5 labels). Readers each run in a "
        f"fresh process with pandas/pyarrow already imported; peak memory is the rise of the "
        f"process's peak RSS over its RSS before the read. The app opens the file {repeats} times "
        f"in one window; pandas and pyarrow are imported before any clock starts (in a real session the sample "
        f"data opened at start-up has imported them). Peak memory is taken on the first open only."
    )
    if app["stalls"]:
        section.findings.append(
            "Where the GUI thread was when its 10 ms timer ran more than 40 ms late while the "
            "file loaded and was profiled (its Python stack sampled every 10 ms from another "
            "thread; [stage]):"
        )
        section.findings += [f"- {line}" for line in app["stalls"]]
    section.notes.append(f"load average (1 min) during this section: max {max(load.samples):.1f}")
    return section


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child_read(sys.argv[2], sys.argv[3])))
    else:
        result = measure("--quick" in sys.argv)
        print(json.dumps(result.to_dict()) if "--json" in sys.argv else json.dumps(result.to_dict(), indent=1))
