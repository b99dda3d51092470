"""The multi-task spec: which sub-tasks share the backbone, on what data, with what weight.

Users write it as JSON (a list, or ``{"tasks": [...]}``), one object per sub-task::

    [{"name": "sentiment", "label_column": "sentiment"},
     {"name": "topic", "label_column": "topic", "weight": 0.5},
     {"name": "entities", "task": "token-classification", "data": "ner.jsonl", "proportion": 0.3}]

``task`` defaults to text-classification, ``data`` to the run's data file (two label columns of
the same rows is the common case), ``weight`` (its loss's multiplier) to 1 and ``proportion``
(its share of the batches) to its share of the training rows.  Every other key is a run setting
of that sub-task: its columns, ``multi_label``, ``regression``, ``eval_data``, ``split_column``...
run.json records the resolved list (absolute data paths), so a run repeats and resumes without
the original file.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError

SUBTASK_TASKS = ("text-classification", "token-classification")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_OWN_KEYS = ("name", "task", "data", "weight", "proportion")
# Run settings a sub-task may set for itself: its data, columns and task options.
_SUB_GROUPS = ("data", "task")
_EXTRA_SUB_SETTINGS = ("class_weighting",)


@dataclass(frozen=True)
class SubTask:
    name: str
    task: str
    data: str
    weight: float = 1.0
    proportion: float | None = None  # None: the sub-task's share of the training rows
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        entry = {"name": self.name, "task": self.task, "data": self.data, "weight": self.weight}
        if self.proportion is not None:
            entry["proportion"] = self.proportion
        return {**entry, **self.settings}


def sub_settings() -> list[str]:
    """RunConfig fields a sub-task entry may carry."""
    from ..config import config_fields

    return [
        f.name
        for f in config_fields()
        if (f.metadata.get("group") in _SUB_GROUPS or f.name in _EXTRA_SUB_SETTINGS)
        and f.name not in ("data", "task")
        and "multi-task" not in f.metadata.get("tasks", ())
    ]


def read_spec(value: Any, *, default_data: str = "") -> list[SubTask]:
    """The sub-tasks of ``value``: a JSON file's path, JSON text, or the list itself (from run.json)."""
    source, base = "the sub-task list", Path.cwd()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ConfigError(
                "a multi-task run needs its sub-tasks.",
                "Pass --subtasks TASKS.json (see docs/techniques.md, Multi-task learning).",
            )
        if text[0] in "[{":
            raw = _parse(text, source)
        else:
            path = Path(text).expanduser()
            source, base = str(path), path.resolve().parent
            try:
                raw = _parse(path.read_text(encoding="utf-8"), source)
            except FileNotFoundError:
                raise ConfigError(f"sub-task file {path} does not exist.", "Check the --subtasks path.") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read sub-task file {path}: {exc}.") from None
    else:
        raw = value
    if isinstance(raw, dict) and "tasks" in raw:
        raw = raw["tasks"]
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise ConfigError(
            f"{source} must be a JSON list of sub-task objects.",
            'For example: [{"name": "sentiment", "label_column": "sentiment"}, '
            '{"name": "topic", "label_column": "topic"}]',
        )
    if len(raw) < 2:
        raise ConfigError(
            f"{source} lists {len(raw)} sub-task(s); multi-task learning needs at least two.",
            "Add another sub-task, or train a single task with --task text-classification.",
        )
    subtasks = [_subtask(entry, i + 1, source, base, default_data) for i, entry in enumerate(raw)]
    seen: dict[str, str] = {}
    for sub in subtasks:
        if sub.name.lower() in seen:
            raise ConfigError(
                f"{source}: two sub-tasks are named '{sub.name}'.",
                "Give every sub-task its own name (it names its export folder).",
            )
        seen[sub.name.lower()] = sub.name
    return subtasks


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{source} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None


def _subtask(entry: dict, number: int, source: str, base: Path, default_data: str) -> SubTask:
    name = entry.get("name")
    where = f"{source}: sub-task {number}" + (f" ('{name}')" if isinstance(name, str) and name else "")

    def bad(key: str, expected: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{where}: '{key}' must be {expected}, got {entry.get(key)!r}.", hint)

    if not isinstance(name, str) or not _NAME.match(name):
        raise bad(
            "name",
            "a short name of letters, digits, '-' or '_'",
            "The name labels the sub-task's metrics and its export folder tasks/NAME.",
        )
    task = entry.get("task", "text-classification")
    if task not in SUBTASK_TASKS:
        raise bad("task", " or ".join(SUBTASK_TASKS))
    data = entry.get("data", default_data)
    if not isinstance(data, str) or not data.strip():
        raise ConfigError(
            f"{where}: no data file.",
            'Give the sub-task a "data" file, or pass the shared data file as the first argument.',
        )
    path = Path(data).expanduser()
    path = (path if path.is_absolute() else base / path).resolve()
    if not path.exists():
        raise DataError(f"{where}: data file {path} does not exist.", 'Check its "data" path.')
    weight = entry.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
        raise bad("weight", "a positive number (the multiplier of this sub-task's loss)")
    proportion = entry.get("proportion")
    if proportion is not None and (
        isinstance(proportion, bool)
        or not isinstance(proportion, (int, float))
        or not math.isfinite(proportion)
        or proportion <= 0
    ):
        raise bad(
            "proportion",
            "a positive number (this sub-task's share of the batches; the shares are "
            "normalised) or left out (its share of the training rows)",
        )
    allowed = sub_settings()
    settings = {key: value for key, value in entry.items() if key not in _OWN_KEYS}
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}.",
            f"A sub-task takes {', '.join(_OWN_KEYS)} and the settings {', '.join(allowed)}.",
        )
    return SubTask(name, task, str(path), float(weight), None if proportion is None else float(proportion), settings)


def sub_config(base, sub: SubTask):
    """The RunConfig of one sub-task: the run's training settings with the sub-task's data and options."""
    from ..config import RunConfig, config_fields

    defaults = RunConfig()
    values = base.to_dict()
    for f in config_fields():  # data and task settings are the sub-task's own
        if (
            f.metadata.get("group") in _SUB_GROUPS
            or f.name in _EXTRA_SUB_SETTINGS
            or f.name in ("subtasks", "compare_single_task")
        ):
            values[f.name] = getattr(defaults, f.name)
    values.update(eval_fraction=base.eval_fraction, **sub.settings, task=sub.task, data=sub.data)
    try:
        config = RunConfig.from_dict(values, source=f"sub-task '{sub.name}'")
        return config.with_task_defaults().validate()
    except ConfigError as exc:
        if exc.message.startswith("sub-task"):
            raise
        raise ConfigError(f"sub-task '{sub.name}': {exc.message}", exc.hint) from None


def resolved(subtasks: list[SubTask]) -> list[dict[str, Any]]:
    """What run.json records: every sub-task with its data path made absolute."""
    return [sub.to_dict() for sub in subtasks]


# The app's sub-task table: one row per sub-task, its input and label columns named by task.
ROW_COLUMNS = {
    "text-classification": ("text_column", "label_column"),
    "token-classification": ("tokens_column", "tags_column"),
}


def entry_from_row(
    name: str,
    task: str,
    data: str = "",
    input_column: str = "",
    label_column: str = "",
    weight: str | float = 1.0,
    proportion: str | float | None = None,
    other: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A spec entry from the table's cells (blank cells: the defaults); ``other`` keeps settings it does not show."""
    entry: dict[str, Any] = {**(other or {}), "name": name.strip(), "task": task}
    if str(data).strip():
        entry["data"] = str(data).strip()
    columns = ROW_COLUMNS.get(task, ROW_COLUMNS["text-classification"])
    for key in (k for pair in ROW_COLUMNS.values() for k in pair):
        entry.pop(key, None)
    for key, value in zip(columns, (input_column, label_column)):
        if str(value or "").strip():
            entry[key] = str(value).strip()
    entry["weight"] = _number(weight, 1.0)
    if proportion not in (None, "") and str(proportion).strip():
        entry["proportion"] = _number(proportion, proportion)
    return entry


def row_from_entry(entry: dict[str, Any]) -> dict[str, Any]:
    task = entry.get("task", "text-classification")
    first, second = ROW_COLUMNS.get(task, ROW_COLUMNS["text-classification"])
    return {
        "name": entry.get("name", ""),
        "task": task,
        "data": entry.get("data", ""),
        "input_column": entry.get(first) or "",
        "label_column": entry.get(second) or "",
        "weight": entry.get("weight", 1.0),
        "proportion": entry.get("proportion"),
    }


def check_entries(entries: list[dict[str, Any]], default_data: str = "") -> str | None:
    """What is wrong with a sub-task list, as the run would say it, or None (files are only checked to exist)."""
    from ..errors import TlStudioError

    try:
        read_spec(entries, default_data=default_data)
    except TlStudioError as exc:
        return str(exc).replace("the sub-task list: ", "")
    return None


def _number(value: Any, fallback: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return fallback  # kept as typed, so the check names it
