"""The run's event stream: the engine's progress events as JSON lines another process can follow.

A run writes ``events.jsonl`` in its folder through :class:`EventLog` (a sink, usually beside the
caller's own in a :class:`TeeSink`).  A reader in another process (the app following a run trained in
a child process, or re-attaching to one it left running) polls :class:`EventFollower` for the events
of lines appended since its last call, or replays the whole file to redraw its charts.  A child's
stdout can carry the same lines: :func:`encode_line` / :func:`decode_line`.

This module imports neither torch nor transformers (nor Qt): the GUI process imports it only to read.

One line is one event::

    {"v": 1, "event": "StepLogged", "time": 1718000000.25, "data": {"step": 10, "loss": 0.5, ...}}

* ``v`` is :data:`FORMAT_VERSION`.  Adding an event type or a field does not change it; it changes only
  if an existing field changes meaning, so a reader can translate old files.  A reader decodes lines of
  any version the same tolerant way.
* ``event`` is the class name in :mod:`tlstudio.core.progress`; ``time`` is when it was emitted (Unix
  seconds).  The fields sit under ``data`` rather than beside ``event``: a field may itself be called
  ``event`` (``TrialProgressed.event``) or ``time``.
* Tolerance, for files written by a newer tlstudio: a field the reader's class does not have is dropped,
  a missing field with a default takes it, and an event name it does not know decodes to
  :class:`UnknownEvent` (name and raw data kept, re-encoding gives the same line back) so sinks that route
  by type simply ignore it.  A line that is not such an object is *damaged*: the follower skips and counts it.
* Values: JSON has no NaN or infinity, and a diverging run's loss is exactly when they matter, so a
  non-finite float is written as ``{"$float": "nan" | "inf" | "-inf"}``; an event inside an event
  (``TrialProgressed``) as ``{"$event": {...}}``; a dict of the run's own that happens to look like one of
  these tags (one key starting with ``$``) as ``{"$dict": {...}}``.  Numpy/torch scalars become Python
  numbers, tuples lists, non-string dict keys strings, and anything else its ``str()`` (lossy, but a metric
  of an odd type must not stop the log).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import math
import os
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

from ..progress import (
    CheckpointSaved,
    Evaluated,
    Message,
    RunFinished,
    RunStarted,
    SamplesGenerated,
    StageChanged,
    StepEnded,
    StepLogged,
    StudyPointMeasured,
    TrialFinished,
    TrialProgressed,
    TrialStarted,
    WorkProgressed,
)
from .folder import EVENTS_FILE

__all__ = [
    "EVENTS_FILE",
    "EVENT_TYPES",
    "FORMAT_VERSION",
    "EventFollower",
    "EventLog",
    "LoggedEvent",
    "TeeSink",
    "UnknownEvent",
    "decode_line",
    "encode_line",
    "event_from_dict",
    "event_to_dict",
    "replay",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1

# The file format is a contract with readers in other processes, so the encoded types are listed, not
# discovered: tests/test_run_events.py fails for an event type of progress.py missing here.
EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        RunStarted,
        StepLogged,
        StepEnded,
        Evaluated,
        SamplesGenerated,
        CheckpointSaved,
        Message,
        StageChanged,
        RunFinished,
        WorkProgressed,
        TrialStarted,
        TrialFinished,
        TrialProgressed,
        StudyPointMeasured,
    )
}

HEARTBEAT_INTERVAL = 0.25  # seconds between written StepEnded heartbeats: a progress bar needs no more


@dataclasses.dataclass(frozen=True)
class UnknownEvent:
    """An event this version does not know (written by a newer tlstudio): its name and raw data, kept."""

    name: str
    data: dict[str, Any]


class LoggedEvent(NamedTuple):
    time: float | None  # Unix seconds when it was emitted; None if the line had none
    event: object


# ---------------------------------------------------------------- encoding
_FLOAT_TAG, _EVENT_TAG, _DICT_TAG = "$float", "$event", "$dict"
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {_FLOAT_TAG: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, dict):
        encoded = {k if isinstance(k, str) else str(k): _encode_value(v) for k, v in value.items()}
        if len(encoded) == 1 and next(iter(encoded)).startswith("$"):
            return {_DICT_TAG: encoded}  # so it is not read back as one of the tags
        return encoded
    if isinstance(value, (list, tuple)):
        return [_encode_value(v) for v in value]
    if type(value) in EVENT_TYPES.values() or isinstance(value, UnknownEvent):
        name, data = _fields_of(value)  # no time of its own: it is the outer event's
        return {_EVENT_TAG: {"v": FORMAT_VERSION, "event": name, "data": data}}
    if hasattr(value, "item") and not isinstance(value, (bytes, bytearray)):
        # A numpy or torch scalar (duck-typed: this module must not import either).
        try:
            return _encode_value(value.item())
        except (TypeError, ValueError, RuntimeError):
            if hasattr(value, "tolist"):
                try:
                    return _encode_value(value.tolist())
                except (TypeError, ValueError, RuntimeError):
                    pass
    return str(value)


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key == _FLOAT_TAG and isinstance(inner, str) and inner in _NON_FINITE:
            return _NON_FINITE[inner]
        if key == _EVENT_TAG and isinstance(inner, dict):
            return event_from_dict(inner)
        if key == _DICT_TAG and isinstance(inner, dict):
            return {k: _decode_value(v) for k, v in inner.items()}
    return {k: _decode_value(v) for k, v in value.items()}


def _fields_of(event: object) -> tuple[str, dict[str, Any]]:
    if isinstance(event, UnknownEvent):
        return event.name, {str(k): _encode_value(v) for k, v in event.data.items()}
    if EVENT_TYPES.get(type(event).__name__) is not type(event):
        raise TypeError(f"{type(event).__name__} is not a tlstudio progress event")
    # Field by field, not dataclasses.asdict: that would turn a nested event into a plain dict.
    return type(event).__name__, {f.name: _encode_value(getattr(event, f.name)) for f in dataclasses.fields(event)}


def event_to_dict(event: object, *, time: float | None = None) -> dict[str, Any]:
    """The JSON-ready dict of ``event``, stamped ``time`` (Unix seconds; default now).

    Raises TypeError for an object that is not an event of :data:`EVENT_TYPES` (or an UnknownEvent).
    """
    name, data = _fields_of(event)
    return {"v": FORMAT_VERSION, "event": name, "time": _now() if time is None else time, "data": data}


def event_from_dict(record: Any) -> object:
    """The event ``record`` encodes; an :class:`UnknownEvent` for a name this version does not know.

    Raises ValueError for a record that is not an encoded event (a damaged line).
    """
    if not isinstance(record, dict) or not isinstance(record.get("event"), str):
        raise ValueError("not an event record (no 'event' name)")
    data = record.get("data", {})
    if not isinstance(data, dict):
        raise ValueError(f"{record['event']}: 'data' is not an object")
    values = {k: _decode_value(v) for k, v in data.items()}
    cls = EVENT_TYPES.get(record["event"])
    if cls is None:
        return UnknownEvent(record["event"], values)
    known = {f.name for f in dataclasses.fields(cls)}
    try:
        return cls(**{k: v for k, v in values.items() if k in known})
    except TypeError as exc:  # a required field missing
        raise ValueError(f"{record['event']}: {exc}") from None


def encode_line(event: object, *, time: float | None = None) -> str:
    """One line (with its newline) for ``event``: what EventLog writes and a child may print to stdout."""
    record = event_to_dict(event, time=time)
    # ensure_ascii=False keeps the file readable; JSON escapes newlines inside strings, so one event stays
    # one line.  allow_nan=False: a non-finite float not tagged above is a bug here, not invalid JSON there.
    return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"


def decode_line(line: str | bytes) -> LoggedEvent | None:
    """The event of one line, with its time; None for a blank line.  Raises ValueError for a damaged one."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8: {exc}") from None
    line = line.strip()
    if not line:
        return None
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    event = event_from_dict(record)
    stamp = record.get("time")
    stamp = float(stamp) if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) else None
    return LoggedEvent(stamp, event)


def _now() -> float:
    return time.time()


# ---------------------------------------------------------------- writing
class EventLog:
    """A sink appending one line per event to ``target`` (a path, or an open stream such as a child's stdout).

    Each line is flushed as it is written so a reader in another process sees it at once.  Thread-safe.
    A path is opened on the first event (in append mode: a resumed run continues its file), so making the
    log does not create the file.  Writing never raises into the run: the first failure (a full disk, a
    folder removed) is logged once as a warning and later ones are counted in ``failures``; each later
    event is tried again, after a newline that ends any line left half-written.

    StepEnded heartbeats come every optimizer step; at most one per ``heartbeat_interval`` seconds is
    written at once.  A held-back heartbeat is written before the next event of any other type (and by
    ``flush()``/``close()``), so a reader's progress is right whenever anything else happens.
    """

    def __init__(self, target: str | Path | io.IOBase, *, heartbeat_interval: float = HEARTBEAT_INTERVAL):
        self._path: Path | None = None
        self._stream = None
        self._owns_stream = False
        if isinstance(target, (str, os.PathLike)):
            self._path = Path(target)
        else:
            self._stream = target
        self.heartbeat_interval = heartbeat_interval
        self.failures = 0
        self._lock = threading.Lock()
        self._held: str | None = None  # the encoded heartbeat held back by the throttle
        self._last_heartbeat = -math.inf  # monotonic time of the last written one
        self._broken = False  # the last write failed: start the next one on a fresh line
        self._closed = False

    @property
    def path(self) -> Path | None:
        return self._path

    def emit(self, event: object) -> None:
        try:
            line = encode_line(event)
        except (TypeError, ValueError) as exc:
            # Not one of ours (a caller's private event): the log skips it rather than stopping the run.
            log.debug("event log skips %r: %s", type(event).__name__, exc)
            return
        with self._lock:
            if self._closed:
                return
            if isinstance(event, StepEnded):
                now = time.monotonic()
                if now - self._last_heartbeat < self.heartbeat_interval:
                    self._held = line
                    return
                self._last_heartbeat = now
                self._held = None
                self._write(line)
                return
            self._write_held()
            self._write(line)

    def flush(self) -> None:
        """Write a held-back heartbeat now (say, before a long pause with no events)."""
        with self._lock:
            if not self._closed:
                self._write_held()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._write_held()
            self._closed = True
            if self._owns_stream and self._stream is not None:
                try:
                    self._stream.close()
                except OSError:
                    pass
            self._stream = None

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _write_held(self) -> None:
        if self._held is not None:
            line, self._held = self._held, None
            self._last_heartbeat = time.monotonic()
            self._write(line)

    def _write(self, line: str) -> None:
        try:
            stream = self._open()
            text = ("\n" + line) if self._broken else line
            if isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
                stream.write(text.encode("utf-8"))
            else:
                stream.write(text)  # a text stream: sys.stdout of a child the app reads
            stream.flush()
            self._broken = False
        except (OSError, ValueError) as exc:  # ValueError: a stream closed under us
            self._broken = True
            self.failures += 1
            if self.failures == 1:
                where = self._path or getattr(self._stream, "name", "its stream")
                log.warning("cannot write the run's event log %s (%s); the run goes on without it", where, exc)

    def _open(self):
        if self._stream is None:
            if self._path is None:
                raise ValueError("the event log's stream is closed")
            # Binary append: every line lands at the end even if the run is resumed by another process,
            # and the bytes are exactly the UTF-8 the reader splits on newlines.
            self._stream = open(self._path, "ab")
            self._owns_stream = True
        return self._stream


class TeeSink:
    """Emits every event to each of ``sinks`` in turn.

    Every sink gets the event even if an earlier one raised; the first exception is raised afterwards,
    so the event log still records what the app's sink choked on.
    """

    def __init__(self, *sinks):
        self.sinks = tuple(s for s in sinks if s is not None)

    def emit(self, event: object) -> None:
        first: BaseException | None = None
        for sink in self.sinks:
            try:
                sink.emit(event)
            except Exception as exc:  # noqa: BLE001 - re-raised below once the others have the event
                first = first or exc
        if first is not None:
            raise first

    def close(self) -> None:
        """Close those sinks that can be closed (an EventLog)."""
        for sink in self.sinks:
            close = getattr(sink, "close", None)
            if callable(close):
                close()


# ---------------------------------------------------------------- reading
class EventFollower:
    """Reads the events appended to ``path`` since the last call, while another process writes it.

    It keeps a byte offset just past the last complete line read; a partial last line (a writer caught
    mid-write) is left for the next call.  A damaged line is skipped and counted in ``damaged``.  A file
    that does not exist yet reads as no events.  A file that became shorter than the offset was replaced,
    and is read again from its start.  The file is opened only for each read, so following never keeps a
    run folder from being moved or deleted.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.offset = 0
        self.damaged = 0

    def read_new(self) -> list[object]:
        return [record.event for record in self.read_new_records()]

    def read_new_records(self) -> list[LoggedEvent]:
        """As :meth:`read_new`, with each event's emission time."""
        try:
            with open(self.path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size < self.offset:
                    self.offset = 0
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        records = []
        for line in chunk[:end].split(b"\n"):
            try:
                record = decode_line(line)
            except ValueError as exc:
                self.damaged += 1
                log.debug("skipping a damaged line of %s: %s", self.path, exc)
                continue
            if record is not None:
                records.append(record)
        return records


def replay(path: str | Path) -> list[object]:
    """Every event in the log at ``path`` so far (damaged lines skipped, a partial last line left out)."""
    return EventFollower(path).read_new()
