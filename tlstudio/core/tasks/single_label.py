"""Single-label classification: one class per row (sentiment, topic, intent...).

Labels stay human names end to end: they become ``id2label`` in the exported
model, so ``pipeline("text-classification")`` answers with the user's own
class names.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..data.labels import case_variants_note, normalize_label, sort_labels
from ..errors import DataError
from ..metrics import classification as cls_metrics
from ..progress import Message
from .base import metric_rows
from .label_mode import LabelMode, with_warning

# Largest class this many times the smallest counts as skewed for class_weighting='auto'.
SKEW_RATIO = 3.0

CARD_NAMES = {
    "accuracy": "Accuracy",
    "macro_f1": "Macro F1",
    "weighted_f1": "Weighted F1",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "eval_loss": "Validation loss",
}


class SingleLabel(LabelMode):
    name = "single-label"
    label_kind = "class"
    problem_type = "single_label_classification"
    metric_for_best = "macro_f1"
    greater_is_better = True
    headline_metrics = ("accuracy", "macro_f1", "weighted_f1", "macro_precision", "macro_recall")
    window_aggregation = "mean"  # a long document's class: the average of its windows' probabilities
    value_description = "single labels"
    bad_value_hint = "A single-label classifier needs one label per row; for several labels per row use --multi-label."

    # ------------------------------------------------------------------ data
    def parser(self, values, column: str, table):
        return normalize_label

    def stratify(self, targets: list) -> list | None:
        return targets

    def label_names(self, train_targets: list, eval_targets: list, column: str, source: str) -> list[str]:
        names = sort_labels(set(train_targets))
        if len(names) < 2:
            found = f"only '{names[0]}'" if names else "none"
            raise DataError(
                f"column '{column}' of {source} has fewer than two classes among the labelled training rows ({found}).",
                "A classifier needs at least two different labels.",
            )
        unseen = sorted(set(eval_targets) - set(names))
        if unseen:
            raise DataError(
                f"the evaluation rows have label(s) that never appear in training: {', '.join(unseen[:10])}.",
                "Add training rows with those labels, or remove them from the evaluation data.",
            )
        return names

    def encode(self, targets: list, names: list[str]) -> list[int]:
        index = {name: i for i, name in enumerate(names)}
        return [index[t] for t in targets]

    def summary(self, train_targets: list, names: list[str]) -> dict[str, Any]:
        counts = Counter(train_targets)
        return {"class_counts": {name: counts[name] for name in names}}

    def setup(self, data, config, sink) -> None:
        """Class weights for a skewed label distribution (config.class_weighting); a warning for class names
        that look like one class spelt in several ways."""
        note = case_variants_note(data.label_names, data.columns.get("label_column") or "label")
        if note:
            sink.emit(Message("warning", note))
        counts = Counter(data.train.targets)
        skew = max(counts.values()) / max(1, min(counts.values()))
        use = config.class_weighting == "on" or (config.class_weighting == "auto" and skew >= SKEW_RATIO)
        if not use:
            if skew >= SKEW_RATIO:
                sink.emit(
                    Message(
                        "warning",
                        f"labels are skewed ({skew:.1f}x between the largest and smallest "
                        "class) and class weighting is off.",
                    )
                )
            return
        total, k = sum(counts.values()), len(data.label_names)
        data.class_weights = [total / (k * counts[name]) for name in data.label_names]
        if config.class_weighting == "auto":
            sink.emit(
                Message(
                    "info",
                    f"labels are skewed ({skew:.1f}x between the largest and smallest class); "
                    "weighting the loss by inverse class frequency (turn off with "
                    "--class-weighting off).",
                )
            )

    # ----------------------------------------------------------------- model
    def loss_function(self, data):
        """Class-weighted cross-entropy when weighting is on; None keeps the model's own loss."""
        if not getattr(data, "class_weights", None):
            return None
        import torch

        weights = torch.tensor(data.class_weights, dtype=torch.float32)

        def weighted_cross_entropy(outputs, labels, num_items_in_batch=None):
            logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
            w = weights.to(device=logits.device, dtype=logits.dtype)
            losses = torch.nn.functional.cross_entropy(logits, labels, weight=w, reduction="none")
            # Balanced weights average 1 over the training rows, so dividing by the row count keeps the
            # loss on the unweighted scale; num_items_in_batch spans the whole accumulated batch, which
            # keeps gradient accumulation from changing it.
            if num_items_in_batch is not None:
                return losses.sum() / num_items_in_batch
            return losses.mean()

        return weighted_cross_entropy

    # --------------------------------------------------------------- metrics
    def scores(self, logits, data=None):
        from ..predictors.outputs import softmax

        return softmax(logits)

    def headline(self, scores, data) -> dict[str, float]:
        return cls_metrics.headline(self.encode(data.eval.targets, data.label_names), scores.argmax(-1))

    def report(self, scores, targets: list, names: list[str], sink=None) -> dict:
        report = cls_metrics.full_report(self.encode(targets, names), scores.argmax(-1).tolist(), names)
        return with_warning(report, cls_metrics.barely_beats_majority(report), sink)

    def record(self, scores_row, target, names: list[str]) -> dict[str, Any]:
        best = int(scores_row.argmax())
        return {"label": target, "predicted": names[best], "confidence": float(scores_row[best])}

    def finish_model(self, model, data, report: dict) -> None:
        pass

    # ------------------------------------------------------------ model card
    def card_metrics(self, metrics: dict) -> list[dict]:
        entries = [{"type": "accuracy", "value": round(metrics["accuracy"], 4), "name": "Accuracy"}]
        if "macro_f1" in metrics:
            entries.append({"type": "f1", "value": round(metrics["macro_f1"], 4), "name": "Macro F1"})
        return entries

    def card_results(self, metrics: dict) -> list[str]:
        lines = ["| metric | value |", "|---|---|", *metric_rows(metrics, CARD_NAMES)]
        if "majority_accuracy" in metrics:
            lines.append(f"| Majority-class baseline accuracy | {metrics['majority_accuracy']:.4f} |")
        return lines + [""] + per_class_table(metrics.get("per_class", {}))


def per_class_table(per_class: dict) -> list[str]:
    if not per_class:
        return []
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, row in per_class.items():
        lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
    return lines + [""]
