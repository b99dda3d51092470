"""One paste that lets someone help: versions, the machine and its devices, the last lines of the log, and
the open run's record (with the user's folders reduced to their names).

Help > Copy diagnostics puts this on the clipboard; ``python -m tlstudio.core.diagnostics`` prints it.
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = (
    "tlstudio",
    "torch",
    "transformers",
    "accelerate",
    "datasets",
    "peft",
    "safetensors",
    "tokenizers",
    "PySide6-Essentials",
    "pyqtgraph",
    "onnxruntime",
    "numpy",
    "pandas",
    "pyarrow",
)
LOG_LINES = 40


def diagnostics_text(run_dir: str | Path | None = None, *, devices: list[dict] | None = None) -> str:
    lines = [
        "tlstudio diagnostics",
        "",
        f"python {platform.python_version()} on {platform.platform()} ({platform.machine()})",
    ]
    for name in PACKAGES:
        try:
            lines.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    if devices:
        lines += ["", "devices:"] + [
            f"  {d.get('name', d.get('id'))}" + ("" if d.get("usable", True) else f" (unusable: {d.get('reason')})")
            for d in devices
        ]
    lines += ["", f"last {LOG_LINES} log lines:"] + [f"  {line}" for line in _log_tail()]
    if run_dir:
        lines += ["", f"run {Path(run_dir).name}:", _run_record(Path(run_dir))]
    return "\n".join(lines) + "\n"


def _log_tail() -> list[str]:
    from .logs import log_file

    try:
        text = log_file().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ["(no log yet)"]
    return text.splitlines()[-LOG_LINES:] or ["(the log is empty)"]


def _run_record(run_dir: Path) -> str:
    from .runs.folder import RUN_FILE

    try:
        record = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"  (run.json cannot be read: {exc})"
    return json.dumps(_names_only(record), indent=2, ensure_ascii=False)[:20_000]


def _names_only(value):
    """The record with absolute paths cut to their last part: a report need not reveal the user's folders."""
    if isinstance(value, dict):
        return {key: _names_only(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_names_only(item) for item in value]
    if isinstance(value, str) and (value.startswith(("/", "~")) or (len(value) > 2 and value[1:3] in (":\\", ":/"))):
        return Path(value.replace("\\", "/")).name
    return value


if __name__ == "__main__":  # pragma: no cover - a convenience for scripts
    sys.stdout.write(diagnostics_text())
