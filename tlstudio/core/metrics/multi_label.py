"""Multi-label metrics: one yes/no decision per label, made at a tuned threshold.

The threshold is the one value (shared by all labels) that maximises micro-F1
on the validation split; a model whose scores sit below 0.5 for rare labels
still finds them.  Tuning and scoring on the same split flatters the figures
a little, which the report says.
"""

from __future__ import annotations

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95


def best_threshold(y_true, scores) -> float:
    """The threshold with the highest micro-F1 (ties: the one closest to 0.5)."""
    from sklearn.metrics import f1_score

    import numpy as np

    y_true = np.asarray(y_true) > 0.5
    scores = np.asarray(scores)
    best, best_f1 = 0.5, -1.0
    for threshold in sorted(THRESHOLDS, key=lambda t: abs(t - 0.5)):
        f1 = f1_score(y_true, scores >= threshold, average="micro", zero_division=0)
        if f1 > best_f1 + 1e-12:
            best, best_f1 = threshold, f1
    return best


def headline(y_true, scores, threshold: float | None = None) -> dict[str, float]:
    from sklearn.metrics import f1_score

    import numpy as np

    if threshold is None:
        threshold = best_threshold(y_true, scores)
    truth = np.asarray(y_true) > 0.5
    predicted = np.asarray(scores) >= threshold
    return {
        "micro_f1": float(f1_score(truth, predicted, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "threshold": float(threshold),
    }


def full_report(y_true, scores, label_names: list[str], threshold: float | None = None) -> dict:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    import numpy as np

    truth = np.asarray(y_true) > 0.5
    scores = np.asarray(scores)
    tuned = threshold is None
    if threshold is None:
        threshold = best_threshold(truth, scores)
    predicted = scores >= threshold
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, zero_division=0)
    micro_p, micro_r, micro_f1, _ = precision_recall_fscore_support(truth, predicted, average="micro", zero_division=0)
    at_half = scores >= 0.5
    report = {
        "micro_f1": float(micro_f1),
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(truth, predicted, average="weighted", zero_division=0)),
        "samples_f1": float(f1_score(truth, predicted, average="samples", zero_division=0)),
        "micro_precision": float(micro_p),
        "micro_recall": float(micro_r),
        "exact_match": float((truth == predicted).all(axis=1).mean()) if len(truth) else 0.0,
        "threshold": float(threshold),
        "threshold_source": "tuned on this split (maximises micro-F1)" if tuned else "the model's threshold",
        "micro_f1_at_0.5": float(f1_score(truth, at_half, average="micro", zero_division=0)),
        "labels_per_row": float(truth.sum(axis=1).mean()) if len(truth) else 0.0,
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(label_names)
        },
    }
    return report
