"""Multi-label classification: any number of labels per row (tags, topics, toxicity types...).

A row's labels come as a JSON list or as one string with a separator
(``sport|politics``).  The model has one sigmoid output per label; a label
applies when its score reaches the threshold tuned on the validation split,
which is saved in the exported ``config.json`` as ``multi_label_threshold``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..data.labels import normalize_label, sort_labels
from ..errors import DataError
from ..metrics import multi_label as ml_metrics
from ..progress import Message
from .base import metric_rows
from .label_mode import LabelMode
from .single_label import per_class_table

DELIMITERS = ("|", ";", ",")
CARD_NAMES = {
    "micro_f1": "Micro F1",
    "macro_f1": "Macro F1",
    "samples_f1": "Samples F1",
    "micro_precision": "Micro precision",
    "micro_recall": "Micro recall",
    "exact_match": "Exact match (all labels right)",
    "threshold": "Threshold",
}


def detect_delimiter(values: list) -> str | None:
    strings = [v for v in values if isinstance(v, str)]
    for delimiter in DELIMITERS:
        if any(delimiter in v for v in strings):
            return delimiter
    return None


class MultiLabel(LabelMode):
    name = "multi-label"
    label_kind = "classes"
    problem_type = "multi_label_classification"
    metric_for_best = "micro_f1"
    greater_is_better = True
    headline_metrics = (
        "micro_f1",
        "macro_f1",
        "samples_f1",
        "micro_precision",
        "micro_recall",
        "exact_match",
        "threshold",
    )
    # A long document has a label when any part of it does.
    window_aggregation = "max"
    value_description = "label lists or separated label strings"
    bad_value_hint = 'Write each row\'s labels as a JSON list (["a", "b"]) or one string such as "a|b".'

    def __init__(self, delimiter: str | None = None, threshold: float | None = None):
        self.delimiter = delimiter
        self.threshold = threshold  # None: tuned on the data a report is made on

    # ------------------------------------------------------------------ data
    def parser(self, values, column: str, table):
        delimiter = self.delimiter or detect_delimiter(values)
        self.delimiter = delimiter

        def parse(value) -> list[str] | None:
            if isinstance(value, (list, tuple)):
                labels = [normalize_label(v) for v in value]
                return sorted({label for label in labels if label is not None})
            label = normalize_label(value)  # raises TypeError for objects
            if label is None:
                return None
            parts = label.split(delimiter) if delimiter else [label]
            return sorted({p.strip() for p in parts if p.strip()})

        return parse

    def stratify(self, targets: list) -> list | None:
        return None

    def label_names(self, train_targets: list, eval_targets: list, column: str, source: str) -> list[str]:
        names = sort_labels({label for labels in train_targets for label in labels})
        if len(names) < 2:
            raise DataError(
                f"column '{column}' of {source} holds fewer than two different labels among the training rows.",
                "A multi-label classifier needs at least two labels; check --label-delimiter.",
            )
        unseen = sorted({label for labels in eval_targets for label in labels} - set(names))
        if unseen:
            raise DataError(
                f"the evaluation rows have label(s) that never appear in training: {', '.join(unseen[:10])}.",
                "Add training rows with those labels, or remove them from the evaluation data.",
            )
        return names

    def encode(self, targets: list, names: list[str]) -> list[list[float]]:
        index = {name: i for i, name in enumerate(names)}
        encoded = []
        for labels in targets:
            row = [0.0] * len(names)
            for label in labels:
                row[index[label]] = 1.0
            encoded.append(row)
        return encoded

    def summary(self, train_targets: list, names: list[str]) -> dict[str, Any]:
        counts = Counter(label for labels in train_targets for label in labels)
        return {
            "class_counts": {name: counts[name] for name in names},
            "label_delimiter": self.delimiter,
            "rows_without_labels": sum(1 for labels in train_targets if not labels),
        }

    def setup(self, data, config, sink) -> None:
        if config.class_weighting == "on":
            sink.emit(
                Message(
                    "warning",
                    "class weighting applies to single-label classification; a multi-label "
                    "model tunes its decision threshold instead.",
                )
            )
        if self.delimiter:
            sink.emit(
                Message("info", f"splitting label cells on '{self.delimiter}' (change it with --label-delimiter).")
            )

    # The model's own BCE-with-logits for multi_label_classification is the loss (LabelMode's default).

    # --------------------------------------------------------------- metrics
    def scores(self, logits, data=None):
        from ..predictors.outputs import sigmoid

        return sigmoid(logits)

    def headline(self, scores, data) -> dict[str, float]:
        return ml_metrics.headline(self.encode(data.eval.targets, data.label_names), scores)

    def report(self, scores, targets: list, names: list[str], sink=None) -> dict:
        return ml_metrics.full_report(self.encode(targets, names), scores, names, self.threshold)

    def record(self, scores_row, target, names: list[str]) -> dict[str, Any]:
        threshold = 0.5 if self.threshold is None else self.threshold
        return {
            "labels": target,
            "predicted": [name for name, s in zip(names, scores_row) if s >= threshold],
            "scores": {name: round(float(s), 6) for name, s in zip(names, scores_row)},
        }

    def finish_model(self, model, data, report: dict) -> None:
        # Saved in config.json so predictions after export use the tuned threshold.
        self.threshold = report["threshold"]
        model.config.multi_label_threshold = self.threshold

    # ------------------------------------------------------------ model card
    def card_metrics(self, metrics: dict) -> list[dict]:
        return [
            {"type": "f1", "value": round(metrics["micro_f1"], 4), "name": "Micro F1"},
            {"type": "f1", "value": round(metrics["macro_f1"], 4), "name": "Macro F1"},
        ]

    def card_results(self, metrics: dict) -> list[str]:
        lines = ["| metric | value |", "|---|---|", *metric_rows(metrics, CARD_NAMES), ""]
        lines += [
            f"A label applies when its score is at least {metrics.get('threshold', 0.5):.2f} (tuned on the "
            "validation split; saved as `multi_label_threshold` in config.json).",
            "",
        ]
        return lines + per_class_table(metrics.get("per_class", {}))
