"""Start-up: from launching tlstudio to a shown, responsive window, against a bare PySide6 window.

Each launch is a fresh interpreter started from here (the clock starts before
the process is created).  The child runs ``tlstudio.ui.app.run_app`` exactly as
the ``tlstudio`` command does, with one probe added: a zero-delay timer queued
before the window is built, which fires once the event loop runs (the window is
shown and input would be handled); a second zero-delay timer, queued from the
first, marks the first pass of the loop after the shown window's events.  It
also records when the sample data the window opens with is on screen, and
which heavy libraries were already imported when the window became responsive
(they should not be).  The baseline launches a bare ``QMainWindow`` the same way.

    PYTHONPATH=. python bench/startup_time.py [--quick] [--json]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import LoadSampler, Section, ratios  # noqa: E402

HEAVY = ("torch", "transformers", "pandas", "datasets", "numpy", "pyqtgraph")

STUDIO_PROBE = r"""
import json, sys, time
from tlstudio.ui import app as studio

def report(**marks):
    print("PROBE " + json.dumps(marks), flush=True)

original = studio.create_application
def create_application(*args, **kwargs):
    application = original(*args, **kwargs)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def responsive():
        heavy = [m for m in HEAVY if m in sys.modules]
        shown = any(w.isVisible() for w in QApplication.topLevelWidgets())
        report(responsive=time.time(), shown=shown, heavy=heavy)
        QTimer.singleShot(0, lambda: report(settled=time.time()))
        def poll():
            window = next(w for w in QApplication.topLevelWidgets() if hasattr(w, "session"))
            if window.session.table is not None:
                report(data=time.time())
                application.quit()
            else:
                QTimer.singleShot(10, poll)
        poll()
    QTimer.singleShot(0, responsive)
    return application

studio.create_application = create_application
studio.run_app(None)
"""

PLAIN_PROBE = r"""
import json, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
def responsive():
    print("PROBE " + json.dumps({"responsive": time.time()}), flush=True)
    QTimer.singleShot(0, lambda: (print("PROBE " + json.dumps({"settled": time.time()}), flush=True), app.quit()))
QTimer.singleShot(0, responsive)
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.exec()
"""


def launch(probe: str, env: dict) -> dict:
    start = time.time()
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n" + probe], env=env, capture_output=True, text=True, timeout=300
    )
    marks = {}
    for line in done.stdout.splitlines():
        if line.startswith("PROBE "):
            marks.update(json.loads(line[6:]))
    if "responsive" not in marks:
        raise RuntimeError(f"the window never became responsive:\n{done.stderr[-2000:]}")
    return {k: (v - start if isinstance(v, float) else v) for k, v in marks.items()}


def measure(quick: bool = False) -> Section:
    repeats = 2 if quick else 7
    home = Path(tempfile.mkdtemp(prefix="tlstudio-bench-start-"))
    # A first start: no saved settings or recent files (the sample reviews open); logs kept apart.
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "HF_HUB_OFFLINE": "1",
        # Run from bytecode as an installed package does, even where PYTHONDONTWRITEBYTECODE is set
        # (compiling tlstudio's modules from source took a quarter of a second at every launch).
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    launch(PLAIN_PROBE, env)  # warm the file cache for both
    studio, plain = [], []
    with LoadSampler() as load:
        for _ in range(repeats):
            studio.append(launch(STUDIO_PROBE, env))
            plain.append(launch(PLAIN_PROBE, env))
    section = Section("Start-up")
    section.add("tlstudio: launch to a shown, responsive window", "s", [m["settled"] for m in studio], ("<=", 1.5))
    section.add("bare PySide6 QMainWindow: launch to a responsive window", "s", [m["settled"] for m in plain])
    section.add(
        "tlstudio / bare PySide6", "ratio", ratios([m["settled"] for m in studio], [m["settled"] for m in plain])
    )
    section.add("tlstudio: launch to the sample data on screen", "s", [m["data"] for m in studio if "data" in m])
    heavy = sorted({name for m in studio for name in m.get("heavy", [])})
    section.notes.append(
        f"{repeats} launches each, alternating, warm file cache, first start (no saved settings). "
        f"Libraries already imported when the window became responsive: "
        f"{', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}."
    )
    section.notes.append(f"load average (1 min) during this section: max {max(load.samples):.1f}")
    return section


if __name__ == "__main__":
    result = measure("--quick" in sys.argv)
    print(json.dumps(result.to_dict()) if "--json" in sys.argv else json.dumps(result.to_dict(), indent=1))
