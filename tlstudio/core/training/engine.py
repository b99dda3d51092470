"""Fine-tuning a backbone on a task: the one place that builds a Trainer.

``train(config, sink, cancel)`` runs a new run; ``resume(folder, ...)``
continues an interrupted one from its last complete checkpoint.  Both report
through the sink and stop within one optimizer step of ``cancel`` being set,
saving a checkpoint first.  Callers see either a :class:`RunResult` or a
:class:`~tlstudio.core.errors.TlStudioError` for anything the user can fix.

Faults are handled in ``_execute`` (see ``faults.py``): out of memory
continues with a smaller batch, a NaN loss or an unwritable checkpoint stops
the run with ``run.json`` saying why and the last good checkpoint kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import RunConfig
from ..data.eval_leak import eval_leak_warning
from ..errors import ConfigError, DataError, RunCancelled
from ..progress import Message, NullSink, RunFinished, StageChanged
from ..runs.folder import METRICS_FILE, PREDICTIONS_FILE, RUN_FORMAT, RunFolder
from ..runs.record import recorded_config
from ..runs.events import EventLog, TeeSink
from ..runs.lock import RunLock, is_locked
from ..tasks import get_task
from . import adaptation, checkpoints, distributed, faults, resume_point
from .run_parts import Trained, best_step, check_cancel, json_lines, package_versions, utc_now
from .tracking import check_tracker, tracking_callbacks

# Chart points (and CLI progress lines) aimed for in a run when logging_steps is not set.
TARGET_LOG_POINTS = 50


@dataclass
class RunResult:
    status: str  # "completed" | "cancelled"
    output_dir: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    step: int = 0


def train(config: RunConfig, sink=None, cancel=None, *, allow_pickle: bool = False) -> RunResult:
    """Start a new run in ``config.output``.

    ``allow_pickle`` lets a backbone whose weights are only a pickle
    (``.bin``/``.pt``) load, with ``weights_only=True``; only pass it after
    the user has read :data:`~tlstudio.core.backbones.PICKLE_RISK`.
    """
    from .strategy_choice import resolve_auto

    sink = sink or NullSink()
    config, note = resolve_auto(config, allow_pickle=allow_pickle)  # before the defaults: LoRA has its own rate
    config = config.with_task_defaults().validate().with_absolute_paths()
    config = builder_for(config.task).prepare_config(config)  # multi-task: every sub-task checked and resolved
    leak = eval_leak_warning(config.data, config.eval_data)
    # Said once the run folder exists, so its event stream holds them too.
    notices = [Message("info", note)] if note else []
    notices += [Message("warning", leak)] if leak else []
    check_tracker(config.report_to)  # before the folder is made and minutes are spent loading
    run = RunFolder(config.output)
    if distributed.is_main_process():  # under a launcher the other processes must not find it "already in use"
        run.prepare_new()
    return _execute(config, run, sink, cancel, checkpoint=None, allow_pickle=allow_pickle, notices=notices)


def resume(output: str | Path, sink=None, cancel=None, *, allow_pickle: bool = False) -> RunResult:
    """Continue the run in ``output`` from its last complete checkpoint."""
    run = RunFolder(output)
    record = run.read_run()
    if record.get("status") == "completed":
        raise ConfigError(f"the run in {run.path} already finished.", "Start a new run with another --output folder.")
    main = distributed.is_main_process()  # under a launcher, the main process alone locks and tidies the folder
    if main and is_locked(run.path):
        raise ConfigError(
            f"the run in {run.path} is still being trained by another tlstudio process.",
            "Wait for it to finish or stop it first.",
        )
    # The run continues where it lies, whatever its run.json says (it may have been moved, or edited).
    values = {**recorded_config(record), "output": str(run.path)}
    config = RunConfig.from_dict(values, source=str(run.run_file)).validate()
    if main:
        run.ensure_writable()
        checkpoints.remove_leftovers(run.checkpoints)
    check_tracker(config.report_to)
    # The Trainer is only ever handed a checkpoint whose every file reads back safely (checkpoints.py).
    checkpoint, skipped = resume_point.newest_intact_checkpoint(run.checkpoints)
    if checkpoint is None and skipped:
        raise resume_point.no_intact_checkpoint(run.path, skipped, run.run_file)
    if checkpoint is None and not adaptation.in_progress(run.path) and not adaptation.finished_record(run.path):
        raise ConfigError(
            f"the run in {run.path} stopped before its first checkpoint, so there is nothing to resume.",
            f"Start it again: tlstudio train --config {run.run_file} --output NEW_FOLDER",
        )
    expected = record.get("data", {}).get("sha256")
    if expected and Path(config.data).exists() and get_task(config.task).data_sha256(config) != expected:
        raise DataError(
            f"{config.data} has changed since this run started, so it cannot be resumed exactly.",
            f"Start a new run: tlstudio train --config {run.run_file} --output NEW_FOLDER",
        )
    sink = sink or NullSink()
    if skipped and main:
        sink.emit(Message("warning", resume_point.skipped_warning(skipped, checkpoint)))
        resume_point.set_aside(skipped)
    if record.get("status") in ("failed", "stopped") and isinstance(record.get("error"), str):
        # Say why it stopped last time: a diverged run resumed unchanged diverges again at the same step.
        sink.emit(Message("warning", f"last time this run stopped because: {record['error']}"))
    return _execute(config, run, sink, cancel, checkpoint=checkpoint, allow_pickle=allow_pickle)


def _execute(
    config: RunConfig,
    run: RunFolder,
    sink,
    cancel,
    checkpoint: Path | None,
    allow_pickle: bool,
    notices: list[Message] = (),
) -> RunResult:
    """Run ``_train`` under the run's lock, turning faults into a continued run or a clear stop."""
    main = distributed.is_main_process()
    if not main:
        sink = NullSink()  # one voice per run: the main process reports for all

    def stop(status: str, reason: str) -> None:
        if main:
            run.record_stop(status, reason)

    # Only the main process writes the run folder, so only it holds the run's lock and writes its event
    # stream (events.jsonl: what another process, such as the app following a run, reads while it goes on).
    with (
        RunLock(run.path) if main else contextlib.nullcontext(),
        EventLog(run.events_file) if main else contextlib.nullcontext() as events,
    ):
        if events is not None:
            sink = TeeSink(sink, events)
        for notice in notices:
            sink.emit(notice)
        while True:
            try:
                return _train(config, run, sink, cancel, checkpoint, allow_pickle)
            except RunCancelled:
                # Cancelled before training began (loading, tokenizing): nothing to resume from yet.
                if run.run_file.exists() and main:
                    run.update_run(status="stopped")
                sink.emit(RunFinished("cancelled", str(run.path)))
                return RunResult("cancelled", run.path)
            except (faults.NonFiniteLoss, checkpoints.NonFiniteWeights) as exc:
                last = checkpoints.checkpoint_step(run.last_checkpoint())
                precision = run.recorded("hardware", "precision")
                damage = faults.backbone_damage(config, allow_pickle=allow_pickle)  # a NaN shipped with the backbone?
                error = faults.diverged_error(exc, config, run.path, last, precision, damage)
                stop("failed", str(error))
                raise error from None
            except checkpoints.CheckpointWriteError as exc:
                stop("stopped", str(exc))
                raise
            except Exception as exc:
                if not faults.is_out_of_memory(exc):
                    stop("failed", str(exc))
                    raise
                if distributed.is_distributed():
                    # The processes would have to agree on a new batch mid-step; a clear stop is safer.
                    error = faults.out_of_memory_under_launcher(config)
                    stop("failed", str(error))
                    raise error from None
            # Out of memory.  Outside the except block, so the failed attempt's tensors can be freed.
            faults.release_memory()
            try:
                config, change = faults.smaller_batch(config)
            except faults.OutOfMemory as exc:
                stop("failed", str(exc))
                raise
            checkpoint, _ = resume_point.newest_intact_checkpoint(run.checkpoints)
            where = (
                f"from the checkpoint at step {checkpoints.checkpoint_step(checkpoint)}"
                if checkpoint
                else "from the start (there was no checkpoint yet)"
            )
            sink.emit(Message("warning", f"{change} Training continues {where}."))
            run.note_adjustment(config.to_dict(), change, at=utc_now())


def builder_for(task_name: str):
    """The module that builds a run's parts (``build`` and ``prepare_config``): one task, or several sub-tasks
    sharing one backbone. Everything after the parts are built is the same for both (``_train``)."""
    if task_name == "multi-task":
        from ..multitask import parts

        return parts
    from . import single_task

    return single_task


def _train(config: RunConfig, run: RunFolder, sink, cancel, checkpoint: Path | None, allow_pickle: bool) -> RunResult:
    started = time.time()
    from transformers import EarlyStoppingCallback
    from transformers.utils import logging as hf_logging

    from .callbacks import CheckpointEvery, ProgressCallback
    from .trainer import StudioTrainer

    hf_logging.disable_progress_bar()  # progress reaches users through the sink, not tqdm bars
    # The Trainer's own warnings are addressed to developers (file-system mtimes, deprecations);
    # what users need to know is sent to the sink.
    hf_logging.set_verbosity_error()

    parts = builder_for(config.task).build(config, run, sink, cancel, checkpoint, allow_pickle)
    check_cancel(cancel)
    choice = parts.choice
    record = {
        "format": RUN_FORMAT,
        "status": "running",
        "started_at": utc_now(),
        "config": config.to_dict(),
        **parts.record,
        "hardware": {
            "device": choice.device,
            "name": choice.name,
            "precision": choice.precision,
            "processes": distributed.world_size(),
        },
        "versions": package_versions(),
    }
    keep_earlier_attempts(record, run, checkpoint)
    main = distributed.is_main_process()
    if main:
        if checkpoint is not None:
            resume_point.prepare_for_resume(checkpoint, run.checkpoints)
        run.write_run(record)
        warning = checkpoints.space_warning(run.path, parts.model, config.save_total_limit)
        if warning:
            sink.emit(Message("warning", warning))

    args = training_arguments(config, run, choice, parts.task, parts.steps_basis)
    progress = ProgressCallback(
        sink,
        cancel,
        run_info={
            "train_size": parts.train_size,
            "eval_size": parts.eval_size,
            "device": choice.name,
            "precision": choice.precision,
            "output_dir": str(run.path),
        },
        examples_per_step=config.batch_size * config.gradient_accumulation_steps,
        tokens_per_example=parts.tokens_per_example,
    )
    # The task's own callbacks come first, so figures they add to an evaluation reach the progress events.
    callbacks = [
        *parts.callbacks,
        progress,
        CheckpointEvery(config.checkpoint_steps),
        *tracking_callbacks(config.report_to, run.path),
        *parts.late_callbacks,
    ]
    if config.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    trainer = (parts.trainer_class or StudioTrainer)(
        model=parts.model,
        args=args,
        train_dataset=parts.train_dataset,
        eval_dataset=parts.eval_dataset,
        processing_class=parts.processor,
        data_collator=parts.collator,
        compute_metrics=parts.compute_metrics,
        compute_loss_func=parts.loss_function,
        callbacks=callbacks,
        checkpoint_limit=config.save_total_limit,
        **parts.trainer_options,
    )
    for hook in parts.metric_hooks:
        hook.step_source = lambda: trainer.state.global_step
    output, stopped = fit(trainer, progress, run, sink, checkpoint, main=main)
    if stopped is not None:
        return stopped

    if not main:  # the main process evaluates and writes the run folder
        return RunResult("completed", run.path, {}, trainer.state.global_step)
    sink.emit(StageChanged("evaluating", parts.evaluating))
    trained = Trained(
        trainer=trainer,
        record=record,
        best_step=best_step(trainer.state),
        total_steps=trainer.state.global_step,
        runtime_seconds=round(output.metrics.get("train_runtime", 0.0), 2),
        samples_per_second=round(output.metrics.get("train_samples_per_second", 0.0), 2),
    )
    finished = parts.finish(trained)  # the task's report, and its model(s) exported
    metrics = finished.metrics
    run.write_json(METRICS_FILE, metrics)
    run.write_json("trainer_state.json", dataclasses.asdict(trainer.state))
    run.write_text("training_args.json", args.to_json_string())
    if finished.predictions is not None:
        run.write_text(PREDICTIONS_FILE, json_lines(finished.predictions))
    record.update(
        status="completed",
        finished_at=utc_now(),
        total_steps=trainer.state.global_step,
        duration_seconds=round(time.time() - started, 1),
    )
    if not config.keep_checkpoints:
        freed = delete_finished_checkpoints(run)
        if freed:
            record["checkpoints_deleted_bytes"] = freed
            sink.emit(
                Message(
                    "info",
                    f"deleted the finished run's checkpoints ({freed / 2**20:,.0f} MB): the "
                    f"model is in {run.path} (--keep-checkpoints keeps them)",
                )
            )
    run.write_run(record)
    run.write_text("README.md", parts.card(record, metrics))
    if parts.after is not None:
        metrics = parts.after(record, metrics, train)
    sink.emit(RunFinished("completed", str(run.path), metrics=metrics, step=trainer.state.global_step))
    return RunResult("completed", run.path, metrics, trainer.state.global_step)


def delete_finished_checkpoints(run: RunFolder) -> int:
    """Delete a finished run's checkpoints (weights plus optimizer state, several times the model's size: a
    12-step translation run kept 1.4 GB of them); returns the bytes freed."""
    import shutil

    freed = 0
    # The run's own checkpoints, and those of its domain-adaptation stage (the adapted backbone stays).
    for folder in (run.checkpoints, run.path / adaptation.STAGE_FOLDER / "checkpoints"):
        if folder.is_dir():
            freed += sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder, ignore_errors=True)
    return freed


def keep_earlier_attempts(record: dict[str, Any], run: RunFolder, checkpoint: Path | None) -> None:
    """A resumed or retried run keeps when it first started and what was adjusted on the way."""
    previous = run.read_run() if run.run_file.exists() else {}
    for key in ("started_at", "adjustments"):
        if key in previous:
            record[key] = previous[key]
    if checkpoint is not None:
        record["resumed_from"] = checkpoint.name


def fit(trainer, progress, run: RunFolder, sink, checkpoint: Path | None, *, main: bool = True):
    """Train to the end or to the user's stop: ``(train output, None)``, or ``(None, the stopped RunResult)``."""
    sink.emit(StageChanged("training"))
    output = None
    # The Trainer starts with accelerate's free_memory(), a full gc.collect() that holds the GIL ~0.3 s in
    # the app. It stays: it is what frees an earlier run's cyclic garbage (and a GPU's memory with it).
    # Freezing the collector around train() removed the pause but left every run's cycles uncollected
    # (docs/benchmarks.md, GUI responsiveness).
    try:
        if checkpoint is not None and trainer.is_finished_checkpoint(str(checkpoint)):
            # The run died after its last step (in the final evaluation, say): nothing is left to train.
            output = trainer.adopt_finished_checkpoint(str(checkpoint))
            progress.on_train_begin(trainer.args, trainer.state, trainer.control)
        else:
            output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    except RunCancelled:
        # Cancelled during an evaluation: the step itself completed, so its state is a valid
        # place to resume from (saved as the Trainer's own scheduled saves are).
        trainer.save_checkpoint_now()
        progress.cancelled = True
    if not progress.cancelled:
        return output, None
    step = trainer.state.global_step
    if main:
        run.update_run(status="stopped", stopped_at_step=step)
    sink.emit(RunFinished("cancelled", str(run.path), step=step))
    return None, RunResult("cancelled", run.path, step=step)


def training_arguments(config: RunConfig, run: RunFolder, choice, task, train_size: int):
    """The TrainingArguments for a run: careful settings a good hand-written script would use."""
    from transformers import TrainingArguments

    effective_batch = config.batch_size * config.gradient_accumulation_steps
    steps_per_epoch = max(1, math.ceil(train_size / effective_batch))
    total_steps = config.max_steps or math.ceil(steps_per_epoch * config.epochs)
    logging_steps = config.logging_steps or max(1, total_steps // TARGET_LOG_POINTS)
    on_gpu = choice.device.startswith("cuda")
    if on_gpu and ":" in choice.device and not distributed.is_distributed():
        import torch

        torch.cuda.set_device(int(choice.device.split(":")[1]))
    # batch_size is the examples per optimizer step; under a launcher the processes share it, so a run
    # keeps its training dynamics (and its learning rate) whatever the number of GPUs.
    per_device = math.ceil(config.batch_size / distributed.world_size())
    best_metric, higher_is_better = task.best_metric(config)  # from the config: a label mode can change it
    settings = dict(
        output_dir=str(run.checkpoints),
        per_device_train_batch_size=per_device,
        per_device_eval_batch_size=per_device * 2,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,  # a float below 1 is a share of the total steps
        lr_scheduler_type="linear",
        eval_strategy=config.eval_strategy,
        save_strategy=config.eval_strategy,
        eval_steps=config.eval_steps,
        save_steps=config.eval_steps,
        logging_strategy="steps",
        logging_steps=logging_steps,
        save_total_limit=None,  # StudioTrainer prunes: newest save_total_limit plus the best, atomically
        load_best_model_at_end=True,
        metric_for_best_model=best_metric,
        greater_is_better=higher_is_better,
        seed=config.seed,
        bf16=choice.precision == "bf16",
        fp16=choice.precision == "fp16",
        tf32=True if on_gpu and _gpu_has_tf32() else None,
        use_cpu=choice.device == "cpu",
        # Batches of similar length waste little compute on padding.
        train_sampling_strategy="group_by_length",
        length_column_name="length",
        # The length column must reach the sampler; DropColumns removes it before the model sees a batch.
        remove_unused_columns=False,
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=True,
        save_only_model=False,
    )
    settings.update(task.training_overrides(config))
    return TrainingArguments(**settings)


def _gpu_has_tf32() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.get_device_capability()[0] >= 8
