"""What a text-generation run writes for its fixed prompts, newest evaluation first, beside the charts.

Feed it the training worker's ``samples_generated`` events (``SamplesGenerated``).
The same prompts come back at every evaluation, so reading down the list shows
the model learning.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

KEPT = 20  # evaluations shown; older ones drop off the bottom


class SampleTexts(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.events: list = []
        title = QLabel("<b>Sample generations</b>", self)
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("Sample generations")
        self.browser.setPlaceholderText(
            "Text generation runs continue a few fixed prompts after each evaluation; their texts appear here."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.browser, 1)

    def clear(self) -> None:
        self.events = []
        self.browser.clear()

    def show_samples(self, event) -> None:
        self.events = [event, *self.events][:KEPT]
        parts = []
        for shown in self.events:
            when = "before training" if shown.step == 0 else f"step {shown.step} (epoch {shown.epoch:.2f})"
            rows = "".join(
                f"<p><span style='color:gray'>{escape(sample['prompt'])}</span> <b>{escape(sample['text'])}</b></p>"
                for sample in shown.samples
            )
            parts.append(f"<h4>{when}</h4>{rows}")
        self.browser.setHtml("".join(parts))
        latest = self.events[0]
        self.setAccessibleDescription(f"{len(latest.samples)} samples at step {latest.step}")
