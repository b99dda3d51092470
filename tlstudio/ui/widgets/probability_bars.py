"""One bar per class showing the model's probability, best first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

MAX_SHOWN = 20


class ProbabilityBars(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QGridLayout(self)
        self._layout.setColumnStretch(1, 1)
        self._layout.setAlignment(Qt.AlignTop)  # bars stay together at the top however tall the page is
        self._rows: list[tuple[QLabel, QProgressBar]] = []
        self.setAccessibleName("Class probabilities")

    def clear(self) -> None:
        for label, bar in self._rows:
            label.deleteLater()
            bar.deleteLater()
        self._rows = []
        self.setAccessibleDescription("")

    def set_scores(self, scores: dict[str, float]) -> None:
        ordered = sorted(scores.items(), key=lambda kv: -kv[1])[:MAX_SHOWN]
        if [label.text() for label, _ in self._rows] != [name for name, _ in ordered]:
            self.clear()
            for row, (name, _) in enumerate(ordered):
                label = QLabel(name, self)
                bar = QProgressBar(self)
                bar.setRange(0, 1000)
                bar.setAccessibleName(f"Probability of {name}")
                label.setBuddy(bar)
                self._layout.addWidget(label, row, 0)
                self._layout.addWidget(bar, row, 1)
                self._rows.append((label, bar))
        for (label, bar), (name, score) in zip(self._rows, ordered):
            bar.setValue(round(score * 1000))
            bar.setFormat(f"{score:.1%}")
        self.setAccessibleDescription(", ".join(f"{name} {score:.1%}" for name, score in ordered))

    def scores_shown(self) -> dict[str, float]:
        return {label.text(): bar.value() / 1000 for label, bar in self._rows}
