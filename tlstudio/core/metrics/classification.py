"""Classification metrics: headline numbers flat, details nested.

``metrics.json`` and ``tlstudio evaluate --json`` share this layout: flat
top-level numbers (``accuracy``, ``macro_f1``, ...) that scripts can read
without knowing the task, and nested ``per_class`` and ``confusion_matrix``.
"""

from __future__ import annotations

from collections import Counter

# A model whose macro-F1 is within this of the majority-class baseline has
# learned little beyond the class balance; users are warned.
BARELY_BEATS_MARGIN = 0.05


def headline(y_true, y_pred) -> dict[str, float]:
    """The cheap figures computed at every evaluation during training."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }


def full_report(y_true: list[int], y_pred: list[int], label_names: list[str]) -> dict:
    """Everything the Evaluate page and metrics.json show."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    ids = list(range(len(label_names)))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=ids, zero_division=0)
    # Averages run over the classes present in either list (sklearn's default), so a
    # class missing from a small validation split does not count as a zero.
    macro_p, macro_r, macro_f1, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    majority = majority_baseline(y_true, len(label_names))
    report = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(macro_f1),
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", zero_division=0)),
        "macro_precision": float(macro_p),
        "macro_recall": float(macro_r),
        "majority_accuracy": majority["accuracy"],
        "majority_macro_f1": majority["macro_f1"],
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(label_names)
        },
        "confusion_matrix": {
            "labels": list(label_names),
            "matrix": confusion_matrix(y_true, y_pred, labels=ids).tolist(),  # rows: true, columns: predicted
        },
    }
    return report


def majority_baseline(y_true: list[int], num_labels: int) -> dict[str, float]:
    """What always answering the most common class would score."""
    if not y_true:
        return {"accuracy": 0.0, "macro_f1": 0.0}
    label, count = Counter(y_true).most_common(1)[0]
    accuracy = count / len(y_true)
    # F1 of the majority class alone; every other class scores 0.
    f1_majority = 2 * accuracy / (1 + accuracy)
    present = len(set(y_true))
    return {"accuracy": accuracy, "macro_f1": f1_majority / max(1, present)}


def barely_beats_majority(report: dict) -> str | None:
    """A warning when the model is hardly better than guessing the most common class."""
    if report["macro_f1"] - report["majority_macro_f1"] < BARELY_BEATS_MARGIN:
        return (
            f"the model barely beats always guessing the most common class "
            f"(macro-F1 {report['macro_f1']:.3f} vs {report['majority_macro_f1']:.3f}). "
            "Train longer, add labelled rows, or check the labels."
        )
    return None
