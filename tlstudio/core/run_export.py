"""Exporting a finished run's model to a folder of the user's choice.

The export is a plain Hugging Face model folder: weights (safetensors only),
config with the label names, tokenizer, a model card with the user's own
words, plus ``run.json`` and ``metrics.json`` so the model carries how it was
made.  Checkpoints, TensorBoard logs and the validation rows (which hold the
user's data) stay behind.  The folder appears complete or not at all: files
are copied into a hidden staging folder beside the destination, which is
then renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import ConfigError, RunCancelled, TlStudioError
from .model_card import CARD_FIELDS, render_model_card
from .progress import StageChanged, WorkProgressed
from .run_folder import METRICS_FILE, RunFolder

# Top-level files of a run folder that are not part of the model.
LEFT_BEHIND = {"eval_predictions.jsonl", "training_args.json", "trainer_state.json", "README.md"}
LEFT_BEHIND_DIRS = {"checkpoints", "tensorboard", ".export-tmp"}
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
EXTRA_DIRS = {"onnx"}  # optional sub-exports travel with the model


@dataclass(frozen=True)
class ExportPlan:
    source: Path
    destination: Path
    files: tuple[tuple[str, int], ...]  # (path relative to the export, bytes); README.md is generated
    card: str
    task: str

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files) + len(self.card.encode("utf-8"))


def plan_export(run_dir: str | Path, destination: str | Path, card_fields: dict[str, str] | None = None) -> ExportPlan:
    """What an export would write, without writing anything (the Export page's preview)."""
    run = RunFolder(run_dir)
    record = run.read_run()
    if record.get("status") != "completed" or not (run.path / "config.json").is_file():
        raise ConfigError(f"the run in {run.path} has no finished model to export.",
                          "Finish (or resume) the run first.")
    destination = Path(destination).expanduser().resolve()
    if destination == run.path or run.path in destination.parents:
        raise ConfigError("the export folder cannot be inside the run folder.", "Choose a folder elsewhere.")
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise ConfigError(f"{destination} already exists and is not empty.",
                          "Choose a new folder name; exports never overwrite files.")
    metrics = json.loads((run.path / METRICS_FILE).read_text(encoding="utf-8"))
    fields = {k: (card_fields or {}).get(k, "").strip() for k in CARD_FIELDS}
    files = []
    for item in sorted(run.path.iterdir()):
        if item.is_dir():
            if item.name in EXTRA_DIRS:
                files += [(str(f.relative_to(run.path)), f.stat().st_size)
                          for f in sorted(item.rglob("*")) if f.is_file()]
            continue
        if item.name in LEFT_BEHIND or item.name.startswith("."):
            continue
        if item.suffix in PICKLE_SUFFIXES:
            continue  # a pickle never leaves tlstudio
        files.append((item.name, item.stat().st_size))
    # The card names the model after its new folder, not the run it came from.
    card_record = {**record, "config": {**record["config"], "output": str(destination)}}
    return ExportPlan(run.path, destination, tuple(files), render_model_card(card_record, metrics, fields),
                      record["config"].get("task", "text-classification"))


def export_run(plan: ExportPlan, sink=None, cancel=None) -> Path:
    """Write the planned export; returns the destination folder."""
    destination = plan.destination
    if destination.exists() and any(destination.iterdir()):
        raise ConfigError(f"{destination} is no longer empty.", "Choose another folder.")
    staging = destination.parent / f".{destination.name}.export-{uuid.uuid4().hex[:8]}"
    total, done = plan.total_bytes, 0
    if sink is not None:
        sink.emit(StageChanged("exporting", str(destination)))
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        for name, size in plan.files:
            if cancel is not None and cancel.cancelled:
                raise RunCancelled()
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(plan.source / name, target)
            done += size
            if sink is not None:
                sink.emit(WorkProgressed(done, total, "bytes", name))
        (staging / "README.md").write_text(plan.card, encoding="utf-8")
        if destination.exists():
            destination.rmdir()  # empty (checked above); the rename needs the name free
        os.replace(staging, destination)
    except OSError as exc:
        raise TlStudioError(f"cannot write the export to {destination}: {exc.strerror or exc}.",
                            "Check the folder is writable and the disk has space.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _record_export(plan.source, destination)
    return destination


def _record_export(source: Path, destination: Path) -> None:
    """Note the export in run.json, so the runs list knows where the model went."""
    run = RunFolder(source)
    try:
        record = run.read_run()
        exports = list(record.get("exports") or [])
        exports.append({"path": str(destination), "at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        run.update_run(exports=exports)
    except (TlStudioError, OSError):
        pass  # the export itself succeeded; a read-only run folder is no reason to fail it


def usage_snippet(destination: str | Path, task: str = "text-classification") -> str:
    """Python that loads the export with plain transformers (no tlstudio needed)."""
    example = {"text-classification": "Write a sentence here."}.get(task, "Write some text here.")
    return (
        "from transformers import pipeline\n\n"
        f'model = pipeline("{task}", model=r"{destination}")\n'
        f'print(model("{example}"))\n'
    )
