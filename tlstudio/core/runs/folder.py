"""The run folder: what ``--output DIR`` receives.

Its top level is a standard Hugging Face model folder (safetensors weights,
``config.json`` with human label names, tokenizer files) plus ``README.md``
(model card), ``run.json`` (the whole config, enough to repeat the run),
``metrics.json`` and ``trainer_state.json``: all data, no pickles.
Resumable Trainer state lives under ``checkpoints/``.

This module is the one place that names the run's files and parses them:
readers take a :class:`RunRecord` (run.json), :class:`RunMetrics`
(metrics.json) and the rows of ``eval_predictions.jsonl`` from
:class:`RunFolder` (or :func:`open_run`), never the files themselves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError, TlStudioError
from ..files import FILE_MODE, atomic_write_json, atomic_write_text
from .record import RunMetrics, RunRecord

RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "eval_predictions.jsonl"
EVENTS_FILE = "events.jsonl"
CHECKPOINTS = "checkpoints"
# Inside checkpoints/: one checkpoint-N folder per finished save.  training/checkpoints.py writes them; they are
# named and listed here, with the run's other files, so the runs list and recovery read them below training.
CHECKPOINT_PREFIX = "checkpoint-"
TRAINER_STATE_FILE = "trainer_state.json"
_CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d+)$")
RUN_FORMAT = "tlstudio-run/1"


class RunFolder:
    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser().resolve()

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def metrics_file(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def predictions_file(self) -> Path:
        return self.path / PREDICTIONS_FILE

    @property
    def events_file(self) -> Path:
        return self.path / EVENTS_FILE

    @property
    def checkpoints(self) -> Path:
        return self.path / CHECKPOINTS

    @property
    def is_run(self) -> bool:
        return self.run_file.is_file()

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
            raise ConfigError(
                f"cannot create {self.path}: {exc.strerror}.", "Choose a folder you can write to."
            ) from None
        self.ensure_writable()

    def ensure_writable(self) -> None:
        """Fail now, with a clear message, rather than at the first checkpoint an hour into the run."""
        try:
            probe = self.path / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"cannot write to {self.path}: {exc.strerror}.",
                "Choose a folder you can write to, or make this one writable.",
            ) from None

    def read_run(self) -> dict[str, Any]:
        if not self.run_file.is_file():
            raise ConfigError(
                f"{self.path} holds no tlstudio run (no {RUN_FILE}).", "Pass the --output folder of a run."
            )
        try:
            record = json.loads(self.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.run_file} cannot be read ({exc}).") from None
        # run.json is data only; anything else in it is a damaged or foreign file, not a run to act on.
        if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
            raise ConfigError(
                f"{self.run_file} is not a tlstudio run record (it has no 'config' object).",
                "Pass the --output folder of a tlstudio run.",
            )
        return record

    def write_run(self, record: dict[str, Any]) -> None:
        atomic_write_json(self.run_file, record)

    # --------------------------------------------------------------- readers
    def record(self) -> RunRecord:
        """run.json, typed; ConfigError when the folder holds no run or its record is damaged."""
        return RunRecord.from_dict(self.read_run(), source=self.run_file)

    def record_or_none(self) -> RunRecord | None:
        """run.json, typed, or None when it is missing or damaged (for lists and guesses that go on without it)."""
        try:
            return self.record()
        except TlStudioError:
            return None

    def write_record(self, record: RunRecord) -> None:
        self.write_run(record.to_dict())

    def metrics(self) -> RunMetrics | None:
        """metrics.json, or None before the run has finished; ConfigError when the file is damaged."""
        if not self.metrics_file.is_file():
            return None
        try:
            values = json.loads(self.metrics_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{self.metrics_file} cannot be read ({exc}).",
                "Evaluate the model again on a labelled file, or train the run again.",
            ) from None
        if not isinstance(values, dict):
            raise ConfigError(
                f"{self.metrics_file} is not a tlstudio metrics record (it is no JSON object).",
                "Evaluate the model again on a labelled file, or train the run again.",
            )
        return RunMetrics(values)

    def predictions(self, *, skip_damaged: bool = False) -> Iterator[dict[str, Any]]:
        """The rows of eval_predictions.jsonl, one validation example each (none when the file is missing).

        A line that is not a JSON object raises DataError naming the file and line, unless ``skip_damaged``
        (a reader that only samples rows goes on without it)."""
        if not self.predictions_file.is_file():
            return
        with open(self.predictions_file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    row, problem = None, f"it is not JSON ({exc})"
                else:
                    problem = "it is not a JSON object"
                if isinstance(row, dict):
                    yield row
                elif not skip_damaged:
                    raise DataError(
                        f"{self.predictions_file}, line {number}, is damaged: {problem}.",
                        "Evaluate the model again on a labelled file, or train the run again.",
                    )

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


def checkpoint_step(path: Path | None) -> int | None:
    match = _CHECKPOINT_NAME.match(path.name) if path is not None else None
    return int(match.group(1)) if match else None


def complete_checkpoints(root: Path) -> list[Path]:
    """``checkpoint-N`` folders, oldest first.

    Only a finished save is ever renamed to ``checkpoint-N``; the state-file
    test also skips half-written folders left by tlstudio versions that wrote
    in place.  Symbolic links are not followed: a checkpoint lives in its run.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        step = checkpoint_step(child)
        if step is not None and not child.is_symlink() and child.is_dir() and (child / TRAINER_STATE_FILE).is_file():
            found.append((step, child))
    return [path for _, path in sorted(found)]


def last_checkpoint(root: Path) -> Path | None:
    found = complete_checkpoints(root)
    return found[-1] if found else None


def is_run_folder(path: str | Path) -> bool:
    """True when ``path`` is a folder holding a tlstudio run record (its contents are not checked)."""
    return (Path(path).expanduser() / RUN_FILE).is_file()


def find_run_file(path: str | Path) -> Path:
    """The run record a command was pointed at: a run folder's run.json, or the file itself."""
    path = Path(path).expanduser()
    return path / RUN_FILE if path.is_dir() else path


def record_in_file(path: str | Path) -> RunRecord | None:
    """The run record a JSON file holds (a run.json copied out of its folder), or None when the file holds
    something else: bare settings, a saved config, or nothing readable."""
    try:
        value = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        return RunRecord.from_dict(value, source=path)
    except ConfigError:
        return None


def open_run(path: str | Path) -> RunFolder:
    """The run folder at ``path``; ConfigError when it holds no tlstudio run."""
    run = RunFolder(path)
    if not run.path.is_dir():
        raise ConfigError(f"run folder {run.path} does not exist.", "Pass the --output folder of a run.")
    if not run.is_run:
        raise ConfigError(f"{run.path} holds no tlstudio run (no {RUN_FILE}).", "Pass the --output folder of a run.")
    return run
