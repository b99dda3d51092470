"""Finding runs to offer for resume: crashed ones, stopped ones, never finished or live ones."""

from __future__ import annotations

import json
import signal

from tlstudio import cli
from tlstudio.core.runs.recovery import find_interrupted_runs, interrupted_run
from tlstudio.core.runs.lock import RunLock, is_locked


def make_run(folder, status, steps=(), max_steps=30, **extra):
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(
        json.dumps(
            {
                "status": status,
                "started_at": f"2026-01-0{len(steps) + 1}",
                "config": {"task": "text-classification", "data": "d.csv"},
                **extra,
            }
        )
    )
    for step in steps:
        checkpoint = folder / "checkpoints" / f"checkpoint-{step}"
        checkpoint.mkdir(parents=True)
        (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step, "max_steps": max_steps}))
    return folder


def test_interrupted_runs_are_found_and_others_are_not(tmp_path):
    crashed = make_run(tmp_path / "crashed", "running", steps=(10, 20))
    (crashed / "checkpoints" / "tmp-checkpoint-30").mkdir()  # killed while saving step 30
    make_run(tmp_path / "stopped", "stopped", steps=(5,))
    make_run(tmp_path / "full-disk", "stopped", steps=(8,), error="could not save the checkpoint at step 12")
    make_run(tmp_path / "finished", "completed", steps=(30,))
    make_run(tmp_path / "too-early", "running")  # died before its first checkpoint: nothing to resume
    live = make_run(tmp_path / "live", "running", steps=(4,))
    (tmp_path / "linked").symlink_to(crashed, target_is_directory=True)  # never followed out of the folder

    with RunLock(live):
        assert is_locked(live)
        found = {run.path.name: run for run in find_interrupted_runs(tmp_path)}
    assert set(found) == {"crashed", "stopped", "full-disk"}
    assert found["crashed"].crashed and found["crashed"].step == 20 and found["crashed"].total_steps == 30
    assert found["crashed"].describe() == "crashed: crashed at step 20 of 30"
    assert not found["stopped"].crashed and found["stopped"].status == "stopped"
    assert found["full-disk"].reason.startswith("could not save")
    # Once the live process lets go of its lock (it ended without finishing), it is offered too.
    assert not is_locked(live) and interrupted_run(live).crashed


def test_a_second_process_cannot_take_a_locked_run(tmp_path):
    import pytest

    from tlstudio.core.errors import ConfigError

    with RunLock(tmp_path):
        with pytest.raises(ConfigError, match="another tlstudio process"):
            RunLock(tmp_path).acquire()
    assert not (tmp_path / ".lock").exists()
    RunLock(tmp_path).acquire().release()


def test_damaged_run_files_are_skipped_not_fatal(tmp_path):
    make_run(tmp_path / "ok", "running", steps=(3,))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text("{not json")
    odd = make_run(tmp_path / "odd", "running", steps=(7,))
    (odd / "checkpoints" / "checkpoint-7" / "trainer_state.json").write_text('{"global_step": "seven"}')
    found = {run.path.name: run.step for run in find_interrupted_runs(tmp_path)}
    assert found == {"ok": 3, "odd": 7}


def test_runs_command_lists_resumable_runs(tmp_path, capsys):
    make_run(tmp_path / "crashed", "running", steps=(12,))
    handler = signal.getsignal(signal.SIGINT)
    try:
        assert cli.main(["runs", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        assert "crashed: crashed at step 12 of 30" in out
        assert f"tlstudio train --resume {(tmp_path / 'crashed').resolve()}" in out
        assert cli.main(["runs", str(tmp_path), "--json"]) == 0
        [run] = json.loads(capsys.readouterr().out)
        assert run["step"] == 12 and run["crashed"] is True
        assert cli.main(["runs", str(tmp_path / "crashed" / "checkpoints")]) == 0
        assert "no interrupted runs" in capsys.readouterr().out
    finally:
        signal.signal(signal.SIGINT, handler)
