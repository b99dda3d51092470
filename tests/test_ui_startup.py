"""The window opens without the heavy libraries; charts are built when their page is first shown."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import REPO

# Run in a fresh interpreter: this test session has imported everything already.
SCRIPT = r"""
import sys, time
from PySide6.QtCore import QEventLoop, QSettings
from tlstudio.ui.app import create_application
from tlstudio.ui.main_window import MainWindow
from tlstudio.ui.settings import Settings

app = create_application()
settings = Settings(QSettings(sys.argv[1], QSettings.IniFormat))
settings.set_project_dir(sys.argv[2])
window = MainWindow(settings, notifications=False)
window.show()
app.processEvents()
heavy = [m for m in ("torch", "transformers", "pandas", "datasets", "numpy", "pyqtgraph") if m in sys.modules]
print("HEAVY " + ",".join(heavy))

charts = window.train_page.charts
charts.loss.append("train", 1, 0.5)  # a point arriving before the chart was ever shown
print("BUILT BEFORE SHOWN", charts.loss.plot is not None)
window.show_page("train")
deadline = time.monotonic() + 60
while any(c.plot is None for c in (charts.loss, charts.learning_rate, charts.metrics)):
    if time.monotonic() > deadline:
        raise SystemExit("the charts were not built after the page was shown")
    app.processEvents(QEventLoop.AllEvents, 20)
print("DRAWN", charts.loss._series["train"].item.getData()[1].tolist())
"""


def test_the_window_opens_without_heavy_imports_and_builds_charts_when_shown(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "settings.ini"), str(tmp_path / "project")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.split(" ", 1) if " " in line else (line, "") for line in result.stdout.splitlines())
    assert lines["HEAVY"] == ""
    assert "BUILT BEFORE SHOWN False" in result.stdout
    assert "DRAWN [0.5]" in result.stdout
