"""Text with entities highlighted by type, and a set of labels drawn as chips.

Colours come from a fixed palette in the order types are first seen, so one
type keeps its colour across a page; the type's name is written after each
entity too, so the highlighting never depends on colour alone.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTextBrowser, QWidget

PALETTE = ("#ffd54f", "#81d4fa", "#a5d6a7", "#f48fb1", "#ce93d8", "#ffab91", "#b0bec5", "#e6ee9c", "#80cbc4", "#bcaaa4")


class EntityColors:
    def __init__(self) -> None:
        self._colors: dict[str, str] = {}

    def __call__(self, kind: str) -> str:
        if kind not in self._colors:
            self._colors[kind] = PALETTE[len(self._colors) % len(PALETTE)]
        return self._colors[kind]

    def legend(self, kinds) -> str:
        return " ".join(_mark(kind, kind, self(kind), tag=False) for kind in kinds)


def _mark(text: str, kind: str, color: str, *, tag: bool = True, score: float | None = None) -> str:
    title = f"{kind} {score:.0%}" if score is not None else kind
    label = f"<sub><b>&nbsp;{html.escape(kind)}</b></sub>" if tag else ""
    return (
        f"<span style='background-color:{color}; color:#000000;' title='{html.escape(title)}'>"
        f"&nbsp;{html.escape(text)}{label}&nbsp;</span>"
    )


def highlight_characters(text: str, entities, colors: EntityColors) -> str:
    """HTML of ``text`` with each entity (``start``, ``end``, ``label``, ``score``) marked."""
    out, at = [], 0
    for entity in sorted(entities, key=lambda e: e.start):
        if entity.start < at:
            continue
        out.append(html.escape(text[at : entity.start]))
        out.append(_mark(text[entity.start : entity.end], entity.label, colors(entity.label), score=entity.score))
        at = entity.end
    out.append(html.escape(text[at:]))
    return "".join(out).replace("\n", "<br>")


def highlight_words(tokens: list[str], spans: list[dict], colors: EntityColors) -> str:
    """HTML of the words with each word span (``start``/``end`` word indices, ``label``) marked."""
    out, at = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        if span["start"] < at:
            continue
        out += [html.escape(w) for w in tokens[at : span["start"]]]
        out.append(
            _mark(
                " ".join(tokens[span["start"] : span["end"]]),
                span["label"],
                colors(span["label"]),
                score=span.get("score"),
            )
        )
        at = span["end"]
    out += [html.escape(w) for w in tokens[at:]]
    return " ".join(out)


class EntityTextView(QTextBrowser):
    """Read-only text with entities highlighted, and a legend of the types."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.colors = EntityColors()
        self.setAccessibleName("Text with the entities found")
        self.setOpenLinks(False)
        self.entities: list = []

    def show_tagged(self, tagged, entity_types: list[str] | None = None) -> None:
        self.entities = list(tagged.entities)
        body = highlight_characters(tagged.text, tagged.entities, self.colors)
        kinds = entity_types or sorted({e.label for e in tagged.entities})
        found = ", ".join(f"{e.text} ({e.label})" for e in tagged.entities) or "no entities"
        self.setHtml(f"<p style='line-height:160%'>{body}</p><p>{self.colors.legend(kinds)}</p>")
        self.setAccessibleDescription(f"Found: {found}")


class LabelChips(QWidget):
    """The labels a multi-label model chose, as chips with their scores."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._chips: list[QLabel] = []
        self.setAccessibleName("Labels chosen")

    def set_labels(self, labels: list[str], scores: dict[str, float]) -> None:
        for chip in self._chips:
            chip.deleteLater()
        self._chips = []
        while self._layout.count():
            self._layout.takeAt(0)
        for label in labels or ["(no label reaches the threshold)"]:
            text = f"{label}  {scores[label]:.0%}" if label in scores else label
            chip = QLabel(text, self)
            chip.setStyleSheet(
                "QLabel { border: 1px solid palette(highlight); border-radius: 9px; "
                "padding: 2px 9px; background: palette(alternate-base); }"
                if label in scores
                else ""
            )
            chip.setAlignment(Qt.AlignCenter)
            self._layout.addWidget(chip)
            self._chips.append(chip)
        self._layout.addStretch(1)
        self.setAccessibleDescription(", ".join(labels) or "no label")

    def labels_shown(self) -> list[str]:
        return [chip.text().split("  ")[0] for chip in self._chips]
