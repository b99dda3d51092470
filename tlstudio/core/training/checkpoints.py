"""Resumable checkpoints that a crash, a kill or a full disk cannot corrupt.

The stock Trainer writes straight into ``checkpoint-N``, so a run killed
mid-save leaves a folder that looks complete to a later resume.  tlstudio's
Trainer saves through :func:`save_checkpoint` instead: everything goes into
``tmp-checkpoint-N``, is flushed to disk, and only then renamed to
``checkpoint-N`` (a rename within one file system is atomic).  Resume only
ever looks at ``checkpoint-N`` folders, and leftovers of an interrupted save
are deleted.

A checkpoint holds what an exact resume needs: weights (safetensors),
optimizer, scheduler, gradient scaler, RNG states and ``trainer_state.json``
(step, epoch, loss history, best metric).  The optimizer/RNG files are the
Trainer's own pickles; the Trainer loads them with ``weights_only=True``.
The Trainer's ``training_args.bin`` pickle is replaced by a JSON copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import TlStudioError

# The names and the listing of checkpoint-N folders live with the run folder's other files, so the run's
# readers (the runs list, recovery) find them without importing training.
from ..runs.folder import CHECKPOINT_PREFIX as PREFIX
from ..runs.folder import TRAINER_STATE_FILE as STATE_FILE
from ..runs.folder import checkpoint_step, complete_checkpoints, last_checkpoint

STAGING_PREFIX = "tmp-checkpoint-"
REPLACED_PREFIX = "tmp-replaced-checkpoint-"
# Room left over on top of the estimate, for the tokenizer, JSON files and file-system overhead.
SPACE_MARGIN_BYTES = 32 * 2**20


class CheckpointWriteError(TlStudioError):
    """A checkpoint could not be written; the previous one is intact."""


class NonFiniteWeights(Exception):
    """The model's weights hold NaN or infinity, so they must not be saved as a checkpoint."""


# --------------------------------------------------------------------------- sizes and space


def checkpoint_size_estimate(model) -> int:
    """Bytes a checkpoint of ``model`` needs: its weights plus Adam's two moments, about 3x the weights."""
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    fp32_params = sum(p.numel() * 4 for p in model.parameters() if p.requires_grad)
    return weights + 2 * fp32_params + SPACE_MARGIN_BYTES


def free_bytes(folder: Path) -> int:
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def human_bytes(count: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"  # pragma: no cover - the loop always returns


def space_warning(folder: Path, model, limit: int) -> str | None:
    """A warning before training when the disk cannot hold the checkpoints a run keeps plus its export."""
    needed = checkpoint_size_estimate(model) * (limit + 1)
    free = free_bytes(folder)
    if free >= needed:
        return None
    return (
        f"{folder} has {human_bytes(free)} free; this run's checkpoints need about {human_bytes(needed)}. "
        "If a checkpoint cannot be saved the run stops with the previous one intact, ready to resume once there "
        "is room."
    )


def check_space(folder: Path, needed: int, step: int) -> None:
    """Refuse to start a save that cannot fit, before anything is written."""
    free = free_bytes(folder)
    if free < needed:
        raise _write_error(
            folder, step, f"only {human_bytes(free)} is free and a checkpoint needs about {human_bytes(needed)}", needed
        )


def _write_error(root: Path, step: int, reason: str, needed: int) -> CheckpointWriteError:
    run = root.parent
    previous = last_checkpoint(root)
    kept = (
        f"The previous checkpoint (step {checkpoint_step(previous)}) is intact, so no finished work is lost."
        if previous
        else "There is no earlier checkpoint yet."
    )
    return CheckpointWriteError(
        f"could not save the checkpoint at step {step} in {root}: {reason}. {kept}",
        f"Free some disk space (a checkpoint needs about {human_bytes(needed)}) or make the folder writable, "
        f"then continue with: tlstudio train --resume {run}",
    )


# --------------------------------------------------------------------------- tidying (listing: runs/folder.py)


def remove_leftovers(root: Path) -> list[str]:
    """Delete what an interrupted save left behind; returns the names removed."""
    root = Path(root)
    if not root.is_dir():
        return []
    removed = []
    for child in root.iterdir():
        if child.name.startswith((STAGING_PREFIX, REPLACED_PREFIX)) and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
    return removed


def prune(root: Path, limit: int, keep: Path | None = None) -> list[Path]:
    """Delete all but the newest ``limit`` checkpoints, never ``keep`` (the best one)."""
    found = complete_checkpoints(root)
    newest = set(found[-limit:]) if limit > 0 else set(found)
    doomed = [p for p in found if p not in newest and (keep is None or p.resolve() != Path(keep).resolve())]
    for path in doomed:
        # Rename first so a kill halfway through a deletion never leaves a partial checkpoint-N behind.
        staging = path.with_name(REPLACED_PREFIX + path.name[len(PREFIX) :])
        os.replace(path, staging)
        shutil.rmtree(staging, ignore_errors=True)
    if keep is not None and Path(keep).is_dir() and Path(keep).resolve() not in {p.resolve() for p in newest}:
        _drop_resume_state(Path(keep))
    return doomed


# Only what resuming needs beyond the weights: the optimizer's moments (twice the weights), the schedule, the RNG.
RESUME_ONLY = ("optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state.pth", "rng_state_*.pth")


def _drop_resume_state(checkpoint: Path) -> None:
    """The best checkpoint, once older than the newest ones, is kept for its weights alone (the Trainer loads them
    at the end): its optimizer state is twice the model's size and no resume starts from it."""
    for pattern in RESUME_ONLY:
        for item in checkpoint.glob(pattern):
            try:
                item.unlink()
            except OSError:
                pass


# --------------------------------------------------------------------------- saving


def save_checkpoint(trainer, trial=None, *, limit: int | None = None) -> Path:
    """What ``Trainer._save_checkpoint`` does, written to a temporary folder and renamed when complete.

    ``trainer`` is a StudioTrainer: the Trainer's private savers are reached through its public methods.

    Under a launcher every process calls it: each writes its own RNG file, the
    main process the rest, and only the main process tidies, renames and
    prunes, once every process has written (the agreement on failure is also
    what keeps one process's error from leaving the others waiting).
    """
    from .distributed import any_process

    state = trainer.state
    step = state.global_step
    main = trainer.args.should_save
    root = Path(trainer.checkpoint_root(trial=trial))
    final = root / f"{PREFIX}{step}"
    staging = root / f"{STAGING_PREFIX}{step}"
    _check_finite(trainer.model, step)  # identical weights on every process, so they all stop together
    needed = checkpoint_size_estimate(trainer.model)

    failure: Exception | None = None
    if main:
        try:
            root.mkdir(parents=True, exist_ok=True)
            remove_leftovers(root)
            check_space(root, needed, step)
        except (CheckpointWriteError, OSError) as exc:
            failure = exc
    if any_process(failure is not None, trainer.args.device):
        _raise_write_failure(failure, root, step, needed)

    try:
        _write_state(trainer, trial, staging, final, root, main)
    except Exception as exc:  # noqa: BLE001 - classified below, after every process has had its say
        failure = exc
    if any_process(failure is not None, trainer.args.device):
        if main:
            shutil.rmtree(staging, ignore_errors=True)
        _raise_write_failure(failure, root, step, needed)
    if not main:
        return final
    try:
        _flush_tree(staging)
        _publish(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _raise_write_failure(exc, root, step, needed)
    if limit:
        try:
            prune(root, limit, keep=Path(state.best_model_checkpoint) if state.best_model_checkpoint else None)
        except OSError:
            pass  # a checkpoint too many is harmless; the next save tries again
    return final


def _write_state(trainer, trial, staging: Path, final: Path, root: Path, main: bool) -> None:
    """Everything a resume needs, into ``staging`` (the Trainer's own save methods, minus its rotation)."""
    from transformers.trainer_callback import ExportableState

    state = trainer.state
    if trainer.hp_search_backend is None and trial is None:
        trainer.store_flos()
    trainer.save_weights(str(staging))
    if main:
        _replace_training_args(trainer, staging)
    if not trainer.args.save_only_model:
        trainer.save_resume_state(str(staging))  # every process: one RNG file each under a launcher
    best_step = state.best_global_step
    if best_step == state.global_step:
        state.best_model_checkpoint = str(final)
    elif best_step and (root / f"{PREFIX}{best_step}").is_dir():
        state.best_model_checkpoint = str(root / f"{PREFIX}{best_step}")
    if not main:
        return
    for callback in trainer.callback_handler.callbacks + [trainer.control]:
        if isinstance(callback, ExportableState):
            name = callback.__class__.__name__
            if isinstance(state.stateful_callbacks.get(name), list):
                state.stateful_callbacks[name].append(callback.state())
            else:
                state.stateful_callbacks[name] = callback.state()
    state.save_to_json(str(staging / STATE_FILE))


def _raise_write_failure(exc: Exception | None, root: Path, step: int, needed: int):
    if exc is None:  # another process failed; it reports the reason
        raise CheckpointWriteError(
            f"another training process could not save the checkpoint at step {step}.", "See the main process's message."
        )
    if isinstance(exc, CheckpointWriteError):
        raise exc
    reason = _disk_failure_reason(exc, root, needed)
    if reason is None:
        raise exc
    raise _write_error(root, step, reason, needed) from None


def _check_finite(model, step: int) -> None:
    import torch

    for name, parameter in model.named_parameters():
        if not bool(torch.isfinite(parameter.detach()).all()):
            raise NonFiniteWeights(f"weight '{name}' is not finite at step {step}")


def _replace_training_args(trainer, folder: Path) -> None:
    """The Trainer's ``training_args.bin`` is a pickle nobody reads back; keep a JSON copy instead."""
    (folder / "training_args.bin").unlink(missing_ok=True)
    (folder / "training_args.json").write_text(trainer.args.to_json_string(), encoding="utf-8")


def _disk_failure_reason(exc: Exception, root: Path, needed: int) -> str | None:
    """A readable reason when ``exc`` is the file system failing us; None for anything else (a bug)."""
    import errno

    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "the disk is full"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"the folder cannot be written ({exc.strerror})"
        return exc.strerror or str(exc)
    text = str(exc).lower()
    # torch.save and safetensors report write failures as RuntimeError/SafetensorError.
    if "write" in text or "space" in text or free_bytes(root) < needed:
        return "the disk is full" if free_bytes(root) < needed else f"writing failed ({exc})"
    return None


def _flush_tree(folder: Path) -> None:
    """fsync every file, then the folder: after a power cut the renamed folder is complete, not empty files."""
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder for fsync; NTFS journals renames itself
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(staging: Path, final: Path) -> None:
    """Rename the finished checkpoint into place; an older one of the same step is swapped out first."""
    if final.exists():
        # Saving the same step twice (a cancel right after a scheduled save): the new copy replaces it.
        old = final.with_name(REPLACED_PREFIX + final.name[len(PREFIX) :])
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, final)
    _fsync_dir(final.parent)
