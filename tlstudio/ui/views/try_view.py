"""Trying any trained model: live predictions while typing, drawn by result type, and a whole file.

The model is opened with ``core.predictors.loading.load_predictor`` on the runtime the
user picks (PyTorch, or the ONNX / int8 ONNX models an export put in the
folder), and each answer is drawn by its type: class probabilities as bars,
a label set as chips, a number, text with entities highlighted, generated
text.  How long the model took is shown beside it, so the runtimes compare.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..widgets.entity_text import EntityTextView, LabelChips
from ..widgets.probability_bars import ProbabilityBars
from ..workers.background import LatestOnly
from .try_file import FilePrediction

DEBOUNCE_MS = 250
RUNTIME_TITLES = {"pytorch": "PyTorch", "onnx": "ONNX (onnxruntime)", "onnx-int8": "ONNX int8 (onnxruntime)"}
PLACEHOLDERS = {
    "token-classification": "Type a sentence; the entities found are highlighted as you type.",
    "translation": "Type a text to translate; the translation updates when you pause.",
    "summarization": "Paste a text to summarise; the summary updates when you pause.",
}


def available_runtimes(model_dir: Path, task: str) -> list[str]:
    from ...api import onnx_file, onnxruntime_available
    from ...api import runs_on_onnx

    runtimes = ["pytorch"]
    if runs_on_onnx(task) and onnxruntime_available():
        runtimes += [r for r in ("onnx", "onnx-int8") if onnx_file(model_dir, r).is_file()]
    return runtimes


def _load(model_dir: Path, runtime: str, allow_pickle: bool):
    from ...api import load_predictor

    predictor = load_predictor(model_dir, runtime=runtime, allow_pickle=allow_pickle)
    warm = ["warm up"]
    predictor.predict(warm, warm) if getattr(predictor, "pairs", False) else predictor.predict(warm)
    return predictor


def _notes(model_dir: Path) -> list[str]:
    from ...api import TlStudioError
    from ...api import RunFolder

    try:
        metrics = RunFolder(model_dir).metrics()
    except TlStudioError:  # damaged results take nothing from trying the model
        return []
    return metrics.notes if metrics is not None else []


class TryView(QWidget):
    def __init__(self, task: str = "text-classification", parent: QWidget | None = None):
        super().__init__(parent)
        self.task = task
        self.model_dir: Path | None = None
        self.predictor = None
        self.runtime = "pytorch"
        self.allow_pickle = False
        self.last_ms: float | None = None
        self._loader = LatestOnly(self, self._on_loaded, self._on_load_failed)
        self._predictions = LatestOnly(self, self._on_prediction, self._on_prediction_failed)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS, timeout=self._predict_now)

        self.runtime_combo = QComboBox(self)
        self.runtime_combo.setAccessibleName("Runtime")
        self.runtime_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.runtime_combo.setToolTip(
            "Which engine runs the model. An ONNX export adds onnxruntime (and int8) "
            "models to the folder; compare their speed here."
        )
        self.runtime_combo.activated.connect(lambda _i: self._on_runtime_chosen())
        self.latency = QLabel(self)
        self.latency.setAccessibleName("Time the model took")
        top = QHBoxLayout()
        top.addWidget(QLabel("Runtime", self))
        top.addWidget(self.runtime_combo)
        top.addWidget(self.latency, 1)

        self.input = QPlainTextEdit(self)
        self.input.setPlaceholderText(
            PLACEHOLDERS.get(task, "Type or paste a text; the prediction updates as you type.")
        )
        self.input.setAccessibleName("Text to try")
        self.input.setMaximumHeight(120)
        self.input.setTabChangesFocus(True)
        self.input.textChanged.connect(self._debounce.start)
        self.pair = QPlainTextEdit(self)
        self.pair.setPlaceholderText("The second text of the pair.")
        self.pair.setAccessibleName("Second text of the pair")
        self.pair.setMaximumHeight(80)
        self.pair.setTabChangesFocus(True)
        self.pair.textChanged.connect(self._debounce.start)
        self.pair.hide()
        self.generation = self._build_generation()
        self.verdict = QLabel("Load a model to try it.", self)
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName("Prediction")
        self.bars = ProbabilityBars(self)
        self.chips = LabelChips(self)
        self.entities = EntityTextView(self)
        self.generated = QPlainTextEdit(self)
        self.generated.setReadOnly(True)
        self.generated.setAccessibleName("Generated text")
        self.answer = QStackedWidget(self)
        for widget in (self.bars, self.entities, self.generated, QWidget(self)):
            self.answer.addWidget(widget)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #c77700;")
        self.notes.hide()

        live = QGroupBox("Try a text", self)
        live_layout = QVBoxLayout(live)
        live_layout.addLayout(top)
        live_layout.addWidget(self.input)
        live_layout.addWidget(self.pair)
        live_layout.addWidget(self.generation)
        live_layout.addWidget(self.verdict)
        live_layout.addWidget(self.chips)
        live_layout.addWidget(self.answer, 1)
        live_layout.addWidget(self.notes)
        self.file = FilePrediction(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(live, 1)
        layout.addWidget(self.file)
        self.chips.hide()

    def _build_generation(self) -> QWidget:
        box = QWidget(self)
        form = QHBoxLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.beams = QSpinBox(self)
        self.beams.setRange(1, 16)
        self.max_new = QSpinBox(self)
        self.max_new.setRange(1, 1024)
        self.length_penalty = QDoubleSpinBox(self)
        self.length_penalty.setRange(0.0, 5.0)
        self.length_penalty.setSingleStep(0.1)
        for title, widget, help_text in (
            ("Beams", self.beams, "Beams searched; 1 is greedy and fastest."),
            ("Max new tokens", self.max_new, "Longest text the model may write."),
            ("Length penalty", self.length_penalty, "Above 1 favours longer outputs, below 1 shorter ones."),
        ):
            label = QLabel(title, box)
            label.setBuddy(widget)
            widget.setAccessibleName(title)
            widget.setToolTip(help_text)
            form.addWidget(label)
            form.addWidget(widget)
            widget.valueChanged.connect(lambda _v: self._debounce.start())
        form.addStretch(1)
        box.hide()
        return box

    # -- the model -------------------------------------------------------------------------------
    def set_model(self, model_dir, runtime: str | None = None) -> None:
        from ..pickle_prompt import allowed

        model_dir = Path(model_dir)
        runtimes = available_runtimes(model_dir, self.task)
        if model_dir == self.model_dir and runtime in (None, self.runtime):
            return
        self.runtime_combo.clear()
        for name in runtimes:
            self.runtime_combo.addItem(RUNTIME_TITLES[name], name)
        self.runtime_combo.setEnabled(len(runtimes) > 1)
        self.runtime = runtime if runtime in runtimes else runtimes[0]
        self.runtime_combo.setCurrentIndex(runtimes.index(self.runtime))
        self.model_dir, self.predictor = model_dir, None
        self.allow_pickle = allowed(model_dir)
        notes = _notes(model_dir)
        self.notes.setText("<br>".join("Note: " + n[:1].upper() + n[1:] for n in notes))
        self.notes.setVisible(bool(notes))
        self.file.set_model(model_dir, self.task)
        self._load()

    def _load(self) -> None:
        model_dir, runtime, allow = self.model_dir, self.runtime, self.allow_pickle
        self.bars.clear()
        self.latency.clear()
        self.verdict.setText(f"Loading the model ({RUNTIME_TITLES[runtime]})…")
        self._loader.request(lambda job: (model_dir, runtime, _load(model_dir, runtime, allow)))

    def _on_runtime_chosen(self) -> None:
        runtime = self.runtime_combo.currentData()
        if runtime and runtime != self.runtime and self.model_dir is not None:
            self.runtime, self.predictor = runtime, None
            self.file.runtime = runtime
            self._load()

    def _on_loaded(self, result) -> None:
        model_dir, runtime, predictor = result
        if model_dir != self.model_dir or runtime != self.runtime:
            return
        self.predictor = predictor
        self.file.runtime, self.file.allow_pickle = runtime, self.allow_pickle
        pairs = bool(getattr(predictor, "pairs", False))
        self.pair.setVisible(pairs)
        self.input.setPlaceholderText(
            "The first text of the pair (a question, a premise…); the prediction updates as you type."
            if pairs
            else PLACEHOLDERS.get(self.task, "Type or paste a text; the prediction updates as you type.")
        )
        settings = getattr(predictor, "settings", None)
        self.generation.setVisible(settings is not None)
        if settings:
            for widget, key in (
                (self.beams, "num_beams"),
                (self.max_new, "max_new_tokens"),
                (self.length_penalty, "length_penalty"),
            ):
                widget.blockSignals(True)
                widget.setValue(settings.get(key) or widget.value())
                widget.blockSignals(False)
        self.verdict.setText(self._ready_text(predictor))
        self._predict_now()

    def _ready_text(self, predictor) -> str:
        labels = getattr(predictor, "labels", None) or []
        if getattr(predictor, "entity_types", None):
            return f"Ready: finds {', '.join(predictor.entity_types)}. Type a sentence."
        mode = getattr(getattr(predictor, "mode", None), "name", "")
        if mode == "regression":
            return f"Ready: predicts {labels[0] if labels else 'a number'}."
        if labels:
            return (
                f"Ready: {len(labels)} {'labels' if mode == 'multi-label' else 'classes'} "
                f"({', '.join(labels[:8])}{'…' if len(labels) > 8 else ''})."
            )
        return "Ready: type a text."

    def _on_load_failed(self, failure) -> None:
        from ..pickle_prompt import ask_allow_pickle

        if failure.pickle_refused and not self.allow_pickle and self.model_dir is not None:
            if ask_allow_pickle(self, self.model_dir, failure):
                self.allow_pickle = True
                self._load()
                return
        self.verdict.setText(f"Cannot load this model: {failure.text}")
        if not failure.pickle_refused:  # a refused pickle was just answered; anything else deserves its dialog
            from .. import error_dialog

            error_dialog.show_failure(self, failure)

    # -- live prediction ------------------------------------------------------------------------
    def _predict_now(self) -> None:
        text, pair, predictor = self.input.toPlainText(), self.pair.toPlainText(), self.predictor
        if predictor is None:
            return
        if not text.strip():
            self._predictions.clear()
            self._show_nothing()
            return
        options = {}
        if self.generation.isVisible() or getattr(predictor, "settings", None) is not None:
            options = {
                "num_beams": self.beams.value(),
                "max_new_tokens": self.max_new.value(),
                "length_penalty": round(self.length_penalty.value(), 3),
            }
        pairs = [pair] if getattr(predictor, "pairs", False) else None

        def work(job):
            started = time.perf_counter()
            result = (
                predictor.predict([text], pairs)[0] if pairs is not None else predictor.predict([text], **options)[0]
            )
            return text, result, (time.perf_counter() - started) * 1000

        self._predictions.request(work)

    def _show_nothing(self) -> None:
        self.bars.clear()
        self.chips.hide()
        self.answer.setCurrentIndex(3)
        self.verdict.setText(
            self._ready_text(self.predictor)
            if self.predictor is not None
            else "Type a text to see what the model answers."
        )

    def _on_prediction(self, result) -> None:
        text, answer, ms = result
        if text != self.input.toPlainText():
            return  # typing went on; a newer prediction is on its way
        self.last_ms = ms
        self.latency.setText(f"{ms:.1f} ms with {RUNTIME_TITLES[self.runtime]}")
        self.show_result(answer)

    def show_result(self, answer) -> None:
        """Draw one typed result (core.predictors.results)."""
        self.chips.setVisible(answer.kind == "label_set")
        if answer.kind == "label":
            self.verdict.setText(f"<b>{answer.label}</b> ({answer.score:.1%} confident)")
            self.bars.set_scores(answer.scores)
            self.answer.setCurrentWidget(self.bars)
        elif answer.kind == "label_set":
            self.verdict.setText(
                f"<b>{len(answer.labels)}</b> label(s) at or above the threshold "
                f"{answer.threshold:.2f}; every label's score:"
            )
            self.chips.set_labels(answer.labels, answer.scores)
            self.bars.set_scores(answer.scores)
            self.answer.setCurrentWidget(self.bars)
        elif answer.kind == "value":
            self.verdict.setText(f"{answer.name}: <span style='font-size:20pt'><b>{answer.value:.4g}</b></span>")
            self.answer.setCurrentIndex(3)
        elif answer.kind == "entities":
            kinds = getattr(self.predictor, "entity_types", None)
            self.verdict.setText(
                f"<b>{len(answer.entities)}</b> entit{'y' if len(answer.entities) == 1 else 'ies'} found:"
            )
            self.entities.show_tagged(answer, kinds)
            self.answer.setCurrentWidget(self.entities)
        elif not (answer.text or "").strip():
            # An empty answer is an answer too: say so, instead of a blank box that looks like nothing happened.
            self.verdict.setText(
                "<b>The model wrote nothing</b> for this input (it ended its output at once). A "
                "short or early run often does this: train longer, or check the Evaluate page."
            )
            self.generated.setPlainText("")
            self.answer.setCurrentWidget(self.generated)
        else:
            self.verdict.setText("The model wrote:")
            self.generated.setPlainText(answer.text)
            self.answer.setCurrentWidget(self.generated)

    def _on_prediction_failed(self, failure) -> None:
        self.verdict.setText(f"Prediction failed: {failure.text}")
