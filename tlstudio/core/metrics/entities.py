"""Entity-level metrics for tagging (seqeval): an entity counts only when its type and extent are both right.

Headline figures sit flat at the top of metrics.json (``f1``, ``precision``,
``recall``, and token ``accuracy``); per-type figures are nested under
``per_type``.
"""

from __future__ import annotations

from collections import Counter


def headline(true_tags: list[list[str]], predicted_tags: list[list[str]]) -> dict[str, float]:
    from seqeval.metrics import f1_score, precision_score, recall_score

    return {
        "f1": float(f1_score(true_tags, predicted_tags, zero_division=0)),
        "precision": float(precision_score(true_tags, predicted_tags, zero_division=0)),
        "recall": float(recall_score(true_tags, predicted_tags, zero_division=0)),
    }


def full_report(true_tags: list[list[str]], predicted_tags: list[list[str]]) -> dict:
    from seqeval.metrics import classification_report

    report = headline(true_tags, predicted_tags)
    tokens = sum(len(t) for t in true_tags)
    correct = sum(a == b for t, p in zip(true_tags, predicted_tags) for a, b in zip(t, p))
    report["accuracy"] = correct / tokens if tokens else 0.0
    details = classification_report(true_tags, predicted_tags, output_dict=True, zero_division=0)
    report["per_type"] = {
        kind: {
            "precision": float(row["precision"]),
            "recall": float(row["recall"]),
            "f1": float(row["f1-score"]),
            "support": int(row["support"]),
        }
        for kind, row in sorted(details.items())
        if not kind.endswith(" avg")
    }
    for average in ("macro", "weighted"):
        row = details.get(f"{average} avg")
        if row:
            report[f"{average}_f1"] = float(row["f1-score"])
    report["entities"] = sum(row["support"] for row in report["per_type"].values())
    report["predicted_entities"] = sum(Counter(entity_spans_types(predicted_tags)).values())
    return report


# A tagger finding fewer than this share of the validation split's entities, or more than this many times them,
# gives its user little: a short run tags every word O (entity F1 0.000 after 60 steps on tweets), and a run
# that over-weights the entity tags marks thousands of words (3,857 predicted against 130 true, issue 18).
TOO_FEW_ENTITIES = 0.2
TOO_MANY_ENTITIES = 3.0


def entity_count_warning(true_count: int, predicted_count: int) -> str | None:
    """A plain warning when a tagger predicts almost none of the validation split's entities, or far more."""
    if true_count <= 0:
        return None
    where = f"the validation split holds {true_count:,}"
    if predicted_count == 0:
        return (
            f"the tagger found no entities at all ({where}): it tags every word O. Train it longer (more epochs "
            "or steps, or the 'best quality' preset) before using it."
        )
    if true_count >= 10 and predicted_count < TOO_FEW_ENTITIES * true_count:
        return (
            f"the tagger found only {predicted_count:,} entities where {where}: it misses most of them. Train it "
            "longer (more epochs or steps) before using it."
        )
    if predicted_count > TOO_MANY_ENTITIES * true_count and predicted_count - true_count >= 10:
        return (
            f"the tagger predicted {predicted_count:,} entities where {where}: it marks many words that are no "
            "entity. Check the tags column, and the predictions on the Evaluate page."
        )
    return None


def entity_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(first, last_exclusive, type)`` word spans of the entities in one sentence (seqeval's ``get_entities``).

    Tags are BIO (an I- after O starts an entity), IO (``I-PER`` or a bare ``PER``), BIOES or BILOU.
    """
    from seqeval.metrics.sequence_labeling import get_entities

    from ..tasks.tagging_rows import split_tag  # the one reading of a tag's prefix

    def iobes(tag: str) -> str:
        prefix, kind = split_tag(tag)
        return "O" if kind is None else f"{_IOBES.get(prefix, 'I')}-{kind}"

    return [(first, last + 1, kind) for kind, first, last in get_entities([iobes(str(tag)) for tag in tags])]


# seqeval reads IOBES; BILOU's L- and U- are its E- and S-, and a bare type is IO's I-.
_IOBES = {"B": "B", "I": "I", "E": "E", "S": "S", "L": "E", "U": "S"}


def entity_spans_types(sentences: list[list[str]]) -> list[str]:
    return [kind for tags in sentences for _, _, kind in entity_spans(tags)]
