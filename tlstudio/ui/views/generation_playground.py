"""Text generation playground: a prompt, sampling settings, and the model's text streaming in.

Generation runs on the thread pool through ``CausalGenerator.stream``; each
piece arrives as a progress event and is appended on the GUI thread, so the
window stays responsive.  Stop sets the job's cancel token, which ends
generation at the next token.

Signals: none; the view is driven by ``set_model`` and its own controls.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..workers.background import LatestOnly, run_in_background


def _load_generator(model_dir):
    from ...api import load_predictor

    return load_predictor(model_dir)


class GenerationPlayground(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_dir: Path | None = None
        self.generator = None
        self.job = None
        self._loader = LatestOnly(self, self._on_loaded, self._on_load_failed)

        self.prompt = QPlainTextEdit(self)
        self.prompt.setPlaceholderText("Write the start of a text, or a prompt, and press Generate.")
        self.prompt.setAccessibleName("Prompt")
        self.prompt.setMaximumHeight(120)
        self.temperature = QDoubleSpinBox(self, decimals=2, minimum=0.0, maximum=2.0, singleStep=0.05, value=0.8)
        self.temperature.setToolTip("0 always takes the most likely token; higher values write more varied text.")
        self.temperature.setAccessibleName("Temperature")
        self.top_p = QDoubleSpinBox(self, decimals=2, minimum=0.05, maximum=1.0, singleStep=0.05, value=0.95)
        self.top_p.setToolTip("Sample only among the most likely tokens whose probabilities add up to this.")
        self.top_p.setAccessibleName("Top-p")
        self.max_tokens = QSpinBox(self, minimum=1, maximum=4096, value=64)
        self.max_tokens.setToolTip("The longest text to write, in tokens.")
        self.max_tokens.setAccessibleName("Maximum new tokens")
        settings = QFormLayout()
        settings.addRow("Temperature", self.temperature)
        settings.addRow("Top-p", self.top_p)
        settings.addRow("Max new tokens", self.max_tokens)

        self.generate_button = QPushButton("Generate", self, enabled=False)
        self.generate_button.setAccessibleName("Generate text")
        self.generate_button.clicked.connect(self.generate)
        self.stop_button = QPushButton("Stop", self, enabled=False)
        self.stop_button.setAccessibleName("Stop generating")
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)

        self.output = QPlainTextEdit(self, readOnly=True)
        self.output.setAccessibleName("Generated text")
        self.status = QLabel("Load a model to try it.", self)
        self.status.setWordWrap(True)
        self.template_note = QLabel("", self)
        self.template_note.setWordWrap(True)

        box = QGroupBox("Generate", self)
        inner = QVBoxLayout(box)
        inner.addWidget(self.prompt)
        inner.addWidget(self.template_note)
        inner.addLayout(settings)
        inner.addLayout(buttons)
        inner.addWidget(self.output, 1)
        inner.addWidget(self.status)
        QVBoxLayout(self).addWidget(box)

    # -- model ----------------------------------------------------------------------------
    def set_model(self, model_dir) -> None:
        model_dir = Path(model_dir)
        if model_dir == self.model_dir:
            return
        self.stop()
        self.model_dir, self.generator = model_dir, None
        self.generate_button.setEnabled(False)
        self.status.setText(f"Loading the model from {model_dir}…")
        self._loader.request(lambda job: _load_generator(model_dir))

    def _on_loaded(self, generator) -> None:
        if generator.model_dir != self.model_dir:
            return
        self.generator = generator
        settings = generator.settings
        self.temperature.setValue(float(settings["temperature"]))
        self.top_p.setValue(float(settings["top_p"]))
        self.max_tokens.setValue(int(settings["max_new_tokens"]))
        template = getattr(generator, "template", None)
        self.template_note.setText(
            "Prompts are put into the template the model was trained with: " + template.replace("\n", " ⏎ ")
            if template
            else ""
        )
        self.generate_button.setEnabled(True)
        self.status.setText("Ready.")

    def _on_load_failed(self, failure) -> None:
        self.status.setText(f"Cannot load this model: {failure.text}")

    # -- generation -----------------------------------------------------------------------
    def generate(self) -> None:
        generator, prompt = self.generator, self.prompt.toPlainText()
        if generator is None or self.job is not None:
            return
        if not prompt.strip():
            self.status.setText("Write a prompt first.")
            return
        options = {
            "temperature": self.temperature.value(),
            "top_p": self.top_p.value(),
            "max_new_tokens": self.max_tokens.value(),
        }
        self.output.clear()
        self.generate_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.status.setText("Generating…")

        def work(job):
            for piece in generator.stream(prompt, cancel=job.cancel_token, **options):
                job.emit(piece)

        self.job = run_in_background(
            work,
            context=self,
            on_progress=self._on_piece,
            on_success=lambda _: self.status.setText("Done."),
            on_cancelled=lambda: self.status.setText("Stopped."),
            on_failure=lambda failure: self.status.setText(f"Failed: {failure.text}"),
            on_done=self._on_done,
        )

    def _on_piece(self, piece) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.End)
        cursor.insertText(str(piece))
        self.output.setTextCursor(cursor)

    def _on_done(self) -> None:
        self.job = None
        self.stop_button.setEnabled(False)
        self.generate_button.setEnabled(self.generator is not None)

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()

    @property
    def busy(self) -> bool:
        return self.job is not None
