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
        kind: {"precision": float(row["precision"]), "recall": float(row["recall"]), "f1": float(row["f1-score"]),
               "support": int(row["support"])}
        for kind, row in sorted(details.items()) if not kind.endswith(" avg")
    }
    for average in ("macro", "weighted"):
        row = details.get(f"{average} avg")
        if row:
            report[f"{average}_f1"] = float(row["f1-score"])
    report["entities"] = sum(row["support"] for row in report["per_type"].values())
    report["predicted_entities"] = sum(Counter(entity_spans_types(predicted_tags)).values())
    return report


def entity_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(first, last_exclusive, type)`` word spans of the entities in one BIO sentence (I- after O starts one)."""
    spans, start, kind = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, current = (tag[0], tag[2:]) if tag != "O" else ("O", None)
        if start is not None and (prefix != "I" or current != kind):
            spans.append((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "I") and start is None:
            start, kind = i, current
    return spans


def entity_spans_types(sentences: list[list[str]]) -> list[str]:
    return [kind for tags in sentences for _, _, kind in entity_spans(tags)]
