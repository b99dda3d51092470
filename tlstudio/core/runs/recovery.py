"""Finding runs that stopped before they finished, so the app can offer to resume them.

Qt-free on purpose: the app calls :func:`find_interrupted_runs` on start-up
("This run stopped at step N. Resume?") and the CLI lists the same runs.
A run counts as interrupted when its ``run.json`` does not say completed and
it has a complete checkpoint to continue from.  ``crashed`` tells a process
that died (run.json still says running, but no live process holds the run's
lock) from a run the user stopped on purpose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .folder import RUN_FILE, RunFolder
from .lock import is_locked
from ..training.checkpoints import checkpoint_step


@dataclass(frozen=True)
class InterruptedRun:
    path: Path
    step: int  # where a resume starts: the step of the last complete checkpoint
    total_steps: int | None
    status: str  # "running" (its process died), "stopped" (cancelled) or "failed"
    crashed: bool
    reason: str | None  # why it stopped, when known (an error message)
    started_at: str | None
    task: str | None
    backbone: str | None
    data: str | None

    def describe(self) -> str:
        of = f" of {self.total_steps}" if self.total_steps else ""
        how = "crashed" if self.crashed else self.status
        return f"{self.path.name}: {how} at step {self.step}{of}"


def interrupted_run(folder: str | Path) -> InterruptedRun | None:
    """The run in ``folder`` if it can be resumed, else None (finished, running now, or nothing saved)."""
    run = RunFolder(folder)
    if not run.run_file.is_file() or is_locked(run.path):
        return None
    try:
        record = json.loads(run.run_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("status") == "completed":
        return None
    checkpoint = run.last_checkpoint()
    if checkpoint is None:
        return None
    state = _read_json(checkpoint / "trainer_state.json")
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    status = str(record.get("status") or "running")
    return InterruptedRun(
        path=run.path,
        step=state["global_step"] if isinstance(state.get("global_step"), int) else checkpoint_step(checkpoint),
        total_steps=state.get("max_steps") if isinstance(state.get("max_steps"), int) else None,
        status=status,
        crashed=status == "running",
        reason=_text(record.get("error")),
        started_at=_text(record.get("started_at")),
        task=_text(config.get("task")),
        backbone=_text(config.get("backbone")),
        data=_text(config.get("data")),
    )


def find_interrupted_runs(folder: str | Path) -> list[InterruptedRun]:
    """Resumable runs in ``folder`` and its direct sub-folders, most recently started first.

    Sub-folders that are symbolic links are skipped, so a project folder never
    leads the app to runs stored elsewhere.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        return []
    candidates = [root] + sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    found = [run for run in map(interrupted_run, (c for c in candidates if (c / RUN_FILE).is_file())) if run]
    return sorted(found, key=lambda r: r.started_at or "", reverse=True)


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
