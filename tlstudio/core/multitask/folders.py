"""Finding a sub-task's model in a multi-task run folder (``tasks/<name>/``).

A multi-task run folder holds no single model, so commands that take a model
folder point the user at its sub-tasks (or take ``--subtask NAME``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..runs.folder import RunFolder

TASKS_FOLDER = "tasks"


def is_multitask_run(path: str | Path) -> bool:
    record = RunFolder(Path(path).expanduser()).record_or_none()
    return record is not None and record.task == "multi-task"


def subtask_names(path: str | Path) -> list[str]:
    folder = Path(path).expanduser() / TASKS_FOLDER
    return sorted(p.name for p in folder.iterdir() if (p / "config.json").is_file()) if folder.is_dir() else []


def refuse_multitask_run(path: str | Path) -> None:
    """A clear error for a multi-task run folder given where one model is expected."""
    if not is_multitask_run(path):
        return
    names = subtask_names(path)
    if not names:
        raise ConfigError(
            f"{path} is a multi-task run that has not finished; it holds no models yet.",
            f"Resume it with: tlstudio train --resume {path}",
        )
    raise ConfigError(
        f"{path} is a multi-task run: each sub-task's model is its own folder "
        f"({', '.join(f'{TASKS_FOLDER}/{n}' for n in names)}).",
        f"Add --subtask {names[0]}, or pass {Path(path) / TASKS_FOLDER / names[0]}.",
    )


def subtask_folder(path: str | Path, name: str | None) -> str:
    """``path`` itself, or with ``name`` the sub-task's model folder inside a multi-task run."""
    if not name:
        return str(path)
    if not is_multitask_run(path):
        raise ConfigError(f"--subtask applies to multi-task run folders; {path} is not one.", "Leave out --subtask.")
    names = subtask_names(path)
    if name not in names:
        raise ConfigError(
            f"{path} has no sub-task '{name}'.",
            f"Its sub-tasks are: {', '.join(names) or 'none yet (the run has not finished)'}.",
        )
    return str(Path(path).expanduser() / TASKS_FOLDER / name)
