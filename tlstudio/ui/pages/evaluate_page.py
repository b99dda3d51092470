"""Evaluate page: where the model goes wrong, on its validation split or on any labelled file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStackedWidget

from ...api import RunFolder
from ...api import find_task
from ..views import evaluation_kind, evaluation_view, task_of_model
from ..workers.background import run_in_background
from .base import Page

from ..widgets.split_settings import DATA_FILTER  # noqa: E402  (one list of readable files)


def _read_run_results(run_dir: Path):
    """The figures and validation predictions of a finished run."""
    run = RunFolder(run_dir)
    metrics = run.metrics()
    # Damaged results are said (DataError/ConfigError naming the file), not shown as an empty report.
    return (metrics.to_dict() if metrics is not None else {}), list(run.predictions())


# Generating text is slow on a CPU: a file is scored on its first rows, as training scores its validation split.
GENERATION_ROWS = 200


def _evaluate(model_dir: Path, data: str, job, task: str, allow_pickle: bool):
    from ...api import evaluate_file_with_rows

    rows = GENERATION_ROWS if _scored_on_first_rows(task) else None
    return evaluate_file_with_rows(
        model_dir, data, cancel=job.cancel_token, sink=job, max_rows=rows, allow_pickle=allow_pickle
    )


def _scored_on_first_rows(task: str | None) -> bool:
    """Whether a file is scored on its first rows only: a seq2seq model generates a text for every row."""
    found = find_task(task)
    return found is not None and found.is_sequence_to_sequence


def _mode_hint(run_dir: Path) -> dict:
    """Enough of a report to pick the view before metrics.json is read (multi-label and regression runs)."""
    record = RunFolder(run_dir).record_or_none()
    if record is None:
        return {}
    config = record.config
    return {"micro_f1": 0.0} if config.get("multi_label") else {"mse": 0.0} if config.get("regression") else {}


class EvaluatePage(Page):
    key, title = "evaluate", "Evaluate"

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.model_dir: Path | None = None
        self.task = None
        self.kind = None  # which evaluation view is shown (see views.evaluation_kind)
        self.view = None
        self.set_subtitle("Finish a run (or choose a model folder) to see how it does.")
        row = QHBoxLayout()
        self.model_label = QLabel("No model.", self)
        self.model_label.setWordWrap(True)
        self.other_model = QPushButton("Choose a model folder…", self)
        self.other_model.setAccessibleName("Choose a model folder to evaluate")
        self.other_model.clicked.connect(self.choose_model)
        self.on_file = QPushButton("Evaluate on a file…", self)
        self.on_file.setAccessibleName("Evaluate the model on a labelled file")
        self.on_file.clicked.connect(self.choose_file)
        self.on_file.setEnabled(False)
        row.addWidget(self.model_label, 1)
        row.addWidget(self.other_model)
        row.addWidget(self.on_file)
        self.outer.addLayout(row)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Evaluating")
        self.busy.hide()
        self.outer.addWidget(self.busy)
        # A model no better than the trivial baseline is said where the user looks, not only in a log.
        self.baseline_warning = QLabel(self)
        self.baseline_warning.setWordWrap(True)
        self.baseline_warning.setAccessibleName("Warning about the model's results")
        self.baseline_warning.setStyleSheet(
            "QLabel { background: #fff4e5; color: #8a4b00; border-radius: 4px; padding: 6px; }"
        )
        self.baseline_warning.hide()
        self.outer.addWidget(self.baseline_warning)
        self.stack = QStackedWidget(self)
        self.outer.addWidget(self.stack, 1)
        session.run_opened.connect(self.show_run)

    def _use_view_for(self, task: str, report: dict | None = None) -> None:
        kind = evaluation_kind(task, report)
        self.task = task
        if kind == self.kind and self.view is not None:
            return
        if self.view is not None:
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
        self.kind, self.view = kind, evaluation_view(kind, self)
        if kind == "multi-task":  # a sub-task opens as its own model, with its full evaluation
            self.view.subtask_requested.connect(
                lambda name: self.model_dir is not None and self.set_model(self.model_dir / "tasks" / name)
            )
        self.stack.addWidget(self.view)
        self.stack.setCurrentWidget(self.view)

    def _show_results(self, task: str, report: dict, records: list[dict], source: str) -> None:
        from ...api import below_baseline

        warning = below_baseline(report, task)
        self.baseline_warning.setText(warning[:1].upper() + warning[1:] if warning else "")
        self.baseline_warning.setVisible(bool(warning))
        self._use_view_for(task, report)
        if self.kind == "multi-task":
            self.view.run_dir = self.model_dir
            self.on_file.setEnabled(False)  # each sub-task's model is evaluated on files from its own folder
        self.view.show_report(report, records, source)

    def show_run(self, run_dir: Path | None) -> None:
        if run_dir is None:
            if self.model_dir is not None and not self.model_dir.exists():  # its run was deleted
                self._clear()
            return
        if not RunFolder(run_dir).metrics_file.is_file():
            return
        self.model_dir = Path(run_dir)
        self.model_label.setText(
            f"Model: <b>{self.model_dir.name}</b> <span style='color:gray'>{self.model_dir}</span>"
        )
        self.on_file.setEnabled(True)
        task = task_of_model(self.model_dir)
        self._use_view_for(task, _mode_hint(self.model_dir))  # shown at once; the report may refine it
        self.set_subtitle("Results on the run's validation split.")
        folder = self.model_dir
        run_in_background(
            lambda job: _read_run_results(folder),
            context=self,
            on_success=lambda result: (
                folder == self.model_dir
                and self._show_results(task, result[0], result[1], "the run's validation split")
            ),
        )

    def _clear(self) -> None:
        self.model_dir = None
        self.baseline_warning.hide()
        if self.view is not None:
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
        self.task, self.kind, self.view = None, None, None
        self.model_label.setText("No model.")
        self.on_file.setEnabled(False)
        self.set_subtitle("Finish a run (or choose a model folder) to see how it does.")

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model folder", self.settings.last_dir("model"))
        if folder:
            self.settings.remember_dir(folder, "model")
            self.set_model(folder)

    def set_model(self, folder: str | Path) -> None:
        folder = Path(folder)
        run = RunFolder(folder)
        if run.metrics_file.is_file() and run.is_run:
            self.show_run(folder)
            return
        self.model_dir = folder
        self._use_view_for(task_of_model(folder))
        self.view.show_report({}, [], "no data yet")
        self.model_label.setText(f"Model: <b>{folder.name}</b> <span style='color:gray'>{folder}</span>")
        self.on_file.setEnabled(True)
        self.set_subtitle("This model folder has no saved results; evaluate it on a labelled file.")

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Labelled data to evaluate on", self.settings.last_dir(), DATA_FILTER
        )
        if path:
            self.evaluate_file(path)

    def evaluate_file(self, path: str, allow_pickle: bool | None = None) -> None:
        from ..pickle_prompt import allowed

        if self.model_dir is None:
            return
        model_dir, task = self.model_dir, self.task or task_of_model(self.model_dir)
        allow = allowed(model_dir) if allow_pickle is None else allow_pickle
        self.busy.show()
        self.on_file.setEnabled(False)
        self.status_message.emit(f"Evaluating {model_dir.name} on {Path(path).name}…")
        run_in_background(
            lambda job: _evaluate(model_dir, path, job, task, allow),
            context=self,
            on_success=lambda result: self._on_evaluated(path, *result),
            on_failure=lambda failure: self._on_failed(path, failure),
            on_done=self._on_job_done,
        )

    def _on_failed(self, path: str, failure) -> None:
        from .. import error_dialog
        from ..pickle_prompt import ask_allow_pickle

        if failure.pickle_refused and self.model_dir is not None and ask_allow_pickle(self, self.model_dir, failure):
            self.evaluate_file(path, allow_pickle=True)
            return
        error_dialog.show_failure(self, failure)

    def _on_evaluated(self, path: str, report: dict, records: list[dict]) -> None:
        self._show_results(report.get("task") or self.task, report, records, Path(path).name)
        capped = (
            " (the first rows only: generating text is slow)"
            if len(records) == GENERATION_ROWS and _scored_on_first_rows(report.get("task"))
            else ""
        )
        self.set_subtitle(f"Results on {path} ({report.get('rows', len(records)):,} labelled rows{capped}).")
        self.status_message.emit(f"Evaluated on {Path(path).name}")

    def _on_job_done(self) -> None:
        self.busy.hide()
        self.on_file.setEnabled(self.model_dir is not None)
