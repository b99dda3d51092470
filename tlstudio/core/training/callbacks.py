"""The bridge between the Hugging Face Trainer and tlstudio's event sink.

The Trainer is only ever observed and steered through callbacks: progress
goes out as events, and the user's cancel token comes in as
``control.should_training_stop`` (with a checkpoint saved, so the run can be
resumed from exactly where it stopped).
"""

from __future__ import annotations

import math
import time
from collections import deque

from transformers import TrainerCallback

from ..errors import RunCancelled
from ..progress import CheckpointSaved, Evaluated, RunStarted, StepEnded, StepLogged
from .distributed import any_process_cancelled, is_distributed

# Seconds of recent steps the throughput and ETA are averaged over: long
# enough to smooth out evaluation pauses, short enough to follow real changes.
RATE_WINDOW = 30


class ProgressCallback(TrainerCallback):
    """Turns Trainer hooks into tlstudio events and honours the cancel token."""

    def __init__(self, sink, cancel, *, run_info: dict, examples_per_step: int, tokens_per_example: float):
        self.sink = sink
        self.cancel = cancel
        self.run_info = run_info
        self.examples_per_step = examples_per_step
        self.tokens_per_example = tokens_per_example
        self.cancelled = False
        self._recent: deque[tuple[float, int]] = deque()
        self._first_step = 0
        self._saved_step = -1

    # -- helpers ---------------------------------------------------------
    def _rate(self) -> float:
        """Optimizer steps per second over the recent window."""
        if len(self._recent) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._recent[0], self._recent[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def _eta(self, step: int, total: int) -> float | None:
        rate = self._rate()
        return (total - step) / rate if rate > 0 else None

    def _check_cancel(self, control, args=None) -> None:
        requested = self.cancel is not None and self.cancel.cancelled
        if args is not None and is_distributed():
            requested = any_process_cancelled(requested, args.device)
        if requested and not self.cancelled:
            self.cancelled = True
            control.should_training_stop = True
            control.should_save = True  # a checkpoint at this step, for --resume

    # -- Trainer hooks -----------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        self._first_step = state.global_step
        self._recent.clear()
        self._recent.append((time.perf_counter(), state.global_step))
        self.sink.emit(
            RunStarted(
                total_steps=state.max_steps,
                num_epochs=args.num_train_epochs,
                resumed_from_step=state.global_step,
                **self.run_info,
            )
        )

    # Cancel is honoured at optimizer-step boundaries only (not between gradient-accumulation
    # micro-batches): a checkpoint taken there resumes exactly, with the same random state.
    def on_step_end(self, args, state, control, **kwargs):
        now = time.perf_counter()
        self._recent.append((now, state.global_step))
        while len(self._recent) > 2 and now - self._recent[0][0] > RATE_WINDOW:
            self._recent.popleft()
        self.sink.emit(StepEnded(state.global_step, state.max_steps, self._eta(state.global_step, state.max_steps)))
        self._check_cancel(control, args)

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.cancelled:
            # The user asked to stop: save where we are, but do not spend time evaluating first.
            control.should_evaluate = False
            control.should_save = self._saved_step != state.global_step

    def on_prediction_step(self, args, state, control, **kwargs):
        # Under a launcher, one process leaving an evaluation alone would leave the others waiting.
        if self.cancel is not None and self.cancel.cancelled and not is_distributed():
            self.cancelled = True
            raise RunCancelled()

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" not in logs:
            return
        loss = logs.get("loss")
        samples = self._rate() * self.examples_per_step
        self.sink.emit(
            StepLogged(
                step=state.global_step,
                total_steps=state.max_steps,
                epoch=float(logs.get("epoch", state.epoch or 0.0)),
                loss=float(loss) if loss is not None and math.isfinite(loss) else loss,
                learning_rate=logs.get("learning_rate"),
                samples_per_second=samples,
                tokens_per_second=samples * self.tokens_per_example,
                eta_seconds=self._eta(state.global_step, state.max_steps),
            )
        )

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        metrics = {k.removeprefix("eval_"): v for k, v in (metrics or {}).items()}
        for key in ("runtime", "samples_per_second", "steps_per_second"):
            metrics.pop(key, None)
        self.sink.emit(Evaluated(step=state.global_step, epoch=float(state.epoch or 0.0), metrics=metrics))
        # An evaluation pause is not slow training: restart the rate window after it.
        self._recent.clear()
        self._recent.append((time.perf_counter(), state.global_step))

    def on_save(self, args, state, control, **kwargs):
        self._saved_step = state.global_step
        requested = self.cancel is not None and self.cancel.cancelled
        if is_distributed():
            requested = any_process_cancelled(requested, args.device)
        if requested:
            # Stop asked for during the save: it is the checkpoint to resume from, no need for another step.
            self.cancelled = True
            control.should_training_stop = True
        path = f"{args.output_dir}/checkpoint-{state.global_step}"
        self.sink.emit(CheckpointSaved(step=state.global_step, path=path))
        self._recent.clear()
        self._recent.append((time.perf_counter(), state.global_step))


class CheckpointEvery(TrainerCallback):
    """Asks for a checkpoint every ``steps`` optimizer steps, on top of the ones at each evaluation.

    Evaluation and checkpoint cadence differ because a checkpoint is cheap
    next to an evaluation and bounds the work a crash can lose.
    """

    def __init__(self, steps: int | None):
        self.steps = steps

    def on_step_end(self, args, state, control, **kwargs):
        if self.steps and state.global_step % self.steps == 0:
            control.should_save = True
