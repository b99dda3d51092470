"""Try-it page: type a text and see what the model says, or predict a whole file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget

from ..views import task_of_model, try_view
from .base import Page


class TryPage(Page):
    key, title = "try", "Try it"

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.model_dir: Path | None = None
        self.task = None
        self.view = None
        self.set_subtitle("Finish a run, or choose any model folder, to try it on your own texts.")
        row = QHBoxLayout()
        self.model_label = QLabel("No model.", self)
        self.model_label.setWordWrap(True)
        choose = QPushButton("Choose a model folder…", self)
        choose.setAccessibleName("Choose a model folder to try")
        choose.clicked.connect(self.choose_model)
        row.addWidget(self.model_label, 1)
        row.addWidget(choose)
        self.outer.addLayout(row)
        self.stack = QStackedWidget(self)
        self.outer.addWidget(self.stack, 1)
        session.run_opened.connect(self._on_run_opened)

    def _on_run_opened(self, run_dir) -> None:
        from ...api import is_multitask_run, subtask_names

        if run_dir is not None and is_multitask_run(run_dir) and subtask_names(run_dir):
            names = subtask_names(run_dir)  # a multi-task run: try its first sub-task's model
            self.set_model(Path(run_dir) / "tasks" / names[0])
            self.set_subtitle(
                f"A multi-task run: trying its sub-task '{names[0]}'. Its other sub-tasks' models "
                f"are in {Path(run_dir) / 'tasks'} ({', '.join(names)})."
            )
        elif run_dir is not None and self._has_model(run_dir):
            self.set_model(run_dir)
        elif run_dir is None and self.model_dir is not None and not self.model_dir.exists():
            if self.view is not None:  # the model's run was deleted
                self.stack.removeWidget(self.view)
                self.view.deleteLater()
            self.model_dir, self.task, self.view = None, None, None
            self.model_label.setText("No model.")

    @staticmethod
    def _has_model(folder) -> bool:
        return (Path(folder) / "config.json").is_file()

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder", self.settings.last_dir("model"))
        if folder:
            self.settings.remember_dir(folder, "model")
            self.set_model(folder)

    def set_model(self, folder) -> None:
        folder = Path(folder)
        task = task_of_model(folder)
        if task != self.task or self.view is None:
            if self.view is not None:
                self.stack.removeWidget(self.view)
                self.view.deleteLater()
            self.task, self.view = task, try_view(task, self)
            self.stack.addWidget(self.view)
            self.stack.setCurrentWidget(self.view)
        self.model_dir = folder
        self.model_label.setText(f"Model: <b>{folder.name}</b> <span style='color:gray'>{folder}</span>")
        self.set_subtitle("")
        self.view.set_model(folder)
