"""How long-running core work reports to its caller, without knowing about Qt.

The engine emits plain frozen dataclasses to a *sink* (anything with an
``emit(event)`` method) and polls a :class:`CancelToken`.  The CLI's sink
prints lines; the app's worker turns each event into a Qt signal.  Events are
named in the past tense, for what has happened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class RunStarted:
    total_steps: int
    num_epochs: float
    train_size: int
    eval_size: int
    device: str
    precision: str
    output_dir: str
    resumed_from_step: int = 0


@dataclass(frozen=True)
class StepLogged:
    """Training progress at a logging step (one line of the CLI's output)."""

    step: int
    total_steps: int
    epoch: float
    loss: float | None
    learning_rate: float | None
    samples_per_second: float
    tokens_per_second: float
    eta_seconds: float | None


@dataclass(frozen=True)
class StepEnded:
    """Cheap per-step heartbeat so progress bars move between logging steps."""

    step: int
    total_steps: int
    eta_seconds: float | None


@dataclass(frozen=True)
class Evaluated:
    step: int
    epoch: float
    metrics: dict[str, Any]


@dataclass(frozen=True)
class SamplesGenerated:
    """Text generation: what the model writes for the fixed sample prompts at an evaluation.

    ``samples`` holds ``{"prompt": ..., "text": ...}`` dicts, the same prompts every time, so the
    app can show the model learning beside the charts.
    """

    step: int
    epoch: float
    samples: list[dict[str, str]]


@dataclass(frozen=True)
class CheckpointSaved:
    step: int
    path: str


@dataclass(frozen=True)
class Message:
    """Something the user should read: a warning about their data, a fallback taken."""

    level: str  # "info" | "warning"
    text: str


@dataclass(frozen=True)
class StageChanged:
    """A long job moved to a new named stage (loading data, tokenizing, exporting...)."""

    stage: str
    detail: str = ""


@dataclass(frozen=True)
class RunFinished:
    status: str  # "completed" | "cancelled"
    output_dir: str
    metrics: dict[str, Any] = field(default_factory=dict)
    step: int = 0


@dataclass(frozen=True)
class WorkProgressed:
    """A share of a long job is done (bytes copied or downloaded, rows predicted)."""

    done: float
    total: float | None
    unit: str  # "bytes" | "rows" | "files"
    detail: str = ""


class ProgressSink(Protocol):
    def emit(self, event: object) -> None: ...


class NullSink:
    """A sink that drops everything; the default when the caller does not listen."""

    def emit(self, event: object) -> None:
        pass


class ListSink:
    """Collects events; used by tests and by callers that read events afterwards."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def emit(self, event: object) -> None:
        self.events.append(event)

    def of_type(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


class CancelToken:
    """A thread-safe flag the user's Stop (or Ctrl+C) sets and the engine polls.

    Setting it from the GUI thread works while the worker thread is busy inside
    ``train()``, which is why it is not a queued Qt slot.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def reset(self) -> None:
        self._event.clear()


@dataclass(frozen=True)
class TrialStarted:
    """A hyperparameter-search trial began with these settings."""

    number: int
    params: dict[str, Any]
    output_dir: str


@dataclass(frozen=True)
class TrialFinished:
    """A trial ended: ``state`` is "complete", "pruned" (stopped early as unpromising) or "failed"."""

    number: int
    params: dict[str, Any]
    state: str
    value: float | None
    duration_seconds: float
    best_number: int | None
    best_value: float | None
    note: str = ""


@dataclass(frozen=True)
class TrialProgressed:
    """An event of the run behind a trial (step, evaluation...), for a live view of the current trial."""

    number: int
    event: object


@dataclass(frozen=True)
class StudyPointMeasured:
    """One point of a labels-needed study: a run with ``size`` labels from ``init`` weights, scored."""

    size: int
    init: str  # "pretrained" | "random"
    metrics: dict[str, Any]
