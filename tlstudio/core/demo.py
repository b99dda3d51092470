"""The first-minute demo: fine-tune the bundled backbone on the sample reviews."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .config import RunConfig
from .samples import sample_path


def default_runs_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tlstudio", appauthor=False)) / "runs"


def demo_config(output: str | None = None, max_steps: int | None = None) -> RunConfig:
    if output is None:
        output = str(default_runs_dir() / f"demo-{datetime.now():%Y%m%d-%H%M%S}")
    return RunConfig(
        data=str(sample_path("sentiment")),
        text_column="text",
        label_column="label",
        epochs=4,
        max_steps=max_steps,
        output=output,
    )
