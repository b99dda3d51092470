"""Predicting a whole file with the model on the try-it page, saved beside its rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
)

from ..widgets.fields import PathField
from ..workers.background import run_in_background

from ..widgets.split_settings import DATA_FILTER  # noqa: E402  (one list of readable files)

NONE = "(none)"


def input_field(task: str) -> str:
    """The RunConfig field naming the column a model reads, for the file's column picker."""
    from ...api import find_task

    found = find_task(task)
    return found.predict_field if found is not None else "text_column"


def _columns(path: str):
    from ...api import read_table
    from ...api import suggest_text_column

    table = read_table(path, nrows=500)
    return table.columns, suggest_text_column(table.frame).column


class FilePrediction(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("Predict a whole file", parent)
        self.model_dir: Path | None = None
        self.task = "text-classification"
        self.runtime = "pytorch"
        self.allow_pickle = False
        self._job = None
        form = QFormLayout(self)
        self.file_in = PathField("File to predict", "open", DATA_FILTER, self)
        self.file_in.path_changed.connect(self._on_input_file)
        self.column = QComboBox(self)
        self.column.setAccessibleName("Text column of the file")
        self.pair_column = QComboBox(self)
        self.pair_column.setAccessibleName("Second text column of the file")
        self.file_out = PathField("Save predictions as", "save", "CSV (*.csv);;TSV (*.tsv);;JSON Lines (*.jsonl)", self)
        self.predict_button = QPushButton("Predict file", self)
        self.predict_button.setAccessibleName("Predict the whole file")
        self.predict_button.clicked.connect(self.predict_file)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel predicting the file")
        self.cancel_button.clicked.connect(lambda: self._job and self._job.cancel())
        self.cancel_button.setEnabled(False)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setAccessibleName("Predicting the file")
        self.busy.hide()
        self.file_result = QLabel(self)
        self.file_result.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.predict_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.busy, 1)
        form.addRow("Input", self.file_in)
        form.addRow("Text column", self.column)
        form.addRow("Second text column", self.pair_column)
        form.addRow("Output", self.file_out)
        form.addRow(buttons)
        form.addRow(self.file_result)
        self._form = form
        self._show_pair(False)

    def _show_pair(self, shown: bool) -> None:
        self._form.setRowVisible(self.pair_column, shown)

    def set_model(self, model_dir: Path, task: str) -> None:
        from ...api import RunFolder

        self.model_dir, self.task = Path(model_dir), task
        record = RunFolder(self.model_dir).record_or_none()
        config = dict(record.config) if record is not None else {}
        self.trained_columns = config
        self._show_pair(bool(config.get("text_pair_column")))

    def _on_input_file(self, path: str) -> None:
        if not path:
            return
        source = Path(path)
        if not self.file_out.path:
            self.file_out.set_path(source.with_name(f"{source.stem}-predictions.csv"))
        run_in_background(
            lambda job: _columns(path),
            context=self,
            on_success=self._on_columns,
            on_failure=lambda failure: self.file_result.setText(failure.text),
        )

    def _on_columns(self, result) -> None:
        columns, suggested = result
        trained = getattr(self, "trained_columns", {})
        wanted = trained.get(input_field(self.task))
        self.column.clear()
        self.column.addItems(columns)
        self.column.setCurrentText(wanted if wanted in columns else suggested if suggested in columns else columns[0])
        self.pair_column.clear()
        self.pair_column.addItems([NONE, *columns])
        if trained.get("text_pair_column") in columns:
            self.pair_column.setCurrentText(trained["text_pair_column"])

    def predict_file(self) -> None:
        from ...api import predict_file

        if self.model_dir is None or not self.file_in.path or not self.file_out.path or self._job is not None:
            self.file_result.setText("Choose a model, an input file and where to save the predictions.")
            return
        model_dir, source, target = self.model_dir, self.file_in.path, self.file_out.path
        if Path(target).expanduser().resolve() == Path(source).expanduser().resolve():
            self.file_result.setText("Save the predictions to another file: tlstudio never overwrites your data.")
            return
        if (
            Path(target).exists()
            and QMessageBox.question(
                self,
                "Replace file",
                f"{target} already exists. Replace it with the predictions?",
                QMessageBox.Yes | QMessageBox.No,
                QMessageBox.No,
            )
            != QMessageBox.Yes
        ):
            self.file_result.setText("Nothing was written; choose another file for the predictions.")
            return
        columns = {input_field(self.task): self.column.currentText() or None}
        if self.pair_column.currentText() not in ("", NONE):
            columns["text_pair_column"] = self.pair_column.currentText()
        runtime, allow = self.runtime, self.allow_pickle
        self.busy.show()
        self.predict_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.file_result.setText(f"Predicting {Path(source).name}…")
        self._job = run_in_background(
            lambda job: predict_file(
                model_dir,
                source,
                target,
                columns=columns,
                cancel=job.cancel_token,
                runtime=runtime,
                allow_pickle=allow,
                force=True,
            ),
            context=self,
            on_success=self._on_done_ok,
            on_failure=self._on_failed,
            on_cancelled=lambda: self.file_result.setText("Cancelled; nothing was written."),
            on_done=self._on_job_done,
        )

    def _on_failed(self, failure) -> None:
        from .. import error_dialog

        self.file_result.setText(f"Not written: {failure.message}")
        error_dialog.show_failure(self, failure)

    def _on_done_ok(self, summary: dict) -> None:
        self.file_result.setText(
            f"Wrote {summary['rows']:,} predictions to {summary['output']} ({summary.get('runtime', 'pytorch')})."
        )

    def _on_job_done(self) -> None:
        self._job = None
        self.busy.hide()
        self.predict_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
