"""Best-effort desktop integration, optional experiment trackers, and Hub look-ups offline."""

from __future__ import annotations

import sys

import pytest

from helpers import tiny_config
from tlstudio.core.desktop import KeepAwake, keep_awake_command, notification_command
from tlstudio.core.errors import BackboneError, ConfigError, RunCancelled
from tlstudio.core.progress import CancelToken, ListSink, WorkProgressed


def test_keep_awake_uses_the_platforms_tool_tied_to_this_process():
    everything = lambda name: f"/usr/bin/{name}"  # noqa: E731
    linux = keep_awake_command(123, "Training", platform="linux", which=everything)
    assert linux[0] == "systemd-inhibit" and "--pid=123" in linux and "--why=Training" in linux
    assert keep_awake_command(123, "x", platform="darwin", which=everything) == ["caffeinate", "-i", "-w", "123"]
    assert keep_awake_command(123, "x", platform="linux", which=lambda name: None) is None
    assert notification_command("Done", "run 1", platform="linux", which=everything)[-2:] == ["Done", "run 1"]
    mac = notification_command('Say "hi"', "b", platform="darwin", which=everything)
    assert 'with title "Say \\"hi\\""' in mac[-1]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows uses SetThreadExecutionState, not a process")
def test_keep_awake_holds_a_process_until_released():
    holder = KeepAwake(command_for=lambda pid, reason: [sys.executable, "-c", "import time; time.sleep(60)"])
    with holder:
        assert holder.active
        process = holder._process
    assert not holder.active and process.poll() is not None
    nothing = KeepAwake(command_for=lambda pid, reason: None)
    assert nothing.acquire() is False and not nothing.active
    nothing.release()


def test_a_missing_tracker_is_a_user_error_before_any_folder_is_made(tmp_path, tiny_backbone, sentiment_csv):
    import importlib.util

    from tlstudio.core.training.engine import train

    if importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX"):
        pytest.skip("tensorboard is installed here")
    config = tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone, report_to="tensorboard")
    with pytest.raises(ConfigError, match="pip install tensorboard"):
        train(config)
    assert not (tmp_path / "run").exists()
    with pytest.raises(ConfigError, match="report_to"):
        tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone, report_to="wandb").validate()


def test_report_to_is_a_cli_flag():
    from tlstudio.cli.commands import build_parser

    args = build_parser().parse_args(["train", "d.csv", "--report-to", "mlflow", "--output", "o"])
    assert args.report_to == "mlflow"


def test_hub_lookups_say_when_offline(monkeypatch):
    from tlstudio.core.backbone_download import download_backbone, hub_summary

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(BackboneError, match="offline"):
        hub_summary("org/model")
    with pytest.raises(BackboneError, match="offline"):
        download_backbone("org/model", ListSink())


def test_download_progress_reaches_the_sink_and_cancel_stops_it():
    from tlstudio.core.backbone_download import progress_bar_class

    sink, cancel = ListSink(), CancelToken()
    bar = progress_bar_class(sink, cancel, "org/model")(total=1000, unit="B")
    bar.update(400)
    bar.update(600)
    assert [e.done for e in sink.of_type(WorkProgressed)][-1] == 1000
    cancel.cancel()
    with pytest.raises(RunCancelled):
        bar.update(1)
    bar.close()
