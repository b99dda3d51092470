"""Hyperparameter search: many short runs with Optuna, bad ones stopped early, the best one kept as a config.

``tune(config, budget, sink, cancel)`` runs trials of the ordinary training
engine (each in ``OUTPUT/trials/trial-NNN``, a normal run folder) with the
settings Optuna's TPE sampler proposes for the parameters of ``space``; the
settings in ``fixed`` (those the user set) stay as the base config has them.
After each evaluation the trial reports its validation score; a trial whose
score falls below the median of earlier trials at the same evaluation is
stopped (pruned).  The search ends after ``trials`` trials, after ``minutes``
(the running trial is stopped at the deadline) or when cancelled.

The output folder receives ``trials.csv`` (one row per trial), ``tuning.json``
(the whole search) and ``best_run.json``, which
``tlstudio train --config OUTPUT/best_run.json --output DIR`` promotes to a
full run.  Trial folders keep their run.json and metrics.json; their
checkpoints are deleted, and so are the weights of every trial but the best.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import MULTI_TASK_STRATEGIES, STRATEGIES, RunConfig
from ..errors import ConfigError, RunCancelled
from ..files import atomic_write_json, atomic_write_text
from ..progress import Evaluated, NullSink, TrialFinished, TrialProgressed, TrialStarted
from ..runs.folder import METRICS_FILE, RUN_FILE, RunFolder
from ..tasks import get_task

# name -> (kind, low/choices, high)
SPACE: dict[str, tuple] = {
    "learning_rate": ("log", 1e-5, 2e-3),
    "batch_size": ("choice", (8, 16, 32)),
    "epochs": ("int", 1, 5),
    "warmup_ratio": ("float", 0.0, 0.2),
    "weight_decay": ("float", 0.0, 0.1),
    "strategy": ("choice", tuple(s for s in STRATEGIES if s != "auto")),
}
BEST_RUN_FILE = "best_run.json"
TRIALS_FILE = "trials.csv"
TUNING_FILE = "tuning.json"
KEEP_FILES = (RUN_FILE, METRICS_FILE, "trainer_state.json")


@dataclass
class Trial:
    number: int
    params: dict[str, Any]
    state: str = "running"
    value: float | None = None
    duration_seconds: float = 0.0
    note: str = ""
    output_dir: str = ""


@dataclass
class TuneResult:
    status: str  # "completed" | "cancelled"
    output_dir: Path
    objective: str
    greater_is_better: bool
    trials: list[Trial] = field(default_factory=list)
    best: Trial | None = None
    best_config: Path | None = None


def objective_of(config: RunConfig) -> tuple[str, bool]:
    """The validation figure a run keeps its best checkpoint by, and whether higher is better."""
    return get_task(config.task).best_metric(config)


def check_space(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in SPACE]
    if unknown:
        raise ConfigError(f"cannot search over {', '.join(unknown)}.", f"Searchable settings: {', '.join(SPACE)}.")
    return names


class _TrialCancel:
    """Cancels one trial: the user's Stop, pruning, or the search's deadline."""

    def __init__(self, user, deadline: float | None):
        self.user, self.deadline, self.pruned = user, deadline, False

    @property
    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    @property
    def cancelled(self) -> bool:
        return self.pruned or self.out_of_time or bool(self.user is not None and self.user.cancelled)


def tune(
    config: RunConfig,
    *,
    trials: int | None = None,
    minutes: float | None = None,
    space: list[str] | None = None,
    fixed: set[str] = frozenset(),
    sink=None,
    cancel=None,
    allow_pickle: bool = False,
) -> TuneResult:
    import optuna

    from ..training.engine import train

    if not trials and not minutes:
        raise ConfigError("a search needs a budget.", "Pass --trials N, --minutes M, or both.")
    if (trials is not None and trials < 1) or (minutes is not None and minutes <= 0):
        raise ConfigError("--trials must be at least 1 and --minutes positive.")
    sink = sink or NullSink()
    config = config.validate()  # the base config must make a run on its own
    if get_task(config.task).has_subtasks:
        from ..multitask.parts import prepare_config

        # Every sub-task checked before the first trial, and recorded with absolute paths, so
        # best_run.json trains the same sub-tasks from any folder.
        config = prepare_config(config)
    searched = [n for n in check_space(list(space or SPACE)) if n not in fixed]
    if not searched:
        raise ConfigError(
            "every searchable setting is fixed, so there is nothing to search.",
            f"Leave out some of: {', '.join('--' + n.replace('_', '-') for n in SPACE)}.",
        )
    folder = RunFolder(config.output)
    folder.prepare_new()
    objective, greater = objective_of(config)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if greater else "minimize",
        sampler=optuna.samplers.TPESampler(seed=config.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0),
    )
    deadline = time.monotonic() + minutes * 60 if minutes else None
    result = TuneResult("completed", folder.path, objective, greater)

    def run_trial(trial: "optuna.Trial") -> float:
        params = {name: _suggest(trial, name, config) for name in searched}
        record = Trial(trial.number, params, output_dir=str(folder.path / "trials" / f"trial-{trial.number:03d}"))
        result.trials.append(record)
        trial_cancel = _TrialCancel(cancel, deadline)
        sink.emit(TrialStarted(trial.number, params, record.output_dir))
        started = time.monotonic()
        scores: list[float] = []

        class TrialSink:
            def emit(self, event):
                sink.emit(TrialProgressed(trial.number, event))
                value = event.metrics.get(objective) if isinstance(event, Evaluated) else None
                if isinstance(value, (int, float)):
                    scores.append(float(value))
                    trial.report(float(value), step=len(scores))
                    if trial.should_prune():
                        trial_cancel.pruned = True

        try:
            run_config = dataclasses.replace(config, output=record.output_dir, **params)
            outcome = train(run_config, TrialSink(), trial_cancel, allow_pickle=allow_pickle)
            best = (max if greater else min)(scores) if scores else None
            if outcome.status == "cancelled":
                record.state = "pruned" if trial_cancel.pruned else "stopped"
                record.note = (
                    "stopped early: below the median of earlier trials"
                    if trial_cancel.pruned
                    else "stopped: time limit reached"
                    if trial_cancel.out_of_time
                    else "stopped by the user"
                )
            elif best is None:
                record.state, record.note = "failed", f"no '{objective}' was reported"
            else:
                record.state, record.value = "complete", best
        except ConfigError as exc:  # a combination the engine refuses (say, too large a batch): a failed trial
            record.state, record.note = "failed", str(exc)
        except RunCancelled:
            record.state, record.note = "stopped", "stopped by the user"
        finally:
            record.duration_seconds = round(time.monotonic() - started, 1)
            _tidy(Path(record.output_dir))
        _finish_trial(result, record, sink)
        if record.state == "stopped":
            study.stop()
            raise optuna.TrialPruned()
        if record.state == "pruned":
            raise optuna.TrialPruned()
        if record.state == "failed":
            return float("nan")  # optuna records the trial as failed and carries on
        return record.value

    study.optimize(
        run_trial,
        n_trials=trials,
        timeout=minutes * 60 if minutes else None,
        catch=(),
        callbacks=[lambda s, t: s.stop() if cancel is not None and cancel.cancelled else None],
    )
    if cancel is not None and cancel.cancelled:
        result.status = "cancelled"
    _write_results(result, config, searched)
    return result


def _suggest(trial, name: str, config: RunConfig):
    kind, *bounds = SPACE[name]
    if name == "strategy" and get_task(config.task).has_subtasks:  # the strategies a multi-task run can use
        bounds = [tuple(s for s in MULTI_TASK_STRATEGIES if s != "auto")]
    if kind == "log":
        return trial.suggest_float(name, bounds[0], bounds[1], log=True)
    if kind == "float":
        return round(trial.suggest_float(name, bounds[0], bounds[1]), 4)
    if kind == "int":
        return float(trial.suggest_int(name, bounds[0], bounds[1]))  # epochs is a float field
    return trial.suggest_categorical(name, list(bounds[0]))


def _finish_trial(result: TuneResult, record: Trial, sink) -> None:
    complete = [t for t in result.trials if t.state == "complete"]
    previous = result.best
    if complete:
        pick = max if result.greater_is_better else min
        result.best = pick(complete, key=lambda t: t.value)
    if previous is not None and result.best is not previous:
        _drop_weights(Path(previous.output_dir))  # only the best trial's model is worth its disk space
    elif record is not result.best:
        _drop_weights(Path(record.output_dir))
    best = result.best
    sink.emit(
        TrialFinished(
            record.number,
            record.params,
            record.state,
            record.value,
            record.duration_seconds,
            best.number if best else None,
            best.value if best else None,
            record.note,
        )
    )


def _tidy(folder: Path) -> None:
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)


def _drop_weights(folder: Path) -> None:
    if not folder.is_dir():
        return
    for item in folder.iterdir():
        if item.name not in KEEP_FILES:
            shutil.rmtree(item, ignore_errors=True) if item.is_dir() else item.unlink(missing_ok=True)


def _write_results(result: TuneResult, config: RunConfig, searched: list[str]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["trial", "state", result.objective, "seconds", *searched, "note"])
    for t in result.trials:
        writer.writerow(
            [
                t.number,
                t.state,
                "" if t.value is None else f"{t.value:.6g}",
                t.duration_seconds,
                *[t.params.get(n, "") for n in searched],
                t.note,
            ]
        )
    atomic_write_text(result.output_dir / TRIALS_FILE, out.getvalue())
    summary = {
        "objective": result.objective,
        "greater_is_better": result.greater_is_better,
        "searched": searched,
        "status": result.status,
        "base_config": config.to_dict(),
        "trials": [dataclasses.asdict(t) for t in result.trials],
        "best": dataclasses.asdict(result.best) if result.best else None,
    }
    atomic_write_json(result.output_dir / TUNING_FILE, summary)
    if result.best is not None:
        best = dataclasses.replace(config, output="", **result.best.params)
        result.best_config = result.output_dir / BEST_RUN_FILE
        atomic_write_json(
            result.best_config,
            {
                "format": "tlstudio-run/1",
                "status": "tuned",
                "config": best.to_dict(),
                "tuning": {
                    "trial": result.best.number,
                    result.objective: result.best.value,
                    "trial_folder": result.best.output_dir,
                },
            },
        )
