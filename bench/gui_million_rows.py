"""How the app copes with a million-row file: load time and the longest GUI-thread stall.

Writes a 1,000,000-row CSV (short reviews, five labels), opens it in the
real main window (offscreen), and while it loads, profiles the labels and
measures token lengths, records the longest gap between ticks of a 10 ms
timer on the GUI thread.  Then it jumps to the last row and scrolls through
the table, timing each repaint.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen python bench/gui_million_rows.py
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
WORDS = "good bad service food room staff price quality delivery screen battery film music slow fast".split()


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("text,label\n")
        for i in range(rows):
            handle.write(" ".join(rng.choice(WORDS) for _ in range(12)) + f",class{i % 5}\n")


def main(rows: int = 1_000_000) -> None:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from tlstudio.ui.app import create_application
    from tlstudio.ui.main_window import MainWindow
    from tlstudio.ui.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="tlstudio-bench-"))
    data = folder / "million.csv"
    write_csv(data, rows)
    app = create_application()
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.IniFormat))
    settings.set_project_dir(folder / "project")
    window = MainWindow(settings, notifications=False)
    window.resize(1280, 800)
    window.show()
    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10, timeout=tick)
    timer.start()

    def pump_until(condition, timeout=600.0) -> float:
        start = time.perf_counter()
        while not condition():
            if time.perf_counter() - start > timeout:
                raise TimeoutError
            app.processEvents(QEventLoop.AllEvents, 20)
        return time.perf_counter() - start

    started = time.perf_counter()
    window.open_data(data)
    loaded = pump_until(lambda: window.session.table is not None)
    page = window.data_page
    profiled = pump_until(lambda: bool(page.label_chart._counts))
    pump_until(lambda: window.session.token_lengths is not None)
    total = time.perf_counter() - started
    worst_loading = max(gaps)
    gaps.clear()
    view = page.table_view
    repaints = []
    for row in list(range(0, rows, rows // 20)) + [rows - 1]:
        t0 = time.perf_counter()
        view.scrollTo(page.table_model.index(row, 0))
        view.viewport().repaint()
        repaints.append(time.perf_counter() - t0)
    print(f"{rows:,} rows ({data.stat().st_size / 1e6:.0f} MB): shown after {loaded:.1f} s, labels profiled after "
          f"{loaded + profiled:.1f} s, token lengths (20,000-row sample) after {total:.1f} s")
    print(f"longest GUI-thread stall while loading: {worst_loading * 1000:.0f} ms "
          f"(10 ms timer; {len(gaps)} ticks after)")
    print(f"scroll-and-repaint of the table: worst {max(repaints) * 1000:.0f} ms over {len(repaints)} jumps")
    timer.stop()
    window.close()


if __name__ == "__main__":
    main()
