"""The run's event stream (core/runs/events.py): encoding, the writing sink, and following it from another process."""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import math
import subprocess
import sys
import textwrap
import time
import types
import typing
from pathlib import Path

import pytest

from tlstudio.core import progress
from tlstudio.core.progress import (
    Evaluated,
    ListSink,
    Message,
    RunFinished,
    StageChanged,
    StepEnded,
    StepLogged,
    TrialProgressed,
)
from tlstudio.core.runs.events import (
    EVENT_TYPES,
    EVENTS_FILE,
    FORMAT_VERSION,
    EventFollower,
    EventLog,
    TeeSink,
    UnknownEvent,
    decode_line,
    encode_line,
    event_from_dict,
    event_to_dict,
    replay,
)

REPO = Path(__file__).resolve().parent.parent


def event_classes() -> list[type]:
    """Every event dataclass progress.py defines: a new one must get an encoding (EVENT_TYPES) to pass."""
    return [
        cls
        for _, cls in inspect.getmembers(progress, inspect.isclass)
        if dataclasses.is_dataclass(cls) and cls.__module__ == progress.__name__
    ]


def sample(hint, *, none: bool):
    """A value of the annotated type; ``none`` picks None for optional fields.  An annotation this does not
    know fails the test, so whoever adds one decides how it should be written."""
    if hint is typing.Any:
        return {"nested": [1, 2.5, "x"]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if type(None) in args and none:
            return None
        return sample(next(a for a in args if a is not type(None)), none=none)
    if hint is bool:
        return True
    if hint is int:
        return 7
    if hint is float:
        return 1.25
    if hint is str:
        return 'é "quoted"\nsecond line'
    if hint is object:  # TrialProgressed.event: an event inside an event
        return StepLogged(3, 10, 0.3, 0.5, 1e-4, 12.0, 300.0, None)
    if origin is dict:
        return {"accuracy": 0.5, "count": 3, "per_class": {"a": {"f1": 1.0}}, "flag": None}
    if origin is list:
        return [sample(args[0], none=none), sample(args[0], none=none)]
    raise AssertionError(f"no sample value for {hint!r}: teach this test (and check run_events encodes it)")


def instance(cls: type, *, none: bool):
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: sample(hints[f.name], none=none) for f in dataclasses.fields(cls)})


def through_json(event):
    return decode_line(encode_line(event)).event


def test_the_file_name_is_the_run_folders():
    from tlstudio.core.runs import folder as run_folder

    assert EVENTS_FILE == run_folder.EVENTS_FILE == "events.jsonl"


@pytest.mark.parametrize("cls", event_classes(), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("none", [False, True], ids=["values", "nones"])
def test_every_event_type_round_trips(cls, none):
    assert EVENT_TYPES.get(cls.__name__) is cls, f"{cls.__name__} has no encoding in run_events.EVENT_TYPES"
    event = instance(cls, none=none)
    record = event_to_dict(event, time=123.5)
    assert record["v"] == FORMAT_VERSION and record["event"] == cls.__name__ and record["time"] == 123.5
    back = through_json(event)
    assert type(back) is cls and back == event


def test_non_finite_values_survive():
    event = StepLogged(5, 10, 0.5, math.nan, math.inf, 1.0, 2.0, -math.inf)
    line = encode_line(event)
    json.loads(line)  # strict JSON: no bare NaN
    assert "NaN" not in line and "Infinity" not in line
    back = through_json(event)
    assert math.isnan(back.loss) and back.learning_rate == math.inf and back.eta_seconds == -math.inf
    metrics = {"loss": math.nan, "deep": [{"x": -math.inf}], "$float": "nan"}  # last: a key that looks like a tag
    back = through_json(Evaluated(1, 0.1, metrics)).metrics
    assert math.isnan(back["loss"]) and back["deep"] == [{"x": -math.inf}] and back["$float"] == "nan"
    lookalike = {"$float": "nan"}  # the run's own dict shaped like the tag stays a dict
    assert through_json(Evaluated(1, 0.1, {"m": lookalike})).metrics == {"m": lookalike}


def test_odd_values_become_plain_json():
    class Scalar:  # what numpy and torch scalars look like to the encoder
        def item(self):
            return 0.75

    event = Evaluated(2, 0.2, {"acc": Scalar(), "pair": (1, 2), 3: "int key", "path": Path("/tmp/x")})
    assert through_json(event).metrics == {"acc": 0.75, "pair": [1, 2], "3": "int key", "path": str(Path("/tmp/x"))}


def test_nested_event_keeps_its_type():
    inner = Evaluated(4, 1.0, {"loss": math.nan})
    back = through_json(TrialProgressed(2, inner))
    assert type(back.event) is Evaluated and math.isnan(back.event.metrics["loss"])


def test_unknown_event_and_newer_fields_are_tolerated():
    record = {
        "v": FORMAT_VERSION + 1,
        "event": "RunPaused",
        "time": 1.0,
        "data": {"why": "user", "x": {"$float": "inf"}},
    }
    event = event_from_dict(record)
    assert event == UnknownEvent("RunPaused", {"why": "user", "x": math.inf})
    assert event_to_dict(event, time=1.0) == {**record, "v": FORMAT_VERSION}  # passes through unchanged
    newer = {"v": 9, "event": "StageChanged", "data": {"stage": "training", "detail": "", "colour": "blue"}}
    assert event_from_dict(newer) == StageChanged("training", "")
    assert event_from_dict({"event": "StageChanged", "data": {"stage": "exporting"}}) == StageChanged("exporting")
    with pytest.raises(ValueError):
        event_from_dict({"event": "StageChanged", "data": {}})  # its required field is missing
    with pytest.raises(ValueError):
        event_from_dict(["not", "a", "record"])
    with pytest.raises(TypeError):
        event_to_dict(object())
    odd_tag = {"event": "Evaluated", "data": {"step": 1, "epoch": 0.0, "metrics": {"m": {"$float": [1]}}}}
    assert event_from_dict(odd_tag).metrics == {"m": {"$float": [1]}}  # not our tag: kept as a plain dict


def test_follower_skips_damaged_lines_and_waits_for_a_partial_one(tmp_path):
    path = tmp_path / EVENTS_FILE
    follower = EventFollower(path)
    assert follower.read_new() == []  # no file yet
    good = encode_line(Message("info", "one"))
    path.write_bytes(
        good.encode()
        + b'{"event": "Message", "da\n'
        + b"\xff\xfe\n\n"
        + b"[1]\n"
        + encode_line(Message("info", "two")).encode()
        + good.encode()[:10]
    )
    assert follower.read_new() == [Message("info", "one"), Message("info", "two")]
    assert follower.damaged == 3
    with open(path, "ab") as handle:
        handle.write(good.encode()[10:])
    assert follower.read_new() == [Message("info", "one")]
    assert follower.read_new() == []
    assert replay(path) == [Message("info", "one"), Message("info", "two"), Message("info", "one")]


def test_event_log_appends_flushed_lines_and_throttles_heartbeats(tmp_path):
    path = tmp_path / EVENTS_FILE
    log = EventLog(path, heartbeat_interval=60)
    assert not path.exists()  # opened lazily: making the log must not make the run folder non-empty
    follower = EventFollower(path)
    for step in range(1, 6):
        log.emit(StepEnded(step, 10, None))
    assert follower.read_new() == [StepEnded(1, 10, None)]  # flushed at once; 2-5 held back
    log.emit(StepLogged(5, 10, 0.5, 0.1, None, 1.0, 1.0, None))
    assert follower.read_new() == [StepEnded(5, 10, None), StepLogged(5, 10, 0.5, 0.1, None, 1.0, 1.0, None)]
    log.emit(StepEnded(6, 10, None))
    log.emit(StepEnded(7, 10, None))
    log.close()  # the last heartbeat is not lost
    log.emit(Message("info", "after close"))  # ignored, not raised
    assert follower.read_new() == [StepEnded(7, 10, None)]
    with EventLog(path) as again:  # a resumed run appends
        again.emit(RunFinished("completed", "out"))
    assert replay(path)[-1] == RunFinished("completed", "out")


def test_event_log_never_raises_and_warns_once(tmp_path, caplog):
    log = EventLog(tmp_path / "missing-folder" / EVENTS_FILE)
    with caplog.at_level(logging.WARNING, logger="tlstudio.core.runs.events"):
        for _ in range(3):
            log.emit(Message("info", "x"))
    assert log.failures == 3
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    log.emit(object())  # not an event: skipped
    (tmp_path / "missing-folder").mkdir()
    log.emit(Message("info", "back"))  # the disk has room again: the log goes on, on a fresh line
    assert replay(log.path) == [Message("info", "back")]
    log.close()


def test_event_log_lines_stay_whole_across_threads(tmp_path):
    import threading

    log = EventLog(tmp_path / EVENTS_FILE)
    texts = [f"{n}-{i}" + "x" * 2000 for n in range(4) for i in range(50)]

    def write(n):
        for i in range(50):
            log.emit(Message("info", f"{n}-{i}" + "x" * 2000))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    follower = EventFollower(log.path)
    assert sorted(e.text for e in follower.read_new()) == sorted(texts) and follower.damaged == 0


def test_event_log_writes_to_a_text_stream(tmp_path):
    import io

    stream = io.StringIO()
    EventLog(stream).emit(Message("warning", "w"))
    assert decode_line(stream.getvalue()).event == Message("warning", "w")


def test_tee_sink_reaches_every_sink_then_raises():
    class Broken:
        def emit(self, event):
            raise RuntimeError("ui gone")

    first, last = ListSink(), ListSink()
    tee = TeeSink(first, Broken(), None, last)
    with pytest.raises(RuntimeError):
        tee.emit(Message("info", "x"))
    assert first.events == last.events == [Message("info", "x")]
    tee.close()


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tlstudio.core.progress import Message, StepEnded
    from tlstudio.core.runs.events import EventLog, encode_line
    # The GUI process imports this module to follow a run: it must stay free of the heavy libraries.
    heavy = [m for m in ("torch", "transformers", "PySide6") if m in sys.modules]
    path, signals = Path(sys.argv[1]), Path(sys.argv[2])
    log = EventLog(path, heartbeat_interval=0)
    for step in range(1, 4):
        log.emit(StepEnded(step, 3, None))
        time.sleep(0.05)
    log.emit(Message("info", "heavy: " + ",".join(heavy)))
    log.close()
    line = encode_line(Message("info", "split")).encode()
    with open(path, "ab") as handle:  # one line in two flushed writes, the reader looking in between
        handle.write(line[:15]); handle.flush()
        (signals / "half").touch()
        deadline = time.monotonic() + 20
        while not (signals / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        handle.write(line[15:]); handle.flush()
""")


def wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer process did not get there in time"
        time.sleep(0.02)


def test_follower_reads_while_another_process_writes(tmp_path):
    path = tmp_path / EVENTS_FILE
    follower = EventFollower(path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(tmp_path)], cwd=REPO)
    try:
        seen: list = []
        wait_for(lambda: seen.extend(follower.read_new()) or (tmp_path / "half").exists())
        seen.extend(follower.read_new())  # the partial line is on disk now: it must not be read yet
        assert seen == [StepEnded(1, 3, None), StepEnded(2, 3, None), StepEnded(3, 3, None), Message("info", "heavy: ")]
        (tmp_path / "go").touch()
        wait_for(lambda: seen.extend(follower.read_new()) or len(seen) == 5)
        assert seen[-1] == Message("info", "split") and follower.damaged == 0
        assert writer.wait(timeout=20) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
