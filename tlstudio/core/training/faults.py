"""What goes wrong during long runs, and what tlstudio does about it.

* A NaN or infinite loss (or gradient) stops the run at once, before the
  optimizer step that would write NaN into the weights; the last good
  checkpoint is kept and the user is told the step and what to change.
* Running out of memory is not the end of a run: it continues from its last
  checkpoint with half the batch per step and twice the gradient
  accumulation, so the effective batch (and so the training recipe) stays
  the same.
* A checkpoint that cannot be written (full disk, read-only folder) stops the
  run with the previous checkpoint intact (see ``checkpoints.py``).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from ..config import RunConfig
from ..errors import TlStudioError


class NonFiniteLoss(Exception):
    """Raised inside the Trainer when a step's loss or gradient is NaN or infinite."""

    def __init__(self, step: int, epoch: float, value: float, what: str = "loss"):
        super().__init__(f"{what} is {value} at step {step}")
        self.step = step
        self.epoch = epoch
        self.value = value
        self.what = what


class TrainingDiverged(TlStudioError):
    """The loss became NaN or infinite; the run stopped."""


class OutOfMemory(TlStudioError):
    """Even the smallest batch does not fit in memory."""


def check_loss(loss, state, what: str = "loss") -> None:
    """Raise :class:`NonFiniteLoss` when ``loss`` (a tensor or float) is NaN or infinite."""
    value = float(loss.detach().float().sum()) if hasattr(loss, "detach") else float(loss)
    if not math.isfinite(value):
        # global_step counts finished optimizer steps; this one is the next.
        raise NonFiniteLoss(state.global_step + 1, float(state.epoch or 0.0), value, what)


def backbone_damage(config: RunConfig, *, allow_pickle: bool = False) -> tuple[str, str, str, str] | None:
    """``(backbone folder, file, tensor, "NaN" | "infinite")`` when the run's backbone itself holds non-finite
    weights, else None.  Read once, after a run diverged: then no learning rate can help."""
    from ..backbones import resolve_backbone

    try:
        path = resolve_backbone(config.backbone, allow_pickle=allow_pickle).path
    except TlStudioError:
        return None
    found = non_finite_weights(path)
    return (str(path), *found) if found else None


def diverged_error(
    exc: NonFiniteLoss | Exception,
    config: RunConfig,
    run_path,
    last_good_step: int | None,
    precision: str,
    damage: tuple[str, str, str, str] | None = None,
) -> TrainingDiverged:
    """The message a user reads when training diverged (``damage``: what :func:`backbone_damage` found)."""
    if isinstance(exc, NonFiniteLoss):
        value = "NaN" if math.isnan(exc.value) else ("infinite" if exc.value > 0 else "-infinite")
        what = f"the {exc.what} became {value} at step {exc.step} (epoch {exc.epoch:.2f})"
    else:
        what = f"the weights stopped being finite numbers ({exc})"
    kept = (
        f"the last good checkpoint (step {last_good_step}) is kept in {run_path}"
        if last_good_step is not None
        else "there was no checkpoint yet"
    )
    if damage is not None:
        folder, file, tensor, kind = damage
        return TrainingDiverged(
            f"training diverged: {what} because the backbone's weights hold {kind} values in {tensor} "
            f"({file} in {folder}): the backbone file is damaged. The run stopped and no model was exported.",
            "A lower learning rate will not help: replace the backbone with an intact copy (download or copy it "
            "again) and start a new run.",
        )
    lower = config.learning_rate / 10
    hint = (
        f"Lower the learning rate (it is {config.learning_rate:g}; try {lower:g}) and start a new run: "
        f"tlstudio train --config {run_path}/run.json --learning-rate {lower:g} --output NEW_FOLDER"
    )
    if precision == "fp16":
        hint += " Training in fp16 overflows easily; --precision fp32 (or bf16) is more stable."
    return TrainingDiverged(f"training diverged: {what}. The run stopped and no model was exported; {kept}.", hint)


# --------------------------------------------------------------------------- out of memory


def is_out_of_memory(exc: BaseException) -> bool:
    """True for the errors a smaller batch can cure (CUDA, MPS or CPU allocation failures)."""
    try:
        import torch

        if isinstance(exc, torch.OutOfMemoryError):
            return True
    except (ImportError, AttributeError):  # pragma: no cover - torch always has it in supported versions
        pass
    from accelerate.utils.memory import should_reduce_batch_size

    return should_reduce_batch_size(exc)


def smaller_batch(config: RunConfig) -> tuple[RunConfig, str]:
    """A config with a smaller batch per step and the same effective batch, and a sentence saying so.

    The new batch is the largest divisor of the old one that is at most half
    of it (16 -> 8, 6 -> 3, 5 -> 1), so batch x accumulation stays exact.
    """
    batch = config.batch_size
    if batch <= 1:
        raise OutOfMemory(
            "the run does not fit in memory even with a batch of 1 example per step.",
            "Lower --max-length, choose a smaller backbone, or train on the CPU (--device cpu).",
        )
    new_batch = max(d for d in range(1, batch // 2 + 1) if batch % d == 0)
    factor = batch // new_batch
    new = dataclasses.replace(
        config, batch_size=new_batch, gradient_accumulation_steps=config.gradient_accumulation_steps * factor
    )
    effective = batch * config.gradient_accumulation_steps
    text = (
        f"ran out of memory with batch_size {batch}; continuing with batch_size {new_batch} and "
        f"gradient_accumulation_steps {new.gradient_accumulation_steps} (the effective batch of {effective} "
        f"examples per step is unchanged, so results stay comparable; each step just takes longer)."
    )
    return new, text


def out_of_memory_under_launcher(config: RunConfig) -> OutOfMemory:
    return OutOfMemory(
        f"a process ran out of GPU memory with batch_size {config.batch_size} (examples per step across all GPUs).",
        "Under accelerate/torchrun the batch cannot shrink mid-run; start again with a smaller --batch-size and a "
        "larger --gradient-accumulation-steps (same effective batch), or a lower --max-length.",
    )


def release_memory() -> None:
    """Hand the failed attempt's memory back before the next one starts."""
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:  # pragma: no cover
        pass


def non_finite_weights(path: Path | str) -> tuple[str, str, str] | None:
    """``(file name, tensor name, "NaN" | "infinite")`` for the first weight in the folder that is not a finite number.

    Reads every tensor of the folder's safetensors files once (pickle weights are not opened): only called when
    a run has already gone wrong, to tell a damaged backbone from a learning rate that is too high.
    """
    import torch
    from safetensors import SafetensorError, safe_open

    from ..backbones import safetensors_files
    from ..errors import BackboneError

    path = Path(path)
    try:
        files = safetensors_files(path)
    except (BackboneError, OSError):
        return None
    for file in files:
        try:
            with safe_open(str(file), framework="pt") as handle:
                for name in handle.keys():
                    tensor = handle.get_tensor(name)
                    if not tensor.is_floating_point() or bool(torch.isfinite(tensor).all()):
                        continue
                    return file.name, name, "NaN" if bool(torch.isnan(tensor).any()) else "infinite"
        except (SafetensorError, OSError):
            continue
    return None
