"""What a trained model answers, one typed result per input.

The CLI prints them and the app's try-it page draws them by type: label
probabilities as bars, a label set as chips, a number, text with entities
highlighted, generated text.  Every result turns into plain JSON with
``to_dict()`` (``tlstudio predict --json``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Prediction:
    """Single-label classification: the best class and every class's probability."""

    label: str
    score: float
    scores: dict[str, float]
    kind = "label"

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return f"{self.label}\t{self.score:.3f}"


@dataclass(frozen=True)
class LabelSet:
    """Multi-label classification: the labels whose score reaches the threshold, and every label's score."""

    labels: list[str]
    scores: dict[str, float]
    threshold: float
    kind = "label_set"

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        shown = ", ".join(f"{label} {self.scores[label]:.2f}" for label in self.labels)
        return shown or f"(no label reaches {self.threshold:.2f})"


@dataclass(frozen=True)
class Value:
    """Regression: the predicted number (named after the target column)."""

    value: float
    name: str = "value"
    kind = "value"

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return f"{self.value:.4g}"


@dataclass(frozen=True)
class Entity:
    """One entity found in a text: ``text[start:end]`` is of type ``label``."""

    start: int
    end: int
    label: str
    score: float
    text: str


@dataclass(frozen=True)
class TaggedText:
    """Token classification: the entities in a text, in order."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    kind = "entities"

    def to_dict(self) -> dict:
        return {"text": self.text, "entities": [asdict(e) for e in self.entities]}

    def summary(self) -> str:
        return "  ".join(f"[{e.text}]{e.label}" for e in self.entities) or "(no entities)"


@dataclass(frozen=True)
class GeneratedText:
    """Translation or summarization: the text the model wrote."""

    text: str
    kind = "text"

    def to_dict(self) -> dict:
        # Beside the input's "text" in `tlstudio predict --json`, so it must not reuse that key.
        return {"generated": self.text}

    def summary(self) -> str:
        return self.text
