"""The run folder: what ``--output DIR`` receives.

Its top level is a standard Hugging Face model folder (safetensors weights,
``config.json`` with human label names, tokenizer files) plus ``README.md``
(model card), ``run.json`` (the whole config, enough to repeat the run),
``metrics.json`` and ``trainer_state.json``: all data, no pickles.
Resumable Trainer state lives under ``checkpoints/``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from .errors import ConfigError, TlStudioError
from .files import FILE_MODE, atomic_write_json, atomic_write_text

RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "eval_predictions.jsonl"
CHECKPOINTS = "checkpoints"


class RunFolder:
    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser().resolve()

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS

    # ----------------------------------------------------------- lifecycle
    def prepare_new(self) -> None:
        """Create the folder for a new run; refuse to mix two runs in one folder."""
        if self.path.exists() and not self.path.is_dir():
            raise ConfigError(f"output {self.path} is a file.", "Choose a folder for --output.")
        if self.path.is_dir() and any(self.path.iterdir()):
            if self.run_file.exists():
                raise ConfigError(
                    f"{self.path} already holds a tlstudio run.",
                    f"Continue it with: tlstudio train --resume {self.path}, or choose a new --output folder.",
                )
            raise ConfigError(f"output folder {self.path} is not empty.", "Choose a new or empty folder for --output.")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create {self.path}: {exc.strerror}.",
                              "Choose a folder you can write to.") from None
        self.ensure_writable()

    def ensure_writable(self) -> None:
        """Fail now, with a clear message, rather than at the first checkpoint an hour into the run."""
        try:
            probe = self.path / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"cannot write to {self.path}: {exc.strerror}.",
                              "Choose a folder you can write to, or make this one writable.") from None

    def read_run(self) -> dict[str, Any]:
        if not self.run_file.is_file():
            raise ConfigError(f"{self.path} holds no tlstudio run (no {RUN_FILE}).", "Pass the --output folder of a run.")
        try:
            record = json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.run_file} cannot be read ({exc}).") from None
        # run.json is data only; anything else in it is a damaged or foreign file, not a run to act on.
        if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
            raise ConfigError(f"{self.run_file} is not a tlstudio run record (it has no 'config' object).",
                              "Pass the --output folder of a tlstudio run.")
        return record

    def write_run(self, record: dict[str, Any]) -> None:
        atomic_write_json(self.run_file, record)

    def update_run(self, **changes: Any) -> dict[str, Any]:
        record = self.read_run()
        record.update(changes)
        self.write_run(record)
        return record

    def record_stop(self, status: str, reason: str) -> None:
        """Say in run.json why the run ended, for the app and a later --resume; best effort (the disk may be full)."""
        try:
            if self.run_file.exists():
                self.update_run(status=status, error=reason)
        except (OSError, TlStudioError):
            pass

    def note_adjustment(self, config: dict[str, Any], change: str, *, at: str) -> None:
        """Record a change tlstudio made to a running run (a smaller batch after running out of memory)."""
        try:
            record = self.read_run()
            record.setdefault("adjustments", []).append({"at": at, "change": change})
            record["config"] = config
            self.write_run(record)
        except (OSError, TlStudioError):
            pass

    def recorded(self, *keys: str) -> Any:
        """A nested value of run.json, or None when the file or the value is missing."""
        try:
            value: Any = self.read_run()
        except TlStudioError:
            return None
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def write_json(self, name: str, value: Any) -> None:
        atomic_write_json(self.path / name, value)

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.path / name, text)

    # --------------------------------------------------------- checkpoints
    def checkpoint_dirs(self) -> list[Path]:
        """Complete checkpoints, oldest first (interrupted saves are never among them)."""
        from .training.checkpoints import complete_checkpoints

        return complete_checkpoints(self.checkpoints)

    def last_checkpoint(self) -> Path | None:
        dirs = self.checkpoint_dirs()
        return dirs[-1] if dirs else None

    # --------------------------------------------------------------- export
    def export_model(self, model, tokenizer) -> None:
        """Save the model and tokenizer at the top level, replacing any earlier export file by file."""
        staging = self.path / ".export-tmp"
        if staging.exists():
            shutil.rmtree(staging)
        try:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            for item in staging.iterdir():
                if item.suffix in (".bin", ".pt", ".pth", ".pkl"):
                    raise TlStudioError(f"refusing to export pickle file {item.name}.")
                os.chmod(item, FILE_MODE)
                os.replace(item, self.path / item.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def recorded_config(record: dict[str, Any]) -> dict[str, Any]:
    """The recorded config, with paths an older tlstudio kept as typed (relative to the folder the run was
    started from) found again from the absolute data path it also recorded, so resume works from anywhere."""
    values = dict(record["config"])
    data = values.get("data")
    data_record = record.get("data")
    recorded = data_record.get("path") if isinstance(data_record, dict) else None
    if not (isinstance(data, str) and data and not Path(data).is_absolute() and isinstance(recorded, str)):
        return values
    recorded_path = Path(recorded)
    if not recorded_path.exists() or Path(data).exists():
        return values
    # data 'sets/train.csv' recorded as '/home/u/proj/sets/train.csv': the run started in /home/u/proj.
    parts = Path(data).parts
    started_in = recorded_path.parents[len(parts) - 1] if recorded_path.parts[-len(parts):] == parts else None
    values["data"] = str(recorded_path)
    for name in ("eval_data", "adapt_path", "backbone", "subtasks"):
        value = values.get(name)
        if started_in is not None and isinstance(value, str) and value and not Path(value).is_absolute() \
                and (started_in / value).exists():
            values[name] = str(started_in / value)
    return values
