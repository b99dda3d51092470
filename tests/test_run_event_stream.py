"""The run folder's event stream as a real run writes it: what another process (the app following a run,
or re-attaching to one kept going) reads to redraw the charts and the run's state."""

from __future__ import annotations

from helpers import tiny_config
from tlstudio.core.progress import (
    CancelToken,
    Evaluated,
    ListSink,
    Message,
    RunFinished,
    RunStarted,
    StageChanged,
    StepEnded,
    StepLogged,
)
from tlstudio.core.runs.events import replay
from tlstudio.core.runs.folder import RunFolder
from tlstudio.core.training.engine import resume, train


def _without_heartbeats(events):
    return [e for e in events if not isinstance(e, StepEnded)]


def test_a_run_and_its_resume_leave_the_events_the_sink_saw(tmp_path, tiny_backbone, sentiment_csv):
    cancel = CancelToken()

    class StopAtStep5(ListSink):
        def emit(self, event):
            super().emit(event)
            if isinstance(event, StepEnded) and event.step == 5:
                cancel.cancel()

    first_sink = StopAtStep5()
    config = tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone, logging_steps=1, strategy="full")
    assert train(config, first_sink, cancel).status == "cancelled"
    folder = RunFolder(tmp_path / "run")
    stopped = replay(folder.events_file)
    # Everything but the throttled heartbeats reaches the file, in order, as the caller's sink saw it.
    assert _without_heartbeats(stopped) == _without_heartbeats(first_sink.events)
    assert isinstance(stopped[-1], RunFinished) and stopped[-1].status == "cancelled" and stopped[-1].step == 5
    assert [e.stage for e in stopped if isinstance(e, StageChanged)][:2] == ["loading data", "loading backbone"]

    second_sink = ListSink()
    assert resume(tmp_path / "run", second_sink).status == "completed"
    events = replay(folder.events_file)
    # The resume appends: a reader sees both sessions, the second starting where the first stopped.
    starts = [e for e in events if isinstance(e, RunStarted)]
    assert [s.resumed_from_step for s in starts] == [0, 5]
    assert _without_heartbeats(events[len(stopped) :]) == _without_heartbeats(second_sink.events)
    steps = [e.step for e in events if isinstance(e, StepLogged)]
    assert steps == list(range(1, 55))
    assert [e.step for e in events if isinstance(e, Evaluated)]  # the charts' evaluation points
    finished = events[-1]
    assert isinstance(finished, RunFinished) and finished.status == "completed" and finished.step == 54
    assert finished.metrics["accuracy"] == second_sink.of_type(RunFinished)[0].metrics["accuracy"]


def test_the_start_of_run_notes_are_in_the_stream(tmp_path, tiny_backbone, sentiment_csv):
    # strategy auto explains what it chose before the run folder exists; the note still reaches the file.
    sink = ListSink()
    config = tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone, max_steps=2)
    train(config, sink)
    said = [e.text for e in sink.of_type(Message)]
    written = [e.text for e in replay(RunFolder(tmp_path / "run").events_file) if isinstance(e, Message)]
    assert any("strategy" in text for text in said) and said == written
