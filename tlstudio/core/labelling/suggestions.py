"""Pre-labelling: the current model's guess for each unlabelled row, with how sure it is.

The app shows a suggestion beside the row (accept it with a key, or label
the row yourself) and orders its "label next" queue by :attr:`Suggestion.uncertainty`.
Only single-label classifiers suggest labels; other models say so clearly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import TlStudioError
from ..progress import NullSink, StageChanged
from .uncertainty import uncertainty

BATCH = 256


@dataclass(frozen=True)
class Suggestion:
    row: int  # 0-based row position in the table
    label: str
    confidence: float  # probability of ``label``
    uncertainty: float  # by the method asked for; 1 is "no idea"
    runner_up: str | None = None


def load_suggester(model_dir: str | Path, device: str = "auto"):
    """The model that will suggest labels; refuses anything but a single-label classifier."""
    from ..predictors.loading import load_predictor

    predictor = load_predictor(model_dir, device)
    if getattr(predictor, "task", "") != "text-classification" or predictor.mode.name != "single-label":
        raise TlStudioError(
            f"the model in {model_dir} is not a single-label classifier, so it cannot suggest one class per row.",
            "Choose a run trained for text classification with one label per row.",
        )
    return predictor


def model_labels(model_dir: str | Path) -> list[str]:
    """The class names a trained classifier predicts (its config.json's id2label), without loading it."""
    import json

    try:
        config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    id2label = config.get("id2label") if isinstance(config, dict) else None
    return [str(v) for v in id2label.values()] if isinstance(id2label, dict) else []


def suggest(
    predictor, texts: list[str], rows: list[int], *, method: str = "entropy", sink=None, cancel=None
) -> list[Suggestion]:
    """A suggestion for each of ``texts`` (at table positions ``rows``), in the same order."""
    import numpy as np

    from ..errors import RunCancelled

    sink = sink or NullSink()
    labels = list(predictor.labels)
    results: list[Suggestion] = []
    for start in range(0, len(texts), BATCH):
        if cancel is not None and cancel.cancelled:
            raise RunCancelled()
        sink.emit(StageChanged("suggesting", f"Suggesting labels: {start:,} of {len(texts):,} rows"))
        probs = np.asarray(predictor.scores(texts[start : start + BATCH], cancel=cancel))
        scores = uncertainty(probs, method)
        order = np.argsort(-probs, axis=1)
        for i, row in enumerate(rows[start : start + BATCH]):
            best, second = int(order[i, 0]), int(order[i, 1])
            results.append(Suggestion(row, labels[best], float(probs[i, best]), float(scores[i]), labels[second]))
    return results
