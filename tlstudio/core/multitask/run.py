"""A multi-task run: the body ``training/engine.py`` runs under its lock, fault handling and resume.

What differs from a single-task run is only what the run is made of (several
sub-tasks' data, one model per sub-task sharing an encoder, batches by
sub-task) and what it writes (``export.py``); checkpoints, resume, cancel,
events and the run record are the engine's.
"""

from __future__ import annotations

import dataclasses
import time

from ..errors import TlStudioError
from ..progress import Message, RunFinished, StageChanged
from .spec import SubTask, read_spec, resolved, sub_config


def prepared_config(config):
    """The run's config with its sub-tasks read and checked (paths made absolute), ready for run.json."""
    subtasks = read_spec(config.subtasks, default_data=config.data)
    for sub in subtasks:
        sub_config(config, sub)  # every sub-task's settings checked before the run folder is made
    if config.compare_single_task:
        from .model import is_joint_folder

        if is_joint_folder(config.backbone):
            from ..errors import ConfigError

            raise ConfigError("compare_single_task needs a pretrained backbone, not a multi-task joint checkpoint.",
                              "Compare against runs started from the backbone the joint checkpoint came from.")
    return dataclasses.replace(config, subtasks=resolved(subtasks))


class PrefixedSink:
    """Says which sub-task a message is about."""

    def __init__(self, sink, name: str):
        self.sink, self.name = sink, name

    def emit(self, event) -> None:
        if isinstance(event, Message):
            event = Message(event.level, f"{self.name}: {event.text}")
        self.sink.emit(event)


def about_subtask(name: str, error: TlStudioError) -> TlStudioError:
    return type(error)(f"sub-task '{name}': {error.message}", error.hint)


def train_body(config, run, sink, cancel, checkpoint, allow_pickle: bool):
    """``engine._train`` for a multi-task config (see there for the parts shared with it)."""
    from ..tasks import get_task
    from ..training import engine

    started = time.time()
    subtasks = read_spec(config.subtasks, default_data=config.data)
    configs = {sub.name: sub_config(config, sub) for sub in subtasks}
    tasks = {sub.name: get_task(sub.task) for sub in subtasks}
    datas = {}
    for sub in subtasks:
        sink.emit(StageChanged("loading data", f"{sub.name}: {sub.data}"))
        try:
            datas[sub.name] = tasks[sub.name].prepare(configs[sub.name], PrefixedSink(sink, sub.name))
        except TlStudioError as exc:
            raise about_subtask(sub.name, exc) from None
        engine._check_cancel(cancel)

    from .setup import build

    built = build(config, subtasks, configs, tasks, datas, sink, cancel, allow_pickle)
    engine._check_cancel(cancel)
    record = _run_record(config, subtasks, configs, datas, built)
    engine.keep_earlier_attempts(record, run, checkpoint)
    if checkpoint is not None:
        from ..training import resume_point

        resume_point.prepare_for_resume(checkpoint, run.checkpoints)
    run.write_run(record)

    trainer, progress, args = built.trainer(config, run, engine)
    output, stopped = engine.fit(trainer, progress, run, sink, checkpoint)
    if stopped is not None:
        return stopped

    from .export import write_results

    best = engine._best_step(trainer.state)
    sink.emit(StageChanged("evaluating", "best checkpoint on each sub-task's validation split"))
    reports = {}
    for sub in subtasks:
        hook = built.metric_hooks[sub.name]
        cached = hook.last if hook is not None and hook.last_step == best else None
        try:
            reports[sub.name] = tasks[sub.name].final_report(
                built.model.model(sub.name), built.tokenizer, datas[sub.name], configs[sub.name],
                PrefixedSink(sink, sub.name), cancel=cancel, eval_outputs=cached)
        except TlStudioError as exc:
            raise about_subtask(sub.name, exc) from None
    sink.emit(StageChanged("exporting", str(run.path)))
    training = {"best_step": best, "total_steps": trainer.state.global_step,
                "train_runtime_seconds": round(output.metrics.get("train_runtime", 0.0), 2),
                "train_samples_per_second": round(output.metrics.get("train_samples_per_second", 0.0), 2)}
    metrics = write_results(run, record, subtasks, configs, tasks, datas, built, reports, training, trainer, args)
    record.update(status="completed", finished_at=engine._now(), total_steps=trainer.state.global_step,
                  duration_seconds=round(time.time() - started, 1))
    run.write_run(record)
    if config.compare_single_task:
        from .compare import compare_single_tasks

        metrics = compare_single_tasks(config, subtasks, configs, run, record, metrics, sink, cancel, allow_pickle)
    sink.emit(RunFinished("completed", str(run.path), metrics=metrics, step=trainer.state.global_step))
    return engine.RunResult("completed", run.path, metrics, trainer.state.global_step)


def _run_record(config, subtasks: list[SubTask], configs, datas, built) -> dict:
    from ..training import distributed, engine
    from ..tasks.multi_task import combined_sha256

    tasks = {}
    for sub in subtasks:
        data = datas[sub.name]
        tasks[sub.name] = {"task": sub.task, "path": sub.data, "weight": sub.weight,
                           "batch_share": round(built.shares[sub.name], 4), "labels": list(data.label_names),
                           **data.columns, **data.summary, **built.token_stats[sub.name]}
    first = subtasks[0]
    return {
        "format": "tlstudio-run/1",
        "status": "running",
        "started_at": engine._now(),
        "config": config.to_dict(),
        "base_model": built.base_model,
        "backbone_source": built.backbone_source,
        "backbone_license": built.backbone_license,
        "labels": [],
        "data": {"path": first.data, "sha256": combined_sha256(configs.values()),
                 "train_size": sum(d.summary.get("train_size", 0) for d in datas.values()),
                 "eval_size": sum(d.summary.get("eval_size", 0) for d in datas.values()),
                 "tasks": tasks},
        "strategy": {"name": config.strategy, "trainable_parameters": built.trainable,
                     "total_parameters": built.total},
        **({"restored_heads": built.restored} if built.restored is not None else {}),
        "hardware": {"device": built.choice.device, "name": built.choice.name, "precision": built.choice.precision,
                     "processes": distributed.world_size()},
        "versions": engine._versions(),
    }
