"""Building a multi-task run's model: backbone, datasets, the shared model and the batches by sub-task."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, TlStudioError
from ..progress import Message, StageChanged
from ..training.run_parts import check_cancel


@dataclass
class Built:
    tokenizer: Any
    model: Any
    train_set: Any
    eval_sets: dict
    sampler: Any
    collator: Any
    metric_hooks: dict
    score_keys: dict
    weights: dict
    shares: dict
    token_stats: dict
    choice: Any
    base_model: str | None
    backbone_source: str
    backbone_license: str | None
    trainable: int
    total: int
    restored: list[str] | None = None
    train_tokens: int = 0


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


class _WithR2:
    """A regression sub-task's metrics hook, adding R² (its score: higher is better, like the others' F1)."""

    def __init__(self, hook, targets):
        import numpy as np

        object.__setattr__(self, "hook", hook)
        object.__setattr__(self, "targets", np.asarray(targets, dtype=float))

    def __call__(self, eval_prediction) -> dict:
        from ..metrics.regression import r2

        metrics = self.hook(eval_prediction)
        scores = getattr(self.hook, "last_scores", None)  # the predictions its mse was measured on
        if isinstance(metrics.get("mse"), (int, float)) and scores is not None and self.targets.var() > 0:
            metrics["r2"] = r2(self.targets, scores[:, 0])
        return metrics

    def __getattr__(self, name):
        return getattr(self.hook, name)

    def __setattr__(self, name, value):
        setattr(self.hook, name, value)


def _metrics_hook(task, data):
    hook = task.compute_metrics(data)
    if hook is not None and score_key(task, data) == "r2":
        return _WithR2(hook, data.eval.targets)
    return hook


def score_key(task, data) -> str:
    """The figure a sub-task's score is: its best-checkpoint metric, or r2 where lower is better (regression)."""
    if getattr(task, "greater_is_better", False):
        return task.metric_for_best
    return "r2"


def build(config, subtasks, configs, tasks, datas, sink, cancel, allow_pickle: bool) -> Built:
    from transformers import set_seed

    from ..backbones import PICKLE_RISK, load_tokenizer, resolve_backbone, uses_pickle_weights
    from ..training import distributed
    from ..hardware import choose_device
    from .batches import MultiTaskCollator, MultiTaskDataset, TaskBatchSampler, TaskRows, batch_shares
    from .model import MultiTaskModel, freeze_encoder, is_joint_folder, models_from_joint, read_joint

    if distributed.is_distributed():
        raise ConfigError(
            "multi-task runs train in one process; they cannot run under accelerate or torchrun yet.",
            "Start it with tlstudio train, on one GPU.",
        )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    sink.emit(StageChanged("loading backbone", config.backbone))
    joint = is_joint_folder(config.backbone)
    if joint:
        joint_path = Path(config.backbone).expanduser().resolve()
        joint_record = read_joint(joint_path)
        backbone, processor_path = None, joint_path
        base_model, source, license_id = joint_record.get("base_model"), "local", None
    else:
        backbone = resolve_backbone(config.backbone, allow_pickle=allow_pickle)
        if uses_pickle_weights(backbone.path):
            sink.emit(
                Message("warning", f"loading pickle weights from {backbone.path} because you allowed it. {PICKLE_RISK}")
            )
        processor_path = backbone.path
        base_model, source, license_id = backbone.base_model, backbone.source, backbone.license
    choice = choose_device(config.device, config.precision)
    for note in choice.notes:
        sink.emit(Message("warning", note))

    set_seed(config.seed)
    tokenizer = load_tokenizer(processor_path)
    sink.emit(StageChanged("tokenizing"))
    train_parts, eval_sets, token_stats, collators = [], {}, {}, []
    pad = 8 if choice.device.startswith("cuda") else None
    for index, sub in enumerate(subtasks):
        try:
            train_ds, eval_ds, stats = tasks[sub.name].build_datasets(
                tokenizer, datas[sub.name], configs[sub.name], PrefixedSink(sink, sub.name)
            )
        except TlStudioError as exc:
            raise about_subtask(sub.name, exc) from None
        train_parts.append(train_ds)
        eval_sets[sub.name] = TaskRows(eval_ds, index)
        token_stats[sub.name] = stats
        collators.append(tasks[sub.name].data_collator(tokenizer, pad))
        check_cancel(cancel)

    wanted = [
        {
            "name": s.name,
            "task": s.task,
            "model_class": tasks[s.name].model_class(),
            "kwargs": tasks[s.name].model_kwargs(datas[s.name]),
            "labels": list(datas[s.name].label_names),
        }
        for s in subtasks
    ]
    restored, mapped = None, None
    if joint:
        models, restored, mapped = models_from_joint(joint_path, joint_record, wanted)
        for sub in subtasks:
            mode = getattr(tasks[sub.name], "mode", None)
            if mode is not None:
                mode.prepare_model(models[sub.name], datas[sub.name])
    else:
        models = {
            s.name: tasks[s.name].load_model(
                backbone, tokenizer, datas[s.name], configs[s.name], sink, allow_pickle=allow_pickle
            )
            for s in subtasks
        }
    weights = {s.name: s.weight for s in subtasks}
    model = MultiTaskModel(models, weights, {s.name: tasks[s.name].loss_function(datas[s.name]) for s in subtasks})
    if mapped is not None:
        model.load_state_dict(mapped, strict=False)
        fresh = [s.name for s in subtasks if s.name not in restored]
        sink.emit(
            Message(
                "info",
                f"continuing from the multi-task checkpoint {joint_path}: shared encoder"
                + (f" and the heads of {', '.join(restored)}" if restored else "")
                + (f"; new heads for {', '.join(fresh)}" if fresh else "")
                + ".",
            )
        )
    if config.strategy == "frozen":
        freeze_encoder(model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    sizes = [len(part) for part in train_parts]
    shares = batch_shares(sizes, [s.proportion for s in subtasks])
    per_device = config.batch_size  # one process (see above)
    sampler = TaskBatchSampler(sizes, shares, per_device, config.seed)
    built = Built(
        tokenizer=tokenizer,
        model=model,
        train_set=MultiTaskDataset(train_parts),
        eval_sets=eval_sets,
        sampler=sampler,
        collator=MultiTaskCollator(collators),
        metric_hooks={s.name: _metrics_hook(tasks[s.name], datas[s.name]) for s in subtasks},
        score_keys={s.name: score_key(tasks[s.name], datas[s.name]) for s in subtasks},
        weights=weights,
        shares={s.name: share for s, share in zip(subtasks, shares)},
        token_stats=token_stats,
        choice=choice,
        base_model=base_model,
        backbone_source=source,
        backbone_license=license_id,
        trainable=trainable,
        total=total,
        restored=restored,
        train_tokens=sum(stats.get("train_tokens", 0) for stats in token_stats.values()),
    )
    what = "the heads only (the shared encoder is frozen)" if config.strategy == "frozen" else "the whole model"
    sink.emit(
        Message(
            "info",
            f"strategy {config.strategy}: training {what}: {trainable:,} of {total:,} parameters "
            f"({100 * trainable / max(1, total):.2f}%), one encoder shared by {len(subtasks)} heads.",
        )
    )
    counts = dict(zip([s.name for s in subtasks], sampler.counts))
    sink.emit(
        Message(
            "info",
            "batches per epoch: "
            + ", ".join(f"{name} {count}" for name, count in counts.items())
            + f" (batch size {per_device}, one sub-task per batch).",
        )
    )
    return built
