"""The training run on its own QThread, reporting through Qt signals.

``TrainingWorker`` is a QObject moved to a QThread; its ``run`` slot calls the
core's ``train``/``resume``, which block that thread for the whole run.  The
core reports to a sink whose ``emit`` re-emits each event as a signal, so the
GUI receives them queued on its own thread.  Payloads are the core's frozen
event dataclasses with plain Python numbers in them.

Stop sets the core's CancelToken directly from the GUI thread: the worker's
own event loop is busy inside ``train()``, so a queued slot would never run.
The thread is never terminated; it ends when ``train()`` returns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from ...api import (
    CancelToken,
    CheckpointSaved,
    Evaluated,
    Message,
    RunStarted,
    SamplesGenerated,
    StageChanged,
    StepEnded,
    StepLogged,
)
from .failures import failure_from_exception
from .job_thread import JobController


@dataclass(frozen=True)
class RunOutcome:
    status: str  # "completed" | "cancelled"
    output_dir: str
    metrics: dict[str, Any] = field(default_factory=dict)
    step: int = 0


def _plain(value: Any) -> Any:
    """Numbers as Python floats/ints (no numpy or tensor scalars crossing threads)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


class TrainingWorker(QObject):
    """Runs one training job. Signals: run_started, step_logged, step_ended, evaluated, samples_generated,
    checkpoint_saved, message, stage_changed (core events); run_finished (RunOutcome),
    run_failed (Failure); done (always last)."""

    run_started = Signal(object)
    step_logged = Signal(object)
    step_ended = Signal(object)
    evaluated = Signal(object)
    samples_generated = Signal(object)  # text generation: SamplesGenerated after each evaluation
    checkpoint_saved = Signal(object)
    message = Signal(object)
    stage_changed = Signal(object)
    run_finished = Signal(object)
    run_failed = Signal(object)
    done = Signal()

    def __init__(self, job: Callable[[Any, CancelToken], Any], cancel: CancelToken):
        super().__init__()
        self._job = job
        self._cancel = cancel
        self._routes = {
            RunStarted: self.run_started,
            StepLogged: self.step_logged,
            StepEnded: self.step_ended,
            Evaluated: self.evaluated,
            SamplesGenerated: self.samples_generated,
            CheckpointSaved: self.checkpoint_saved,
            Message: self.message,
            StageChanged: self.stage_changed,
        }

    # The sink the core reports to; called on the worker thread.
    def emit(self, event: object) -> None:
        signal = self._routes.get(type(event))
        if signal is None:
            return
        if isinstance(event, Evaluated):
            event = dataclasses.replace(event, metrics=_plain(event.metrics))
        signal.emit(event)

    @Slot()
    def run(self) -> None:
        try:
            from .background import settle_imports

            settle_imports()
            result = self._job(self, self._cancel)
            self.run_finished.emit(
                RunOutcome(result.status, str(result.output_dir), _plain(result.metrics), int(result.step))
            )
        except BaseException as exc:  # noqa: BLE001 - the thread must always report and end
            self.run_failed.emit(failure_from_exception(exc))
        finally:
            self.done.emit()


class TrainingController(JobController):
    """Starts, stops and tracks the one training run the app has at a time.

    Signals: the worker's (re-emitted), plus running_changed(bool).
    """

    run_started = Signal(object)
    step_logged = Signal(object)
    step_ended = Signal(object)
    evaluated = Signal(object)
    samples_generated = Signal(object)  # text generation: SamplesGenerated after each evaluation
    checkpoint_saved = Signal(object)
    message = Signal(object)
    stage_changed = Signal(object)
    run_finished = Signal(object)
    run_failed = Signal(object)
    forwarded = (
        "run_started",
        "step_logged",
        "step_ended",
        "evaluated",
        "samples_generated",
        "checkpoint_saved",
        "message",
        "stage_changed",
        "run_finished",
        "run_failed",
    )
    busy = "a run is already training"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.run_dir: Path | None = None

    def start(self, config, *, allow_pickle: bool = False) -> None:
        """Train a new run described by ``config`` (a RunConfig); ``allow_pickle`` only after the user agreed."""
        from ...api import train

        self.launch(lambda sink, cancel: train(config, sink, cancel, allow_pickle=allow_pickle), Path(config.output))

    def resume(self, run_dir: str | Path, *, allow_pickle: bool = False) -> None:
        """Continue a stopped or interrupted run from its last checkpoint."""
        from ...api import resume

        self.launch(lambda sink, cancel: resume(run_dir, sink, cancel, allow_pickle=allow_pickle), Path(run_dir))

    def launch(self, job, run_dir: Path) -> None:
        """Run ``job(sink, cancel)`` (returning a RunResult) on the training thread."""
        if self.running:
            raise RuntimeError(self.busy)
        self.run_dir = run_dir.expanduser().resolve()
        self._launch(TrainingWorker, job, "tlstudio-training")
