"""Multi-task against single-task: does sharing the backbone help each sub-task?

``compare_single_tasks`` trains every sub-task alone with the run's own
settings (same backbone, epochs, learning rate, batch size and seed: with the
default proportions each sub-task sees its rows as often as in the multi-task
run) into ``single/<name>/``, and records both scores side by side in
``metrics.json`` under ``comparison``.  ``compare_with_runs`` does the same
with single-task runs made earlier.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..errors import ConfigError, TlStudioError
from ..progress import Evaluated, Message, RunStarted, StageChanged
from ..runs.folder import METRICS_FILE, RunFolder

SINGLE_FOLDER = "single"


class _Quiet:
    """Passes a comparison run's messages, stages and evaluations on as log lines.

    Its steps and finish are left out: the charts and the outcome belong to the multi-task run.
    """

    def __init__(self, sink, name: str, metric: str):
        self.sink, self.name, self.metric = sink, name, metric

    def emit(self, event) -> None:
        if isinstance(event, Message):
            self.sink.emit(Message(event.level, f"{self.name} alone: {event.text}"))
        elif isinstance(event, StageChanged):
            self.sink.emit(StageChanged(f"{self.name} alone: {event.stage}", event.detail))
        elif isinstance(event, RunStarted):
            self.sink.emit(Message("info", f"{self.name} alone: {event.total_steps} steps on {event.device}."))
        elif isinstance(event, Evaluated) and isinstance(event.metrics.get(self.metric), (int, float)):
            self.sink.emit(
                Message(
                    "info",
                    f"{self.name} alone: step {event.step}, epoch {event.epoch:g}: "
                    f"{self.metric} {event.metrics[self.metric]:.4f}",
                )
            )


def comparison_row(name: str, multi: dict, single: dict | None, single_run: str | None) -> dict[str, Any]:
    key = multi["score_metric"]
    row = {"metric": key, "multi_task": multi.get(key), "single_task": None, "single_run": single_run}
    if single is not None and isinstance(single.get(key), (int, float)):
        row["single_task"] = single[key]
        row["difference"] = multi[key] - single[key]
    return row


def compare_single_tasks(
    config, subtasks, configs, run: RunFolder, record, metrics: dict, sink, cancel, allow_pickle: bool, *, train
) -> dict:
    """``train`` is the engine's (handed in by it, so this module does not import the engine)."""
    from .export import render_card

    comparison = {}
    for sub in subtasks:
        folder = run.path / SINGLE_FOLDER / sub.name
        sink.emit(StageChanged("single-task comparison", f"{sub.name} alone, into {folder}"))
        sink.emit(Message("info", f"training {sub.name} alone for the comparison, into {folder}."))
        single_config = dataclasses.replace(configs[sub.name], output=str(folder), backbone=config.backbone)
        if config.max_steps:  # the same number of this sub-task's batches as the multi-task run gave it
            share = record["data"]["tasks"][sub.name]["batch_share"]
            single_config = dataclasses.replace(single_config, max_steps=max(1, round(config.max_steps * share)))
        single = None
        try:
            quiet = _Quiet(sink, sub.name, metrics["tasks"][sub.name]["score_metric"])
            result = train(single_config, quiet, cancel, allow_pickle=allow_pickle)
            if result.status == "completed":
                single = result.metrics
        except TlStudioError as exc:
            sink.emit(Message("warning", f"the single-task run of {sub.name} failed: {exc}"))
        comparison[sub.name] = comparison_row(
            sub.name, metrics["tasks"][sub.name], single, str(folder) if single is not None else None
        )
        if cancel is not None and cancel.cancelled:
            sink.emit(Message("warning", "single-task comparison stopped; the multi-task results are complete."))
            break
    metrics = {**metrics, "comparison": comparison}
    run.write_json(METRICS_FILE, metrics)
    run.write_text("README.md", render_card(record, metrics))
    return metrics


def compare_with_runs(run_path: str | Path, singles: dict[str, str | Path]) -> dict[str, dict[str, Any]]:
    """The comparison table of a finished multi-task run against single-task runs ({sub-task: run folder})."""
    import json

    run = RunFolder(run_path)
    metrics = json.loads((run.path / METRICS_FILE).read_text(encoding="utf-8"))
    if metrics.get("task") != "multi-task":
        raise ConfigError(f"{run.path} is not a finished multi-task run.")
    table = {}
    for name, multi in metrics["tasks"].items():
        single_path = singles.get(name)
        single = None
        if single_path:
            path = Path(single_path)
            try:
                single = json.loads((path / METRICS_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ConfigError(f"{path} holds no finished run (no readable {METRICS_FILE}).") from None
            if single.get("task") != multi["task"]:
                raise ConfigError(f"{path} is a {single.get('task')} run; sub-task '{name}' is {multi['task']}.")
        table[name] = comparison_row(name, multi, single, str(single_path) if single_path else None)
    return table
