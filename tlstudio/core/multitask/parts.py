"""A multi-task run's parts, for the engine (``training/engine.py``) to train like any other run.

What differs from a single-task run is only what the run is made of (several
sub-tasks' data, one model per sub-task sharing an encoder, batches by
sub-task: ``setup.py``) and what it writes (``export.py``); the Trainer,
checkpoints, resume, cancel, events and the run record are the engine's.
"""

from __future__ import annotations

import dataclasses

from ..errors import ConfigError, TlStudioError
from ..progress import StageChanged
from ..training.run_parts import Finished, RunParts, Trained, check_cancel
from .spec import read_spec, resolved, sub_config
from .setup import PrefixedSink, about_subtask


def prepare_config(config):
    """The run's config with its sub-tasks read and checked (paths made absolute), ready for run.json."""
    subtasks = read_spec(config.subtasks, default_data=config.data)
    for sub in subtasks:
        sub_config(config, sub)  # every sub-task's settings checked before the run folder is made
    if config.compare_single_task:
        from .model import is_joint_folder

        if is_joint_folder(config.backbone):
            raise ConfigError(
                "compare_single_task needs a pretrained backbone, not a multi-task joint checkpoint.",
                "Compare against runs started from the backbone the joint checkpoint came from.",
            )
    return dataclasses.replace(config, subtasks=resolved(subtasks))


def build(config, run, sink, cancel, checkpoint, allow_pickle: bool) -> RunParts:
    from ..tasks import get_task
    from ..tasks.multi_task import combined_sha256
    from .export import render_card, write_results
    from .setup import build as build_model
    from .trainer import MultiTaskTrainer

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
        check_cancel(cancel)

    built = build_model(config, subtasks, configs, tasks, datas, sink, cancel, allow_pickle)
    per_task = {}
    for sub in subtasks:
        data = datas[sub.name]
        per_task[sub.name] = {
            "task": sub.task,
            "path": sub.data,
            "weight": sub.weight,
            "batch_share": round(built.shares[sub.name], 4),
            "labels": list(data.label_names),
            **data.columns,
            **data.summary,
            **built.token_stats[sub.name],
        }
    record = {
        "base_model": built.base_model,
        "backbone_source": built.backbone_source,
        "backbone_license": built.backbone_license,
        "labels": [],
        "data": {
            "path": subtasks[0].data,
            "sha256": combined_sha256(configs.values()),
            "train_size": sum(d.summary.get("train_size", 0) for d in datas.values()),
            "eval_size": sum(d.summary.get("eval_size", 0) for d in datas.values()),
            "tasks": per_task,
        },
        "strategy": {"name": config.strategy, "trainable_parameters": built.trainable, "total_parameters": built.total},
        **({"restored_heads": built.restored} if built.restored is not None else {}),
    }

    def finish(trained: Trained) -> Finished:
        reports = {}
        for sub in subtasks:
            hook = built.metric_hooks[sub.name]
            cached = hook.last if hook is not None and hook.last_step == trained.best_step else None
            try:
                reports[sub.name] = tasks[sub.name].final_report(
                    built.model.model(sub.name),
                    built.tokenizer,
                    datas[sub.name],
                    configs[sub.name],
                    PrefixedSink(sink, sub.name),
                    cancel=cancel,
                    eval_outputs=cached,
                )
            except TlStudioError as exc:
                raise about_subtask(sub.name, exc) from None
        sink.emit(StageChanged("exporting", str(run.path)))
        training = {
            "best_step": trained.best_step,
            "total_steps": trained.total_steps,
            "train_runtime_seconds": trained.runtime_seconds,
            "train_samples_per_second": trained.samples_per_second,
        }
        metrics = write_results(run, trained.record, subtasks, configs, tasks, datas, built, reports, training)
        return Finished(metrics)

    def after(final_record: dict, metrics: dict, train) -> dict:
        if not config.compare_single_task:
            return metrics
        from .compare import compare_single_tasks

        return compare_single_tasks(
            config, subtasks, configs, run, final_record, metrics, sink, cancel, allow_pickle, train=train
        )

    return RunParts(
        task=get_task(config.task),
        model=built.model,
        processor=built.tokenizer,
        train_dataset=built.train_set,
        eval_dataset=built.eval_sets,
        collator=built.collator,
        choice=built.choice,
        record=record,
        finish=finish,
        card=render_card,
        steps_basis=len(built.sampler),
        train_size=len(built.train_set),
        eval_size=sum(len(d) for d in built.eval_sets.values()),
        tokens_per_example=built.train_tokens / max(1, len(built.train_set)),
        metric_hooks=tuple(hook for hook in built.metric_hooks.values() if hook is not None),
        trainer_class=MultiTaskTrainer,
        trainer_options={
            "task_batches": built.sampler,
            "eval_sets": built.eval_sets,
            "metric_hooks": built.metric_hooks,
            "score_keys": built.score_keys,
            "weights": built.weights,
        },
        evaluating="best checkpoint on each sub-task's validation split",
        after=after,
    )
