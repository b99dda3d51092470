"""Every edit written to disk the moment it is made, so a crash or a power cut loses none.

A journal is a JSON Lines file per data file, in the user's data folder:
a header naming the data file (and its size and modification time, to tell
whether it changed since), then one line per step: a batch of cell changes,
an undo or redo (also written as cell changes), or the class list.  Each line
is appended with one ``write`` and ``fsync``'d before the edit counts as done.

On the next start :func:`pending_journals` finds journals whose edits were
never saved; :func:`read_journal` replays one (a line cut short by the crash
is ignored, everything before it is kept).  Saving or discarding the edits
deletes the journal.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .edits import CellChange

VERSION = 1
ENV_DIR = "TLSTUDIO_JOURNAL_DIR"


def default_journal_dir() -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tlstudio", appauthor=False)) / "journals"


def journal_path(data_path: str | Path, folder: str | Path | None = None) -> Path:
    resolved = str(Path(data_path).expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:20]
    return Path(folder or default_journal_dir()) / f"{digest}.jsonl"


@dataclass
class Recovered:
    """What a journal holds: the edits to replay, in order, and the class list last set."""

    path: Path
    data_path: Path
    data_format: str
    columns: dict[str, str]  # roles in use when the edits were made, e.g. {"label": "sentiment"}
    batches: list[list[CellChange]] = field(default_factory=list)
    classes: list[str] | None = None
    created: float = 0.0
    updated: float = 0.0
    data_changed: bool = False  # the data file's size or time differs from when the journal began
    torn: bool = False  # the last line was cut short (the crash happened mid-write)

    @property
    def changes(self) -> list[CellChange]:
        return [change for batch in self.batches for change in batch]

    @property
    def edit_count(self) -> int:
        return sum(1 for batch in self.batches for _ in batch)

    def net_changes(self) -> dict[tuple[int, str], tuple[Any, Any]]:
        """``{(row, column): (first old, last new)}`` with changes that came back to the start left out."""
        from .edits import same_value

        net: dict[tuple[int, str], tuple[Any, Any]] = {}
        for change in self.changes:
            key = (change.row, change.column)
            first = net[key][0] if key in net else change.old
            net[key] = (first, change.new)
        return {k: v for k, v in net.items() if not same_value(*v)}


class Journal:
    """The open journal of one data file: append steps, then close, delete (saved) or keep (crash)."""

    def __init__(
        self,
        data_path: str | Path,
        data_format: str,
        columns: dict[str, str] | None = None,
        folder: str | Path | None = None,
        *,
        resume: bool = False,
    ):
        self.data_path = Path(data_path).expanduser().resolve()
        self.path = journal_path(self.data_path, folder)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = None
        self._format = data_format
        self._columns = dict(columns or {})
        self._resume = resume and self.path.exists()

    def _open(self) -> int:
        if self._fd is None:
            if not self._resume:
                # A fresh journal: whatever was there before belongs to edits already saved or discarded.
                self.path.unlink(missing_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
            if not self._resume:
                stat = self.data_path.stat() if self.data_path.exists() else None
                self._append(
                    {
                        "kind": "header",
                        "version": VERSION,
                        "data": str(self.data_path),
                        "format": self._format,
                        "columns": self._columns,
                        "size": stat.st_size if stat else None,
                        "mtime_ns": stat.st_mtime_ns if stat else None,
                        "created": time.time(),
                    }
                )
                _fsync_dir(self.path.parent)
            self._resume = True
        return self._fd

    def record(self, changes: Iterable[CellChange], what: str = "edit") -> None:
        """Append one step; returns once it is on disk."""
        items = [change.to_list() for change in changes]
        if items:
            self._open()
            self._append({"kind": what, "changes": items, "time": time.time()})

    def record_classes(self, classes: list[str]) -> None:
        self._open()
        self._append({"kind": "classes", "classes": list(classes), "time": time.time()})

    def record_columns(self, columns: dict[str, str]) -> None:
        self._columns = dict(columns)
        if self._fd is not None:
            self._append({"kind": "columns", "columns": self._columns, "time": time.time()})

    def _append(self, entry: dict) -> None:
        line = (json.dumps(entry, ensure_ascii=False, default=_json_value) + "\n").encode("utf-8")
        os.write(self._fd, line)
        os.fsync(self._fd)

    @property
    def started(self) -> bool:
        return self._fd is not None or self._resume

    def close(self) -> None:
        """Stop writing but keep the file (the edits are still unsaved)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """The edits were saved or thrown away: the journal goes."""
        self.close()
        self.path.unlink(missing_ok=True)
        self._resume = False


def read_journal(path: str | Path) -> Recovered:
    path = Path(path)
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    torn = bool(lines[-1])  # no newline after the last entry: it was being written when the crash came
    entries = []
    for number, line in enumerate(lines[:-1]):
        try:
            entries.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            torn = True
            break  # nothing after a damaged line can be trusted to follow it
    if not entries or entries[0].get("kind") != "header":
        raise ValueError(f"{path} is not a tlstudio edit journal")
    header = entries[0]
    data_path = Path(header["data"])
    recovered = Recovered(
        path,
        data_path,
        header.get("format", ""),
        dict(header.get("columns") or {}),
        created=float(header.get("created", 0)),
        torn=torn,
    )
    recovered.updated = recovered.created
    for entry in entries[1:]:
        kind = entry.get("kind")
        if kind in ("edit", "undo", "redo"):
            recovered.batches.append([CellChange.from_list(item) for item in entry["changes"]])
        elif kind == "classes":
            recovered.classes = list(entry["classes"])
        elif kind == "columns":
            recovered.columns = dict(entry["columns"])
        recovered.updated = float(entry.get("time", recovered.updated))
    try:
        stat = data_path.stat()
        recovered.data_changed = (stat.st_size, stat.st_mtime_ns) != (header.get("size"), header.get("mtime_ns"))
    except OSError:
        recovered.data_changed = True
    return recovered


def pending_journals(folder: str | Path | None = None) -> list[Recovered]:
    """Journals left by a session that ended without saving or discarding, newest first."""
    folder = Path(folder or default_journal_dir())
    found = []
    for path in folder.glob("*.jsonl") if folder.is_dir() else []:
        try:
            recovered = read_journal(path)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if recovered.net_changes() or recovered.classes:
            found.append(recovered)
        else:
            path.unlink(missing_ok=True)  # every edit was undone again: nothing to offer
    return sorted(found, key=lambda r: r.updated, reverse=True)


def _json_value(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _fsync_dir(folder: Path) -> None:
    """Make the journal's own directory entry durable (POSIX; Windows has no directory fsync)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
