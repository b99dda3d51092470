"""The runs of a project folder: list them, read their curves, free their disk space.

A project folder holds one run folder per training run (``--output`` of the
CLI, a named run in the app).  This module reads them without loading any
model, so the app's runs list stays quick with hundreds of runs.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, TlStudioError
from .folder import RUN_FILE, RunFolder, is_run_folder
from ..tasks.headline import below_baseline, headline, headline_keys, metric_title

# run.json says "running" but no process of this app is training it: it crashed or was killed.
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class RunSummary:
    path: Path
    name: str
    status: str  # completed | stopped | running | interrupted
    task: str | None
    backbone: str | None
    data_name: str | None
    started_at: str | None
    step: int  # steps done (the last checkpoint's step when the run did not finish)
    total_steps: int | None
    metrics: dict[str, float] = field(default_factory=dict)
    disk_bytes: int = 0
    checkpoint_bytes: int = 0
    checkpoints: int = 0
    strategy: str | None = None  # how the backbone was trained: full, frozen, lora, ... (run.json's strategy)
    score_key: str = ""  # the task's headline figure ('f1' for a tagger: entity F1) and how it reads
    score_title: str = ""
    score: float | None = None
    warning: str | None = None  # the headline is no better than the trivial baseline

    @property
    def resumable(self) -> bool:
        return self.status in ("stopped", INTERRUPTED) and self.checkpoints > 0

    @property
    def has_model(self) -> bool:
        return self.status == "completed" and (self.path / "config.json").is_file()


@dataclass(frozen=True)
class LossHistory:
    """A run's curves, as logged by the Trainer (``trainer_state.json``)."""

    train_loss: tuple[tuple[int, float], ...] = ()
    eval_loss: tuple[tuple[int, float], ...] = ()
    learning_rate: tuple[tuple[int, float], ...] = ()
    eval_metrics: tuple[tuple[float, dict[str, float]], ...] = ()  # (epoch, metrics) per evaluation
    max_steps: int | None = None


def disk_usage(path: Path) -> int:
    total = 0
    for item in path.rglob("*"):
        try:
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
        except OSError:
            pass
    return total


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def summarize_run(path: str | Path, *, active: bool = False) -> RunSummary | None:
    """What the runs list shows for one folder; None when it is not a tlstudio run."""
    run = RunFolder(path)
    record = run.record_or_none()
    if record is None:
        return None
    config = record.config
    status = record.status
    if status == "running" and not active:
        status = INTERRUPTED
    elif active:  # a resumed run is training before its run.json says so again (loading data, the backbone)
        status = "running"
    try:
        found_metrics = run.metrics()
    except TlStudioError:  # a damaged metrics.json: the run is still listed, without its figures
        found_metrics = None
    metrics = found_metrics.to_dict() if found_metrics is not None else {}
    task = record.task
    found = headline(metrics, task)
    keys = (*headline_keys(metrics, task), "eval_loss")
    checkpoints = run.checkpoint_dirs()
    step = record.total_steps or record.stopped_at_step or 0
    if not step and checkpoints:
        step = int(checkpoints[-1].name.split("-")[1])
    checkpoint_bytes = disk_usage(run.checkpoints) if run.checkpoints.is_dir() else 0
    return RunSummary(
        path=run.path,
        name=run.path.name,
        status=status,
        task=config.get("task"),
        backbone=record.backbone,
        data_name=Path(config.get("data") or "").name or None,
        started_at=record.started_at,
        step=int(step),
        total_steps=record.total_steps,
        metrics={k: float(metrics[k]) for k in keys if isinstance(metrics.get(k), (int, float))},
        disk_bytes=disk_usage(run.path),
        checkpoint_bytes=checkpoint_bytes,
        checkpoints=len(checkpoints),
        strategy=record.strategy_name,
        score_key=found[0] if found else "",
        score_title=metric_title(found[0], metrics, task) if found else "",
        score=found[1] if found else None,
        warning=below_baseline(metrics, task),
    )


def list_runs(project: str | Path, *, active: set[Path] | None = None) -> list[RunSummary]:
    """Every run directly inside ``project``, newest first."""
    project = Path(project).expanduser()
    active = {Path(p).resolve() for p in (active or set())}
    if not project.is_dir():
        return []
    runs = []
    for child in project.iterdir():
        if child.is_dir() and is_run_folder(child):
            summary = summarize_run(child, active=child.resolve() in active)
            if summary is not None:
                runs.append(summary)
    return sorted(runs, key=lambda r: r.started_at or "", reverse=True)


def _require_run(path: Path) -> RunFolder:
    run = RunFolder(path)
    if not run.is_run:
        raise ConfigError(f"{run.path} is not a tlstudio run (no {RUN_FILE}); refusing to delete it.")
    return run


def delete_run(path: str | Path) -> int:
    """Delete a whole run folder; returns the bytes freed."""
    run = _require_run(Path(path))
    freed = disk_usage(run.path)
    shutil.rmtree(run.path)
    return freed


def delete_checkpoints(path: str | Path) -> int:
    """Delete only a run's resumable checkpoints (the exported model stays); returns the bytes freed."""
    run = _require_run(Path(path))
    if not run.checkpoints.is_dir():
        return 0
    freed = disk_usage(run.checkpoints)
    shutil.rmtree(run.checkpoints)
    return freed


def trainer_state_file(path: str | Path) -> Path | None:
    """The newest trainer_state.json of a run: the finished run's, else its last checkpoint's."""
    run = RunFolder(path)
    top = run.path / "trainer_state.json"
    if top.is_file():
        return top
    last = run.last_checkpoint()
    return last / "trainer_state.json" if last else None


def loss_history(path: str | Path) -> LossHistory:
    """The training and validation curves of a run (empty when it never reached a checkpoint)."""
    state_file = trainer_state_file(path)
    state = _read_json(state_file) if state_file else None
    if not isinstance(state, dict):
        return LossHistory()
    train, evals, rates, metrics = [], [], [], []
    for entry in state.get("log_history") or []:
        step = entry.get("step")
        if step is None:
            continue
        if isinstance(entry.get("loss"), (int, float)):
            train.append((int(step), float(entry["loss"])))
            if isinstance(entry.get("learning_rate"), (int, float)):
                rates.append((int(step), float(entry["learning_rate"])))
        if isinstance(entry.get("eval_loss"), (int, float)):
            evals.append((int(step), float(entry["eval_loss"])))
            scores = {
                k.removeprefix("eval_"): float(v)
                for k, v in entry.items()
                if k.startswith("eval_")
                and k not in ("eval_loss", "eval_runtime", "eval_samples_per_second", "eval_steps_per_second")
                and isinstance(v, (int, float))
            }
            metrics.append((float(entry.get("epoch") or 0.0), scores))
    return LossHistory(tuple(train), tuple(evals), tuple(rates), tuple(metrics), state.get("max_steps"))


def read_config(path: str | Path) -> dict[str, Any]:
    """A run's settings (run.json's ``config``), to run it again."""
    return RunFolder(path).record().settings()


def new_run_name(project: str | Path, data_path: str | Path | None, when=None) -> str:
    """A fresh run name: the data file's name and the time, numbered if already taken."""
    import re
    from datetime import datetime

    stem = re.sub(r"[^\w.-]+", "-", Path(data_path).stem if data_path else "run").strip("-.") or "run"
    base = f"{stem}-{(when or datetime.now()):%Y%m%d-%H%M}"
    project = Path(project).expanduser()
    name, number = base, 2
    while (project / name).exists():
        name, number = f"{base}-{number}", number + 1
    return name
