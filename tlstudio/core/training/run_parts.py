"""What a run is made of, as the engine receives it from the task's builder.

The engine (``engine.py``) is the one place that builds the training
arguments, the callbacks and the Trainer, trains, stops, saves and records.
A builder (``single_task.py`` for one task, ``multitask/parts.py`` for several
sub-tasks sharing a backbone) loads the data and the backbone and hands back a
:class:`RunParts`: the model, its datasets and collator, its metric hooks, the
task's own part of ``run.json``, and ``finish``, which writes the task's report
and models once the best checkpoint is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from ..errors import RunCancelled


@dataclass(frozen=True)
class Trained:
    """What training produced, handed to ``RunParts.finish``."""

    trainer: Any
    record: dict[str, Any]  # run.json as written when training began
    best_step: int | None
    total_steps: int
    runtime_seconds: float
    samples_per_second: float


@dataclass(frozen=True)
class Finished:
    """What a builder's ``finish`` wrote: the run's metrics and its validation predictions."""

    metrics: dict[str, Any]
    predictions: list[dict] | None = None  # None: the task writes no eval_predictions file at the top


@dataclass
class RunParts:
    task: Any  # the task object that prepared the data (a label mode chosen then decides its best metric)
    model: Any
    processor: Any  # a tokenizer, or an image processor
    train_dataset: Any
    eval_dataset: Any
    collator: Any
    choice: Any  # hardware.DeviceChoice
    record: dict[str, Any]  # the task's part of run.json (data, labels, strategy, backbone...)
    finish: Callable[[Trained], Finished]
    card: Callable[[dict, dict], str]  # the README.md of the run folder, from the final record and metrics
    steps_basis: int  # the rows (or batches) an epoch is counted in, for the step budget
    train_size: int
    eval_size: int
    tokens_per_example: float = 0.0
    compute_metrics: Any = None  # the metrics hook the Trainer evaluates with; None: loss only
    loss_function: Any = None
    metric_hooks: tuple = ()  # hooks that want to know the step they evaluate at
    callbacks: list = field(default_factory=list)  # before the engine's own (figures they add reach the events)
    late_callbacks: list = field(default_factory=list)  # after the engine's (strategies reacting to an epoch)
    trainer_class: Any = None  # None: StudioTrainer
    trainer_options: dict[str, Any] = field(default_factory=dict)
    evaluating: str = "best checkpoint on the validation split"
    # Work after the run is recorded complete (a multi-task run's single-task comparison); gets the
    # record, the metrics and the engine's train function, returns the metrics to report.
    after: Callable[[dict, dict, Callable], dict] | None = None


def check_cancel(cancel) -> None:
    """Stops a run between its stages when the user has asked."""
    if cancel is not None and cancel.cancelled:
        raise RunCancelled()


def best_step(state) -> int | None:
    return getattr(state, "best_global_step", None)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def package_versions() -> dict[str, str]:
    """The versions that produced a run, for run.json (what a colleague needs to reproduce it)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("tlstudio", "torch", "transformers", "datasets", "accelerate"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def json_lines(records) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


class DropColumns:
    """Wraps a data collator so bookkeeping columns (``length``) never reach the model."""

    def __init__(self, collator, columns: tuple[str, ...] = ("length",)):
        self.collator = collator
        self.columns = columns

    def __call__(self, features):
        return self.collator([{k: v for k, v in f.items() if k not in self.columns} for f in features])
