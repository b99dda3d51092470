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

from ..core.config import RunConfig


class Session(QObject):
    """Signals: data_changed(), columns_changed(), config_changed(str field or ''), run_opened(object path|None),
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
        self.project_dir = Path(project_dir)

    # -- data ----------------------------------------------------------------
    def set_table(self, table, suggestions: dict) -> None:
        self.table = table
        self.suggestions = suggestions
        changes: dict[str, Any] = {"data": str(table.path)}
        for role, field in (("text", "text_column"), ("label", "label_column")):
            suggestion = suggestions.get(role)
            changes[field] = suggestion.column if suggestion else None
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
        if {"text_column", "label_column"} & set(changed):
            self.columns_changed.emit()
        for name in changed:
            self.config_changed.emit(name)

    def replace_config(self, config: RunConfig) -> None:
        self.config = config
        self.columns_changed.emit()
        self.config_changed.emit("")

    # -- runs ------------------------------------------------------------------
    def open_run(self, run_dir: str | Path | None) -> None:
        self.run_dir = Path(run_dir).resolve() if run_dir else None
        self.run_opened.emit(self.run_dir)

    def set_project_dir(self, path: str | Path) -> None:
        self.project_dir = Path(path)
        self.project_changed.emit(self.project_dir)
