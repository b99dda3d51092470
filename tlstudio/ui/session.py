"""The state the pages share: the open dataset, the run being set up, the run being looked at.

Pages never talk to each other directly; they read and change the session and
react to its signals, so a new page (or a new task's view) plugs in without
touching the others.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..api import RunConfig

# Column roles the core suggests (core.tasks.column_roles.suggest_roles) and the RunConfig field each one fills.
ROLE_FIELDS = {
    "text": "text_column",
    "label": "label_column",
    "tokens": "tokens_column",
    "tags": "tags_column",
    "source": "source_column",
    "target": "target_column",
    "image": "image_column",
}
COLUMN_FIELDS = (*ROLE_FIELDS.values(), "text_pair_column", "prompt_column", "response_column")


class Session(QObject):
    """Signals: data_changed(), columns_changed(), config_changed(str field or ''; 'task' after set_task),
    run_opened(object path|None),
    token_lengths_changed(object TokenLengths|None), project_changed(object Path),
    frame_edited() (cells of the open table were changed in place, e.g. labels on the Label page)."""

    data_changed = Signal()
    columns_changed = Signal()
    config_changed = Signal(str)
    run_opened = Signal(object)
    token_lengths_changed = Signal(object)
    project_changed = Signal(object)
    frame_edited = Signal()

    def __init__(self, project_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.table = None  # core.data.table.Table of the open data file
        self.suggestions: dict = {}  # role -> RoleSuggestion
        self.config = RunConfig()
        self.run_dir: Path | None = None
        self.token_lengths = None
        self.memory_warning: str | None = None  # the Model page's estimate says the run may not fit
        self.task_pinned = False  # the user asked to keep the task when opening other files (Model page)
        self.project_dir = Path(project_dir)

    # -- data ----------------------------------------------------------------
    def set_table(self, table, suggestions: dict) -> None:
        self.table = table
        self.suggestions = suggestions
        changes: dict[str, Any] = {"data": str(table.path), **dict.fromkeys(COLUMN_FIELDS)}
        for role, field in ROLE_FIELDS.items():
            suggestion = suggestions.get(role)
            if suggestion is not None and self._applies(field, self.config.task):
                changes[field] = suggestion.column
        # A split column or eval file of the previous dataset means nothing for this one.
        changes.update(split_column=None, eval_data=None)
        self.config = dataclasses.replace(self.config, **changes)
        self.token_lengths = None
        self.data_changed.emit()
        self.columns_changed.emit()
        self.config_changed.emit("")

    @property
    def columns(self) -> list[str]:
        return self.table.columns if self.table is not None else []

    def set_suggestions(self, suggestions: dict) -> None:
        """Column suggestions for the current task (after a task change); fills the roles' columns."""
        self.suggestions = suggestions
        changes = {
            field: suggestions[role].column
            for role, field in ROLE_FIELDS.items()
            if role in suggestions and self._applies(field, self.config.task)
        }
        self.update_config(**changes)
        self.columns_changed.emit()

    @staticmethod
    def _applies(field: str, task: str) -> bool:
        from ..api import config_fields

        tasks = next(f for f in config_fields() if f.name == field).metadata.get("tasks")
        return not tasks or task in tasks

    def set_task(self, task: str, *, multi_label: bool = False, regression: bool = False) -> None:
        """Switch the next run to ``task``; settings that belong to other tasks go back to their defaults."""
        from ..api import config_fields

        if (task, multi_label, regression) == (self.config.task, self.config.multi_label, self.config.regression):
            return
        defaults = RunConfig()
        changes: dict[str, Any] = {"task": task, "multi_label": multi_label, "regression": regression}
        for f in config_fields():
            applies = f.metadata.get("tasks")
            if applies and task not in applies and f.name not in changes:
                changes[f.name] = getattr(defaults, f.name)
        if not multi_label:
            changes["label_delimiter"] = None
        if (multi_label, regression) != (self.config.multi_label, self.config.regression):
            changes["label_column"] = None  # a different kind of label: suggested again for the new mode
        # The offline backbone follows the kind of data (the text encoder or the image CNN).
        self.config = dataclasses.replace(self.config, **changes).with_offline_backbone_for_task()
        self.token_lengths = None
        self.columns_changed.emit()
        self.config_changed.emit("task")

    def set_token_lengths(self, lengths) -> None:
        self.token_lengths = lengths
        self.token_lengths_changed.emit(lengths)

    # -- the run being set up ----------------------------------------------
    def update_config(self, **changes: Any) -> None:
        """Change settings of the next run; emits config_changed once per changed field."""
        changed = {k: v for k, v in changes.items() if getattr(self.config, k) != v}
        if not changed:
            return
        self.config = dataclasses.replace(self.config, **changed)
        if set(COLUMN_FIELDS) & set(changed):
            self.columns_changed.emit()
        for name in changed:
            self.config_changed.emit(name)

    def replace_config(self, config: RunConfig) -> None:
        self.config = config.with_offline_backbone_for_task()
        self.columns_changed.emit()
        self.config_changed.emit("")

    # -- runs ------------------------------------------------------------------
    def open_run(self, run_dir: str | Path | None) -> None:
        self.run_dir = Path(run_dir).resolve() if run_dir else None
        self.run_opened.emit(self.run_dir)

    def set_project_dir(self, path: str | Path) -> None:
        self.project_dir = Path(path)
        self.project_changed.emit(self.project_dir)
