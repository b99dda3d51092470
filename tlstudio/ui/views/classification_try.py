"""Trying a text classifier: live predictions while typing, and a whole file to CSV."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from ..widgets.fields import PathField
from ..widgets.probability_bars import ProbabilityBars
from ..workers.background import LatestOnly, run_in_background

DEBOUNCE_MS = 250
DATA_FILTER = "Data files (*.csv *.tsv *.txt *.json *.jsonl *.ndjson *.parquet *.xlsx);;All files (*)"


def _load_classifier(model_dir):
    from ...core.inference import Classifier

    return Classifier(model_dir)


def _columns(path: str):
    from ...core.data.readers import read_table
    from ...core.data.roles import suggest_text_column

    table = read_table(path, nrows=500)
    return table.columns, suggest_text_column(table.frame).column


class ClassificationTry(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_dir: Path | None = None
        self.classifier = None
        self._file_job = None
        self._loader = LatestOnly(self, self._on_classifier_loaded, self._on_classifier_failed)
        self._predictions = LatestOnly(self, self._on_prediction, self._on_prediction_failed)

        self.input = QPlainTextEdit(self)
        self.input.setPlaceholderText("Type or paste a text; the prediction updates as you type.")
        self.input.setAccessibleName("Text to classify")
        self.input.setMaximumHeight(140)
        self.input.textChanged.connect(self._schedule)
        self.verdict = QLabel("Load a model to try it.", self)
        self.verdict.setAccessibleName("Prediction")
        self.bars = ProbabilityBars(self)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS, timeout=self._predict_now)

        live = QGroupBox("Try a text", self)
        live_layout = QVBoxLayout(live)
        live_layout.addWidget(self.input)
        live_layout.addWidget(self.verdict)
        live_layout.addWidget(self.bars)

        batch = QGroupBox("Predict a whole file", self)
        form = QFormLayout(batch)
        self.file_in = PathField("File to predict", "open", DATA_FILTER, self)
        self.file_in.path_changed.connect(self._on_input_file)
        self.column = QComboBox(self)
        self.column.setAccessibleName("Text column of the file")
        self.file_out = PathField("Save predictions as", "save", "CSV (*.csv);;TSV (*.tsv);;JSON Lines (*.jsonl)", self)
        self.predict_button = QPushButton("Predict file", self)
        self.predict_button.setAccessibleName("Predict the whole file")
        self.predict_button.clicked.connect(self.predict_file)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel predicting the file")
        self.cancel_button.clicked.connect(lambda: self._file_job and self._file_job.cancel())
        self.cancel_button.setEnabled(False)
        self.file_busy = QProgressBar(self)
        self.file_busy.setRange(0, 0)
        self.file_busy.setAccessibleName("Predicting the file")
        self.file_busy.hide()
        self.file_result = QLabel(self)
        self.file_result.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.predict_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.file_busy, 1)
        form.addRow("Input", self.file_in)
        form.addRow("Text column", self.column)
        form.addRow("Output", self.file_out)
        form.addRow(buttons)
        form.addRow(self.file_result)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(live)
        layout.addWidget(batch)
        layout.addStretch(1)

    # -- the model -----------------------------------------------------------------------
    def set_model(self, model_dir) -> None:
        model_dir = Path(model_dir)
        if model_dir == self.model_dir:
            return
        self.model_dir, self.classifier = model_dir, None
        self.bars.clear()
        self.verdict.setText(f"Loading the model from {model_dir}…")
        self._loader.request(lambda job: _load_classifier(model_dir))

    def _on_classifier_loaded(self, classifier) -> None:
        if classifier.model_dir != self.model_dir:
            return
        self.classifier = classifier
        self.verdict.setText(f"Ready: {len(classifier.labels)} classes ({', '.join(classifier.labels[:8])}"
                             f"{'…' if len(classifier.labels) > 8 else ''}).")
        self._predict_now()

    def _on_classifier_failed(self, failure) -> None:
        self.verdict.setText(f"Cannot load this model: {failure.text}")

    # -- live prediction --------------------------------------------------------------------
    def _schedule(self) -> None:
        self._debounce.start()  # restarts on every keystroke: predict once typing pauses

    def _predict_now(self) -> None:
        text = self.input.toPlainText()
        classifier = self.classifier
        if classifier is None:
            return
        if not text.strip():
            self._predictions.clear()
            self.bars.clear()
            self.verdict.setText("Type a text to see what the model predicts.")
            return
        self._predictions.request(lambda job: (text, classifier.predict([text])[0]))

    def _on_prediction(self, result) -> None:
        text, prediction = result
        if text != self.input.toPlainText():
            return  # typing went on; a newer prediction is on its way
        self.verdict.setText(f"<b>{prediction.label}</b> ({prediction.score:.1%} confident)")
        self.bars.set_scores(prediction.scores)

    def _on_prediction_failed(self, failure) -> None:
        self.verdict.setText(f"Prediction failed: {failure.text}")

    # -- a whole file -----------------------------------------------------------------------
    def _on_input_file(self, path: str) -> None:
        if not path:
            return
        source = Path(path)
        if not self.file_out.path:
            self.file_out.set_path(source.with_name(f"{source.stem}-predictions.csv"))
        run_in_background(lambda job: _columns(path), context=self, on_success=self._on_columns,
                          on_failure=lambda failure: self.file_result.setText(failure.text))

    def _on_columns(self, result) -> None:
        columns, suggested = result
        self.column.clear()
        self.column.addItems(columns)
        if suggested in columns:
            self.column.setCurrentText(suggested)

    def predict_file(self) -> None:
        from ...core.predict_file import predict_file

        if self.model_dir is None or not self.file_in.path or not self.file_out.path or self._file_job is not None:
            self.file_result.setText("Choose a model, an input file and where to save the predictions.")
            return
        model_dir, source, target = self.model_dir, self.file_in.path, self.file_out.path
        column = self.column.currentText() or None
        self.file_busy.show()
        self.predict_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.file_result.setText(f"Predicting {Path(source).name}…")
        self._file_job = run_in_background(
            lambda job: predict_file(model_dir, source, target, text_column=column, cancel=job.cancel_token),
            context=self, on_success=self._on_file_done,
            on_failure=lambda failure: self.file_result.setText(failure.text),
            on_cancelled=lambda: self.file_result.setText("Cancelled; nothing was written."),
            on_done=self._on_file_job_done)

    def _on_file_done(self, summary: dict) -> None:
        self.file_result.setText(f"Wrote {summary['rows']:,} predictions to {summary['output']}")

    def _on_file_job_done(self) -> None:
        self._file_job = None
        self.file_busy.hide()
        self.predict_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
