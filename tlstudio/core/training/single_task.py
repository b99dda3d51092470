"""The parts of a run of one task: its data, the backbone (domain-adapted first if asked), the model
with its fine-tuning strategy applied, and what the finished run reports and exports.

Everything else (the Trainer, checkpoints, stop, faults, the run record) is the engine's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..backbones import PICKLE_RISK, resolve_backbone, uses_pickle_weights
from ..config import RunConfig
from ..runs.model_card import render_model_card
from ..progress import Message, StageChanged
from ..runs.folder import RUN_FORMAT, RunFolder
from ..tasks import get_task
from . import adaptation, distributed, strategies
from ..hardware import choose_device
from .run_parts import DropColumns, Finished, RunParts, Trained, check_cancel, utc_now


def prepare_config(config: RunConfig) -> RunConfig:
    return config


def build(config: RunConfig, run: RunFolder, sink, cancel, checkpoint: Path | None, allow_pickle: bool) -> RunParts:
    task = get_task(config.task)
    sink.emit(StageChanged("loading data", config.data))
    data = task.prepare(config, sink)
    check_cancel(cancel)

    sink.emit(StageChanged("loading backbone", config.backbone))
    backbone = resolve_backbone(config.backbone, allow_pickle=allow_pickle)
    if uses_pickle_weights(backbone.path):
        sink.emit(
            Message("warning", f"loading pickle weights from {backbone.path} because you allowed it. {PICKLE_RISK}")
        )
    choice = device_for_this_process(choose_device(config.device, config.precision))
    for note in choice.notes:
        sink.emit(Message("warning", note))

    from transformers import set_seed

    adapted = None
    if config.adapt_source != "off":  # stage 1 of 2: continued masked-LM pre-training on unlabelled text
        if distributed.is_main_process() and not run.run_file.exists():  # so a stop during stage 1 can resume
            run.write_run(
                {
                    "format": RUN_FORMAT,
                    "status": "running",
                    "started_at": utc_now(),
                    "config": config.to_dict(),
                    "stage": "domain adaptation",
                }
            )
        backbone, adapted = adaptation.adapt(
            config, data, backbone, run, choice, sink, cancel, allow_pickle=allow_pickle
        )
        check_cancel(cancel)

    set_seed(config.seed)
    processor = task.load_processor(backbone.path, config)  # a tokenizer, or an image processor
    sink.emit(StageChanged("tokenizing"))
    train_ds, eval_ds, token_stats = task.build_datasets(processor, data, config, sink)
    check_cancel(cancel)
    model = task.load_model(backbone, processor, data, config, sink, allow_pickle=allow_pickle)
    plan = strategies.apply(model, config, sink)

    record: dict[str, Any] = {
        "base_model": backbone.base_model,
        "backbone_source": backbone.source,
        "backbone_license": backbone.license,
        "labels": list(data.label_names),
        "data": {
            "path": str(Path(config.data).resolve()),
            "sha256": task.data_sha256(config),
            **data.columns,
            **data.summary,
            **token_stats,
        },
        "strategy": plan.summary(),
    }
    if adapted is not None:
        record["adaptation"] = adapted
    metrics_hook = task.compute_metrics(data)  # None: the task evaluates the loss only

    def finish(trained: Trained) -> Finished:
        # The best checkpoint's evaluation is usually the last one run; reuse its predictions when it is
        # (not under a launcher, where the gathered order is the launcher's business).
        cached = None
        if (
            metrics_hook is not None
            and metrics_hook.last_step == trained.best_step
            and not distributed.is_distributed()
        ):
            cached = metrics_hook.last
        final = plan.finish(trained.trainer.model, run.path, processor)  # LoRA: adapter saved alone, then merged
        report, predictions = task.final_report(
            final, processor, data, config, sink, cancel=cancel, eval_outputs=cached
        )
        metrics = {
            "task": config.task,
            **report,
            "train_size": len(train_ds),
            "eval_size": len(eval_ds),
            "train_truncated": token_stats.get("train_truncated", 0),
            "eval_truncated": token_stats.get("eval_truncated", 0),
            "strategy": config.strategy,
            "trainable_parameters": record["strategy"]["trainable_parameters"],
            **({"adaptation": adapted} if adapted is not None else {}),
            "best_step": trained.best_step,
            "total_steps": trained.total_steps,
            "train_runtime_seconds": trained.runtime_seconds,
            "train_samples_per_second": trained.samples_per_second,
            "data": data.summary,
        }
        sink.emit(StageChanged("exporting", str(run.path)))
        run.export_model(final, processor)
        return Finished(metrics, predictions)

    return RunParts(
        task=task,
        model=plan.model,
        processor=processor,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        collator=DropColumns(task.data_collator(processor, 8 if choice.device.startswith("cuda") else None)),
        choice=choice,
        record=record,
        finish=finish,
        card=render_model_card,
        steps_basis=len(train_ds),
        train_size=len(train_ds),
        eval_size=len(eval_ds),
        tokens_per_example=token_stats.get("train_tokens", 0) / max(1, len(train_ds)),
        compute_metrics=metrics_hook,
        loss_function=task.loss_function(data),
        metric_hooks=(metrics_hook,) if metrics_hook is not None else (),
        callbacks=task.callbacks(data, processor, config, sink, cancel),
        late_callbacks=plan.callbacks(sink),
        trainer_options={"parameter_groups": plan.optimizer_groups},
    )


def device_for_this_process(choice):
    """Under a launcher each process trains on its own GPU (LOCAL_RANK), whatever the config names."""
    import dataclasses

    if not distributed.is_distributed():
        return choice
    processes = distributed.world_size()
    if not choice.device.startswith("cuda"):
        return dataclasses.replace(choice, name=f"{choice.name} x {processes} processes")
    device = f"cuda:{distributed.local_rank()}"
    name = f"{choice.name.split(' (')[0]} x {processes} processes (data parallel)"
    return dataclasses.replace(choice, device=device, name=name)
