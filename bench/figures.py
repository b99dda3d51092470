"""What every benchmark returns: named figures (several runs each), the machine they ran on, the load.

A section script's ``measure(quick)`` returns a :class:`Section`; ``run_all.py``
runs each section in its own process and reads it back as JSON, so figures are
plain data.  A figure keeps every run's value; the report shows the median with
the min and max, and checks it against its target (if it has one).
"""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    name: str
    unit: str
    values: list[float]
    # A target such as ("<=", 50.0): met when the median compares so.  None: reported only.
    target: tuple[str, float] | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def met(self) -> bool | None:
        if self.target is None or not self.values:
            return None
        op, bound = self.target
        return self.median <= bound if op == "<=" else self.median >= bound

    def to_dict(self) -> dict:
        return {**asdict(self), "target": list(self.target) if self.target else None}

    @classmethod
    def from_dict(cls, data: dict) -> "Figure":
        target = tuple(data["target"]) if data.get("target") else None
        return cls(data["name"], data["unit"], list(data["values"]), target, data.get("note", ""))


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Where a target was missed: what the profile showed (markdown lines).
    findings: list[str] = field(default_factory=list)

    def add(self, name: str, unit: str, values, target=None, note: str = "") -> Figure:
        figure = Figure(name, unit, [float(v) for v in values], target, note)
        self.figures.append(figure)
        return figure

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "figures": [f.to_dict() for f in self.figures],
            "notes": self.notes,
            "findings": self.findings,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Section":
        return cls(
            data["title"],
            [Figure.from_dict(f) for f in data["figures"]],
            data.get("notes", []),
            data.get("findings", []),
        )


def ratios(top: list[float], bottom: list[float]) -> list[float]:
    """Run-by-run ratios of paired measurements (run i of one against run i of the other)."""
    return [a / b for a, b in zip(top, bottom) if b]


class LoadSampler:
    """Samples the 1-minute load average every few seconds while a benchmark runs."""

    def __init__(self, every: float = 5.0):
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def machine() -> dict:
    """The machine and the versions that matter for the figures."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {"python": platform.python_version()}
    for package in (
        "torch",
        "transformers",
        "datasets",
        "pandas",
        "pyarrow",
        "PySide6",
        "pyqtgraph",
        "onnxruntime",
        "accelerate",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "versions": versions,
    }


def peak_rss_bytes() -> int:
    """This process's peak resident set size (Linux VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def reset_peak_rss() -> None:
    """Reset VmHWM to the current RSS (Linux), so a later peak covers only what follows."""
    Path("/proc/self/clear_refs").write_text("5")
