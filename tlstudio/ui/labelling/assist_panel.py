"""Model-assisted labelling: suggestions with confidence, the "label next" queue, quick retrains.

The model is the run open in the session (or one the user picks).  Its
suggestion for every row is shown beside the label; A accepts it.  After the
chosen number of new labels, the last model is fine-tuned again on the labels
as they are now (in the background) and the suggestions refresh.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...api import StageChanged
from ..workers.background import run_in_background


def _suggest_all(job, model_dir: str, texts: list[str], method: str, holder: dict):
    from ...api import load_suggester, suggest

    predictor = holder.get(model_dir)
    if predictor is None:
        job.emit(StageChanged("loading", "Loading the model…"))
        predictor = load_suggester(model_dir)
        holder.clear()
        holder[model_dir] = predictor
    return suggest(predictor, texts, list(range(len(texts))), method=method, sink=job, cancel=job.cancel_token)


class AssistPanel(QWidget):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.model_dir: str | None = None
        self._predictors: dict = {}  # model_dir -> loaded predictor (one at a time)
        self._job = None
        self._retrain_job = None
        layout = QVBoxLayout(self)
        self.model_label = QLabel("No model yet: train one, or choose a run folder.", self)
        self.model_label.setWordWrap(True)
        choose = QPushButton("Choose model…", self)
        choose.clicked.connect(self.choose_model)
        form = QFormLayout()
        self.method = QComboBox(self)
        self.method.addItem("Entropy (whole spread)", "entropy")
        self.method.addItem("Margin (top two classes)", "margin")
        self.method.setAccessibleName("Uncertainty measure")
        form.addRow("Uncertainty", self.method)
        self.suggest_button = QPushButton("Suggest labels", self)
        self.suggest_button.setToolTip("Predict every row with the model; suggestions show beside the labels")
        self.suggest_button.clicked.connect(self.suggest)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.next_button = QPushButton("Label next (most uncertain first)", self)
        self.next_button.clicked.connect(lambda: self.page.show_filter("queue"))
        self.accept_button = QPushButton("Accept suggestion (A)", self)
        self.accept_button.clicked.connect(self.accept_current)
        self.auto_retrain = QCheckBox("Retrain after", self)
        self.retrain_every = QSpinBox(self)
        self.retrain_every.setRange(5, 5000)
        self.retrain_every.setValue(50)
        self.retrain_every.setSuffix(" new labels")
        self.retrain_every.setAccessibleName("New labels between retrains")
        self.retrain_button = QPushButton("Retrain now", self)
        self.retrain_button.setToolTip(
            "Fine-tune the current model again on the labels as they are now "
            "(unsaved edits included), then refresh the suggestions"
        )
        self.retrain_button.clicked.connect(self.retrain)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.suggest_button)
        buttons.addWidget(self.stop_button)
        retrain = QHBoxLayout()
        retrain.addWidget(self.auto_retrain)
        retrain.addWidget(self.retrain_every)
        for widget in (self.model_label, choose):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.next_button)
        layout.addWidget(self.accept_button)
        layout.addLayout(retrain)
        layout.addWidget(self.retrain_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        page.session.run_opened.connect(self._on_run_opened)
        self._sync()

    # -- the model ----------------------------------------------------------------------
    def _on_run_opened(self, path) -> None:
        if path is not None and (Path(path) / "config.json").is_file() and self.model_dir is None:
            self._offered = str(path)  # offered again for a later file whose classes it knows
            self.set_model(str(path), chosen=False)

    def choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a trained classifier (a run folder)", str(self.page.session.project_dir)
        )
        if folder:
            self.set_model(folder)

    def set_model(self, folder: str | None, *, chosen: bool = True) -> None:
        """Use ``folder``'s model for suggestions. One the app picked by itself (the run just opened) is only
        kept when it knows this file's classes; one the user chose is kept with a warning."""
        unknown = self._knows_none_of_the_classes(folder) if folder else None
        if folder and not chosen and self.page.controller is not None and not self.page.controller.label_column:
            unknown = "this file has no label column to suggest labels for (add one with 'New label column')."
        if unknown and not chosen:
            self.model_dir = None
            self.model_label.setText(
                f"No model: {unknown[:1].upper() + unknown[1:]} Train one on this file, or choose a model."
            )
            self.model_label.setToolTip(folder)
            self._sync()
            return
        self.model_dir = folder
        self.model_label.setText(
            (f"Model: <b>{Path(folder).name}</b>" if folder else "No model chosen.")
            + (f"<br><span style='color:#c77700'>{unknown}</span>" if unknown else "")
        )
        self.model_label.setToolTip(folder or "")
        self._sync()

    def _knows_none_of_the_classes(self, folder: str) -> str | None:
        """A sentence when the model's labels and the open file's classes have nothing in common, else None."""
        from ...api import model_labels

        classes = set(self.page.classes)
        labels = model_labels(folder)
        if not classes or not labels or classes & set(labels):
            return None
        shown = ", ".join(sorted(labels)[:4]) + (" …" if len(labels) > 4 else "")
        return f"the model of {Path(folder).name} knows other labels ({shown}) than this file's."

    def reset(self) -> None:
        """Another file (or label column): its suggestions go, and a model for other labels is not offered."""
        self.stop()
        if self.page.model is not None:
            self.page.model.set_suggestions({})
        self.status.clear()
        candidate = self.model_dir or getattr(self, "_offered", None)
        if candidate:
            self.set_model(candidate, chosen=False)
        self._sync()

    def _sync(self) -> None:
        has_data = self.page.controller is not None and self.page.model is not None
        busy = self._job is not None
        self.suggest_button.setEnabled(bool(self.model_dir) and has_data and not busy)
        self.stop_button.setEnabled(busy or self._retrain_job is not None)
        self.retrain_button.setEnabled(bool(self.model_dir) and has_data and self._retrain_job is None)
        self.accept_button.setEnabled(has_data)

    # -- suggestions ----------------------------------------------------------------------
    def suggest(self) -> None:
        if not self.model_dir or self.page.model is None or self._job is not None:
            return
        column = self.page.model.text_column
        texts = ["" if v is None else str(v) for v in self.page.controller.table.frame[column].tolist()]
        self.status.setText(f"Suggesting labels for {len(texts):,} rows…")
        self._job = run_in_background(
            lambda job, d=self.model_dir, m=self.method.currentData(): _suggest_all(job, d, texts, m, self._predictors),
            context=self,
            on_success=self._on_suggestions,
            on_progress=self._on_progress,
            on_cancelled=lambda: self.status.setText("Suggestions stopped."),
            on_failure=self._on_failure,
            on_done=self._on_done,
        )
        self._sync()

    def _on_progress(self, event) -> None:
        if isinstance(event, StageChanged):
            self.status.setText(event.detail or event.stage)

    def _on_suggestions(self, suggestions) -> None:
        by_row = {s.row: s for s in suggestions}
        self.page.model.set_suggestions(by_row)
        disagree = sum(
            1
            for r, s in by_row.items()
            if self.page.controller.label(r) is not None and self.page.controller.label(r) != s.label
        )
        unlabelled = sum(1 for r in by_row if self.page.controller.label(r) is None)
        self.status.setText(
            f"Suggestions for {len(by_row):,} rows: {unlabelled:,} unlabelled to review, the model "
            f"disagrees with {disagree:,} given labels."
        )
        self.page.controller.labels_added = 0
        self.page.refresh_rows()

    def _on_failure(self, failure) -> None:
        from ..error_dialog import show_failure

        self.status.setText(failure.message)
        show_failure(self, failure)

    def _on_done(self) -> None:
        self._job = None
        self._sync()

    def stop(self) -> None:
        for job in (self._job, self._retrain_job):
            if job is not None:
                job.cancel()

    def accept_current(self) -> None:
        """The current row takes the model's suggestion; then on to the next unlabelled row."""
        page = self.page
        position = page.current_position()
        if position is None or page.model is None:
            return
        suggestion = page.model.suggestions.get(position)
        if suggestion is None:
            page.status_message.emit("No suggestion for this row yet: press 'Suggest labels' first.")
            return
        page.set_label(position, suggestion.label)
        page.next_unlabelled(position)

    # -- quick retrain ------------------------------------------------------------------------
    def on_labels_changed(self) -> None:
        controller = self.page.controller
        if (
            self.auto_retrain.isChecked()
            and controller is not None
            and self.model_dir
            and self._retrain_job is None
            and controller.labels_added >= self.retrain_every.value()
        ):
            self.retrain()

    def retrain(self) -> None:
        from ...api import new_run_name

        page = self.page
        if not self.model_dir or page.controller is None or self._retrain_job is not None:
            return
        text, label = page.model.text_column, page.controller.label_column
        if not text or not label:
            return
        frame = page.controller.table.frame[[text, label]].copy()  # the labels as they are now
        project = Path(page.session.project_dir)
        output = project / new_run_name(project, "label-refresh")
        model_dir, base = self.model_dir, page.session.config
        page.controller.labels_added = 0
        self.status.setText("Retraining the model on the current labels in the background…")

        def work(job):
            from ...api import quick_retrain

            return quick_retrain(model_dir, frame, text, label, output, base=base, sink=job, cancel=job.cancel_token)

        self._retrain_job = run_in_background(
            work,
            context=self,
            on_success=self._on_retrained,
            on_progress=self._on_progress,
            on_failure=self._on_failure,
            on_cancelled=lambda: self.status.setText("Retrain stopped."),
            on_done=self._on_retrain_done,
        )
        self._sync()

    def _on_retrained(self, result) -> None:
        if result.status != "completed":
            self.status.setText("The retrain stopped before finishing; the previous model is kept.")
            return
        score = result.metrics.get("eval_macro_f1") or result.metrics.get("macro_f1")
        self.set_model(str(result.output_dir))
        self.status.setText(
            "Retrained" + (f" (validation macro-F1 {score:.3f})" if score else "") + "; refreshing the suggestions…"
        )
        self.page.session.open_run(result.output_dir)
        self.suggest()

    def _on_retrain_done(self) -> None:
        self._retrain_job = None
        self._sync()
