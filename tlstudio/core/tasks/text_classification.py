"""Single-label text classification (sentiment, topic, intent...).

Labels stay human names end to end: they become ``id2label`` in the exported
model, so ``pipeline("text-classification")`` answers with the user's own
class names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..data.columns import choose_column, require_column
from ..data.labels import normalize_label, sort_labels
from ..data.readers import read_table
from ..data.roles import suggest_roles
from ..data.splits import split_from_column, stratified_split
from ..data.table import Table, list_numbers
from ..errors import DataError
from ..metrics import classification as cls_metrics
from ..progress import Message
from .encoding import encode_texts

# Largest class this many times the smallest counts as skewed for class_weighting='auto'.
SKEW_RATIO = 3.0


@dataclass
class Examples:
    texts: list[str]
    labels: list[int]
    rows: list[int]  # 1-based data row in the source file, for pointing users at rows


@dataclass
class ClassificationData:
    label_names: list[str]
    train: Examples
    eval: Examples
    text_column: str
    label_column: str
    summary: dict[str, Any] = field(default_factory=dict)
    class_weights: list[float] | None = None
    eval_positions: list[int] = field(default_factory=list)  # set when the eval dataset is built

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.label_names)}


class TextClassificationTask:
    name = "text-classification"
    pipeline_task = "text-classification"
    metric_for_best = "macro_f1"
    greater_is_better = True

    # ------------------------------------------------------------------ data
    def prepare(self, config, sink) -> ClassificationData:
        table = read_table(config.data)
        for note in table.warnings:
            sink.emit(Message("warning", note))
        suggestions = suggest_roles(table.frame, self.name)
        text_column, note = choose_column(table, config.text_column, suggestions["text"], "--text-column")
        if note:
            sink.emit(Message("info", note))
        label_column, note = choose_column(table, config.label_column, suggestions["label"], "--label-column")
        if note:
            sink.emit(Message("info", note))
        if text_column == label_column:
            raise DataError(
                f"the text and label columns are both '{text_column}'.",
                "Name different columns with --text-column and --label-column.",
            )

        rows = _labelled_rows(table, text_column, label_column, sink)
        summary: dict[str, Any] = {"rows": len(table), **rows.pop("counts")}
        if config.eval_data:
            eval_table = read_table(config.eval_data)
            for note in eval_table.warnings:
                sink.emit(Message("warning", note))
            require_column(eval_table, text_column, "--text-column (in the eval file)")
            require_column(eval_table, label_column, "--label-column (in the eval file)")
            eval_rows = _labelled_rows(eval_table, text_column, label_column, sink)
            eval_rows.pop("counts")
            train_part, eval_part = rows, eval_rows
            summary["split"] = {"method": "eval file", "eval_file": str(eval_table.path)}
        elif config.split_column:
            column = require_column(table, config.split_column, "--split-column")
            values = table.frame[column].tolist()
            split_values = [values[r - 1] for r in rows["rows"]]
            train_pos, eval_pos, kind = split_from_column(split_values, column, str(table.path))
            train_part, eval_part = _take(rows, train_pos), _take(rows, eval_pos)
            summary["split"] = {"method": "split column", "column": column, "eval_split": kind}
        else:
            train_pos, eval_pos = stratified_split(rows["labels"], config.eval_fraction, config.seed)
            train_part, eval_part = _take(rows, train_pos), _take(rows, eval_pos)
            summary["split"] = {
                "method": "stratified", "eval_fraction": config.eval_fraction, "seed": config.seed,
            }

        label_names = sort_labels(set(train_part["labels"]))
        if len(label_names) < 2:
            found = f"only '{label_names[0]}'" if label_names else "none"
            raise DataError(
                f"column '{label_column}' of {config.data} has fewer than two classes among the labelled "
                f"training rows ({found}).",
                "A classifier needs at least two different labels.",
            )
        unseen = sorted(set(eval_part["labels"]) - set(label_names))
        if unseen:
            raise DataError(
                f"the evaluation rows have label(s) that never appear in training: {', '.join(unseen[:10])}.",
                "Add training rows with those labels, or remove them from the evaluation data.",
            )
        if not eval_part["texts"]:
            raise DataError(
                f"{config.data} has too few labelled rows to hold any out for validation.",
                "Add labelled rows or give an evaluation file with --eval-data.",
            )
        label2id = {name: i for i, name in enumerate(label_names)}
        data = ClassificationData(
            label_names=label_names,
            train=Examples(train_part["texts"], [label2id[x] for x in train_part["labels"]], train_part["rows"]),
            eval=Examples(eval_part["texts"], [label2id[x] for x in eval_part["labels"]], eval_part["rows"]),
            text_column=text_column,
            label_column=label_column,
        )
        counts = Counter(train_part["labels"])
        summary["class_counts"] = {name: counts[name] for name in label_names}
        summary["train_size"], summary["eval_size"] = len(data.train.texts), len(data.eval.texts)
        data.summary = summary
        data.class_weights = self._class_weights(counts, label_names, config, sink)
        return data

    def _class_weights(self, counts: Counter, label_names: list[str], config, sink) -> list[float] | None:
        skew = max(counts.values()) / max(1, min(counts.values()))
        use = config.class_weighting == "on" or (config.class_weighting == "auto" and skew >= SKEW_RATIO)
        if not use:
            if skew >= SKEW_RATIO:
                sink.emit(Message("warning", f"labels are skewed ({skew:.1f}x between the largest and smallest class) "
                                             "and class weighting is off."))
            return None
        total, k = sum(counts.values()), len(label_names)
        weights = [total / (k * counts[name]) for name in label_names]
        if config.class_weighting == "auto":
            sink.emit(Message("info", f"labels are skewed ({skew:.1f}x between the largest and smallest class); "
                                      "weighting the loss by inverse class frequency (turn off with --class-weighting off)."))
        return weights

    # ----------------------------------------------------------------- model
    def model_class(self):
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def model_kwargs(self, data: ClassificationData) -> dict[str, Any]:
        return {
            "num_labels": len(data.label_names),
            "id2label": dict(enumerate(data.label_names)),
            "label2id": data.label2id,
            "problem_type": "single_label_classification",
            # A backbone that already has a head of another size (a fine-tuned model) gets a fresh one.
            "ignore_mismatched_sizes": True,
        }

    def build_datasets(self, tokenizer, data: ClassificationData, config, sink):
        from datasets import Dataset

        stats = {}
        datasets = []
        for split, examples in (("train", data.train), ("eval", data.eval)):
            encoded = encode_texts(tokenizer, examples.texts, config.max_length)
            stats[f"{split}_truncated"] = encoded.truncated
            stats[f"{split}_tokens"] = sum(encoded.lengths)
            columns = dict(encoded.features)
            columns["labels"] = examples.labels
            columns["length"] = encoded.lengths
            if split == "eval":
                # Evaluation batches run in dataset order; shortest first wastes least on padding.
                order = sorted(range(len(encoded.lengths)), key=encoded.lengths.__getitem__)
                columns = {key: [values[i] for i in order] for key, values in columns.items()}
                data.eval_positions = [0] * len(order)  # example index -> position in the eval dataset
                for position, index in enumerate(order):
                    data.eval_positions[index] = position
            datasets.append(Dataset.from_dict(columns))
        total = stats["train_truncated"] + stats["eval_truncated"]
        if total:
            size = len(data.train.texts) + len(data.eval.texts)
            sink.emit(Message("warning", f"{total} of {size} texts are longer than max_length={config.max_length} "
                                         "tokens and were truncated; raise --max-length to keep more of them."))
        return datasets[0], datasets[1], stats

    def data_collator(self, tokenizer, pad_to_multiple_of: int | None):
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(tokenizer, pad_to_multiple_of=pad_to_multiple_of)

    def loss_function(self, data: ClassificationData):
        """Class-weighted cross-entropy when weighting is on; None keeps the model's own loss."""
        if not data.class_weights:
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
    def compute_metrics(self, data: ClassificationData):
        return EvalMetrics()

    def final_report(self, model, tokenizer, data: ClassificationData, config, sink, cancel=None, eval_outputs=None):
        """The full report for metrics.json, and one record per validation row (for the Evaluate page).

        ``eval_outputs`` are the logits of the last evaluation in eval-dataset order, when they
        came from the model being reported on; otherwise the validation rows are predicted here.
        """
        from ..inference import predict_probabilities, softmax

        if eval_outputs is not None:
            probs = softmax(eval_outputs)[data.eval_positions]
        else:
            probs = predict_probabilities(model, tokenizer, data.eval.texts, max_length=config.max_length,
                                          batch_size=max(8, config.batch_size * 2), cancel=cancel)
        predicted = probs.argmax(-1).tolist()
        report = cls_metrics.full_report(data.eval.labels, predicted, data.label_names)
        warning = cls_metrics.barely_beats_majority(report)
        if warning:
            report["warning"] = warning
            sink.emit(Message("warning", warning))
        records = [
            {
                "row": row,
                "text": text,
                "label": data.label_names[true],
                "predicted": data.label_names[pred],
                "confidence": float(probs[i, pred]),
            }
            for i, (row, text, true, pred) in enumerate(zip(data.eval.rows, data.eval.texts, data.eval.labels, predicted))
        ]
        return report, records


class EvalMetrics:
    """The Trainer's compute_metrics: headline figures, keeping the logits for the final report."""

    def __init__(self) -> None:
        self.last = None
        self.last_step: int | None = None
        self.step_source = None  # set by the engine: a callable returning the Trainer's global step

    def __call__(self, eval_prediction) -> dict[str, float]:
        logits = eval_prediction.predictions
        logits = logits[0] if isinstance(logits, tuple) else logits
        self.last = logits
        self.last_step = self.step_source() if self.step_source else None
        return cls_metrics.headline(eval_prediction.label_ids, logits.argmax(-1))


def _labelled_rows(table: Table, text_column: str, label_column: str, sink) -> dict[str, Any]:
    """Texts and normalised labels of the usable rows; unlabelled and empty rows are counted and named."""
    texts, labels, rows = [], [], []
    unlabelled, empty, bad_label = [], [], []
    text_values = table.frame[text_column].tolist()
    label_values = table.frame[label_column].tolist()
    for number, (text, label) in enumerate(zip(text_values, label_values), start=1):
        try:
            label = normalize_label(label)
        except TypeError:
            bad_label.append(number)
            continue
        text = "" if text is None or (isinstance(text, float) and text != text) else str(text)
        if not text.strip():
            empty.append(number)
            continue
        if label is None:
            unlabelled.append(number)
            continue
        texts.append(text)
        labels.append(label)
        rows.append(number)
    if bad_label:
        raise DataError(
            f"column '{label_column}' of {table.path} holds lists or objects in data row(s) {list_numbers(bad_label)}.",
            "A single-label classifier needs one label per row.",
        )
    if not texts:
        raise DataError(
            f"{table.path} has no rows with both a '{text_column}' and a '{label_column}'.",
            "Check the column names and that the label column is filled in.",
        )
    if empty:
        sink.emit(Message("warning", f"{table.path}: skipped {len(empty)} row(s) with an empty '{text_column}' "
                                     f"(data row(s) {list_numbers(empty)})."))
    if unlabelled:
        sink.emit(Message("info", f"{table.path}: {len(unlabelled)} row(s) have no '{label_column}' and count as "
                                  f"unlabelled; training uses the {len(texts)} labelled rows."))
    return {
        "texts": texts, "labels": labels, "rows": rows,
        "counts": {"labelled": len(texts), "unlabelled_skipped": len(unlabelled), "empty_text_skipped": len(empty)},
    }


def _take(part: dict[str, Any], positions: list[int]) -> dict[str, Any]:
    return {key: [part[key][p] for p in positions] for key in ("texts", "labels", "rows")}
