"""Which checkpoint a resume may start from, and getting it ready.

Every file of a checkpoint is read back before the Trainer is handed it: the weights' headers, the
optimizer, scheduler, scaler and RNG pickles through torch's weights-only loader, ``trainer_state.json`` as
JSON. A damaged or unsafe checkpoint is passed over (and set aside as ``damaged-checkpoint-N``, so pruning
and "the last checkpoint" never count it); the newest intact one is the resume point.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

from ..errors import TlStudioError
from ..files import atomic_write_json
from .checkpoints import PREFIX, STATE_FILE, checkpoint_step, complete_checkpoints


class NoIntactCheckpoint(TlStudioError):
    """Every checkpoint of a run is damaged or unsafe, so it cannot be resumed."""


def checkpoint_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be resumed from, naming the file; None when everything a resume reads is sound.

    The Trainer would read these same files on resume: the state (JSON), the weights (safetensors, header
    checked), and the optimizer, scheduler, scaler and RNG pickles, each opened here with torch's weights-only
    loader (memory-mapped, so the tensors are not read) exactly as the Trainer will.  A pickle that holds
    more than tensors is refused by that loader before anything in it runs.
    """
    folder = Path(folder)
    problem = _state_problem(folder / STATE_FILE)
    if problem:
        return problem
    config_file = folder / "config.json"
    if config_file.is_file():
        try:
            if not isinstance(json.loads(config_file.read_text(encoding="utf-8")), dict):
                return f"{config_file.name} is not a model config (not a JSON object)"
        except (OSError, ValueError) as exc:
            return f"{config_file.name} is damaged (not valid JSON: {exc})"
    problem = _weights_problem(folder)
    if problem:
        return problem
    for file in sorted(folder.iterdir()):
        if file.suffix in (".pt", ".pth", ".bin") and file.is_file():
            problem = torch_file_problem(file)
            if problem:
                return f"{file.name} {problem}"
    return None


def _state_problem(state_file: Path) -> str | None:
    from transformers import TrainerState

    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{state_file.name} is damaged (not valid JSON: {exc})"
    if not isinstance(state, dict):
        return f"{state_file.name} is not a trainer state (not a JSON object)"
    step = state.get("global_step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        return f"{state_file.name} is not a trainer state (it has no step count)"
    known = {f.name for f in dataclasses.fields(TrainerState)}
    unknown = sorted(set(state) - known)
    if unknown:
        return f"{state_file.name} is not a trainer state (unknown entries: {', '.join(unknown[:5])})"
    if not isinstance(state.get("log_history", []), list):
        return f"{state_file.name} is not a trainer state (its log_history is not a list)"
    try:
        TrainerState(**state)
    except Exception as exc:  # noqa: BLE001 - whatever the Trainer would trip over on resume
        return f"{state_file.name} is not a trainer state ({type(exc).__name__}: {exc})"
    return None


def _weights_problem(folder: Path, *, required: bool = True) -> str | None:
    from ..safetensors_check import safetensors_problem

    files = sorted(p for p in folder.iterdir() if p.name.endswith(".safetensors") and p.is_file())
    has_index = any(p.name.endswith(".safetensors.index.json") for p in folder.iterdir())
    if not files and required:
        return "it holds no model weights (model.safetensors)"
    for file in files:
        problem = safetensors_problem(file)
        if problem:
            return f"{file.name} is damaged: {problem}"
    if has_index:
        for index in folder.glob("*.safetensors.index.json"):
            try:
                shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                return f"{index.name} is damaged (it does not list the weight files)"
            missing = sorted(str(s) for s in shards if not (folder / str(s)).is_file())
            if missing:
                return f"{index.name} names weight files that are missing ({', '.join(missing[:3])})"
    return None


def torch_file_problem(file: Path) -> str | None:
    """What makes a torch pickle unfit to load (``"is unsafe: ..."`` or ``"is damaged: ..."``), or None.

    Loaded as the Trainer loads it: ``weights_only=True`` with the numpy types its RNG files need allowed.
    """
    import torch
    from transformers.trainer_pt_utils import safe_globals

    from ..backbones import is_blocked_unpickling

    def load(mmap: bool) -> None:
        with safe_globals():
            torch.load(file, map_location="cpu", weights_only=True, mmap=mmap)

    try:
        try:
            load(mmap=True)
        except RuntimeError as exc:
            if "mmap" not in str(exc):
                raise
            load(mmap=False)  # an old-format file cannot be memory-mapped; read it whole
    except Exception as exc:  # noqa: BLE001 - classified: a refused payload, or a damaged file
        if is_blocked_unpickling(exc) and not _looks_truncated(exc):
            return (
                "is unsafe: it holds more than plain tensors and numbers (it would run code or build "
                "arbitrary objects when unpickled), so tlstudio's safe loader refused it and nothing in it ran"
            )
        return f"is damaged: it cannot be read ({_first_line(exc)})"
    return None


def _looks_truncated(exc: BaseException) -> bool:
    text = str(exc)
    return any(s in text for s in ("central directory", "EOF", "truncated", "failed reading zip"))


def _first_line(exc: BaseException) -> str:
    """An error's first line, never torch's advice about unsafe loading."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0].strip()
    return line if "weights_only" not in line else type(exc).__name__


def newest_intact_checkpoint(root: Path) -> tuple[Path | None, list[tuple[Path, str]]]:
    """The newest checkpoint a resume can use, and the newer ones passed over with the reason for each."""
    skipped = []
    for checkpoint in reversed(complete_checkpoints(root)):
        problem = checkpoint_problem(checkpoint)
        if problem is None:
            return checkpoint, skipped
        skipped.append((checkpoint, problem))
    return None, skipped


def skipped_warning(skipped: list[tuple[Path, str]], chosen: Path | None) -> str:
    """The sentence a user reads when damaged or unsafe checkpoints were passed over on resume."""
    where = (
        f"resuming from {chosen.name} (step {checkpoint_step(chosen)}), the newest intact one"
        if chosen
        else "starting over"
    )
    return (
        f"passed over {_listed(skipped)}; {where}. The bad checkpoint(s) are kept aside as "
        f"{DAMAGED_PREFIX}N, never loaded; delete them when you no longer need to look at them."
    )


DAMAGED_PREFIX = "damaged-checkpoint-"


def set_aside(skipped: list[tuple[Path, str]]) -> None:
    """Rename passed-over checkpoints out of the ``checkpoint-N`` names: otherwise they still count as the newest
    for pruning (which then deletes each intact checkpoint the resumed run saves) and for "the last checkpoint"
    in messages."""
    for checkpoint, _problem in skipped:
        target = checkpoint.with_name(DAMAGED_PREFIX + checkpoint.name.removeprefix(PREFIX))
        try:
            if target.exists():
                shutil.rmtree(target)
            os.replace(checkpoint, target)
        except OSError:
            pass  # a read-only run folder: the resume below still uses the intact checkpoint


def no_intact_checkpoint(run_path: Path, skipped: list[tuple[Path, str]], run_file: Path) -> NoIntactCheckpoint:
    unsafe = any(" is unsafe" in problem for _, problem in skipped)
    return NoIntactCheckpoint(
        f"the run in {run_path} cannot be resumed: none of its checkpoints is intact ({_listed(skipped)}).",
        f"Start it again: tlstudio train --config {run_file} --output NEW_FOLDER"
        + (
            ". A checkpoint holding a payload was tampered with: delete it and do not load it any other way."
            if unsafe
            else ""
        ),
    )


def _listed(skipped: list[tuple[Path, str]]) -> str:
    return "; ".join(f"{path.name}: {problem}" for path, problem in skipped)


def prepare_for_resume(checkpoint: Path, root: Path) -> None:
    """Check a checkpoint's own records before the Trainer trusts them.

    ``best_model_checkpoint`` in ``trainer_state.json`` is a path the Trainer
    loads weights from at the end of a run; it must name a checkpoint of this
    run.  It is rewritten to this run's folder (which also keeps a moved run
    folder working) or dropped when it points anywhere else.
    """
    state_file = checkpoint / STATE_FILE
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TlStudioError(
            f"{state_file} cannot be read ({exc}).",
            "The checkpoint is damaged; delete it to resume from an earlier one.",
        ) from None
    if not isinstance(state, dict) or not isinstance(state.get("global_step"), int):
        raise TlStudioError(
            f"{state_file} is not a trainer state.",
            "The checkpoint is damaged; delete it to resume from an earlier one.",
        )
    recorded = state.get("best_model_checkpoint")
    best_step = state.get("best_global_step")
    wanted = None
    if isinstance(best_step, int) and best_step > 0:
        candidate = Path(root) / f"{PREFIX}{best_step}"
        # The Trainer loads the best checkpoint's weights at the end: a damaged one is forgotten, not loaded.
        if candidate.is_dir() and not candidate.is_symlink() and _weights_problem(candidate, required=False) is None:
            wanted = str(candidate)
    if recorded != wanted:
        state["best_model_checkpoint"] = wanted
        atomic_write_json(state_file, state)
