"""'tlstudio' opens the app, 'tlstudio FILE' opens it with the file; everything else stays the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import REPO, run_cli, write_sentiment_csv


def test_no_arguments_or_a_data_file_open_the_app(monkeypatch, tmp_path):
    from tlstudio import launch

    opened = []
    monkeypatch.setattr(launch, "open_app", lambda path: opened.append(path) or 0)
    data = write_sentiment_csv(tmp_path / "reviews.csv")
    assert launch.main([]) == 0 and launch.main([str(data)]) == 0
    assert opened == [None, str(data)]


def test_the_app_gets_the_resolved_path(monkeypatch, tmp_path):
    import tlstudio.ui.app

    from tlstudio import launch

    seen = []
    monkeypatch.setattr(tlstudio.ui.app, "run_app", lambda path: seen.append(path) or 0)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    data = write_sentiment_csv(tmp_path / "reviews.csv")
    monkeypatch.chdir(tmp_path)
    assert launch.open_app("reviews.csv") == 0 and seen == [str(data.resolve())]


def test_a_word_that_is_neither_a_command_nor_a_file_is_a_one_line_error(tmp_path):
    result = run_cli("reviews.csv", cwd=tmp_path, env={"PYTHONPATH": str(REPO)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: 'reviews.csv' is neither a command nor an existing data file (commands: train, ")
    assert lines[0].endswith("; see 'tlstudio --help')") and " predict, " in lines[0]


def test_without_a_display_the_app_says_so_instead_of_crashing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "tlstudio"], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    if not sys.platform.startswith("linux"):
        return
    assert result.returncode == 2 and result.stderr.startswith("error: no display")
    assert "Traceback" not in result.stderr


def test_commands_still_work_and_start_without_qt():
    code = (
        "import sys, tlstudio.cli\n"
        "assert 'PySide6' not in sys.modules and 'pyqtgraph' not in sys.modules\n"
        "raise SystemExit(tlstudio.cli.main(['samples']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0 and "sentiment" in result.stdout


def test_the_app_opens_the_given_file_else_the_last_one_else_the_sample(app_settings, tmp_path):
    from tlstudio.core.samples import sample_path
    from tlstudio.ui.app import startup_file

    assert startup_file(None, app_settings) == str(sample_path("sentiment"))
    data = write_sentiment_csv(tmp_path / "mine.csv")
    app_settings.add_recent_file(data)
    assert startup_file(None, app_settings) == str(data.resolve())
    assert startup_file("/x/given.csv", app_settings) == "/x/given.csv"
