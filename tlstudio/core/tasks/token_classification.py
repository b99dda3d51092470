"""Token classification: tagging the entities in a sentence (people, places, organisations...).

Data comes as tokens with tags (JSON/JSONL lists, space-separated strings,
CoNLL files) or as texts with entity spans; tags in any common scheme are
trained as BIO.  Metrics are entity-level (seqeval).  The export loads with
``pipeline("token-classification", aggregation_strategy="simple")``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..data.columns import choose_column, require_column
from ..data.readers import read_table
from .column_roles import suggest_roles
from ..errors import DataError
from ..metrics import entities as ent_metrics
from ..progress import Message
from .base import Task, TaskData, emit_notes, metric_rows
from .notes import uncased_note
from .record_split import split_records
from .tagging_rows import TagRows, read_tag_rows
from .token_alignment import IGNORE, encode_words, word_probabilities

CARD_NAMES = {
    "f1": "Entity F1",
    "precision": "Entity precision",
    "recall": "Entity recall",
    "accuracy": "Token accuracy",
    "eval_loss": "Validation loss",
}


@dataclass
class TaggingData(TaskData):
    train: TagRows | None = None
    eval: TagRows | None = None
    eval_positions: list[int] = field(default_factory=list)  # eval example -> position in the eval dataset
    eval_first_positions: list[list[tuple[int, int]]] = field(default_factory=list)  # per eval example
    eval_truncated: list[int] = field(default_factory=list)  # eval examples that lost words to max_length

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.label_names)}


def tag_names(types: set[str]) -> list[str]:
    """``O`` then ``B-``/``I-`` for every type: both prefixes exist even when one is never seen."""
    return ["O"] + [f"{prefix}-{kind}" for kind in sorted(types, key=str.lower) for prefix in ("B", "I")]


def columns_for(table, config_tokens: str | None, config_tags: str | None) -> tuple[str, str, list[str]]:
    notes = []
    if table.format == "conll":
        return config_tokens or "tokens", config_tags or "tags", notes
    suggestions = suggest_roles(table.frame, "token-classification")
    tokens, note = choose_column(table, config_tokens, suggestions["tokens"], "--tokens-column")
    notes += [note] if note else []
    tags, note = choose_column(table, config_tags, suggestions["tags"], "--tags-column")
    notes += [note] if note else []
    if tokens == tags:
        raise DataError(
            f"the tokens and tags columns are both '{tokens}'.",
            "Name different columns with --tokens-column and --tags-column.",
        )
    return tokens, tags, notes


class TokenClassificationTask(Task):
    name = "token-classification"
    title = "Entity tagging (NER)"
    pipeline_task = "token-classification"
    metric_for_best = "f1"
    greater_is_better = True
    headline_metrics = ("f1", "precision", "recall", "accuracy")
    metric_titles = {
        "f1": "entity F1",
        "precision": "entity precision",
        "recall": "entity recall",
        "accuracy": "token accuracy",
    }
    input_kind = "tokens"
    column_roles = {"tokens_column": "tokens", "tags_column": "tags"}
    length_field = "tokens_column"  # a token list is measured as the sentence it spells
    evaluation_view = "entities"
    label_type = "tags"
    counted = ("tags_column", "entities")
    data_checks = "the tag set (BIO or IO) and that each row has one tag per token"
    has_backbone_notes = True

    def count_labels(self, frame, column: str) -> dict[str, int]:
        """Entities per type in a tags column (BIO/IO tag lists, or lists of {start, end, label} spans)."""
        counts: Counter = Counter()
        for value in frame[column].tolist():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                counts.update(str(span.get("label")) for span in value)
            elif isinstance(value, list):
                counts.update(ent_metrics.entity_spans_types([[str(t) for t in value]]))
        return dict(counts.most_common())

    def backbone_notes(self, tokenizer, backbone: str, path, sample_texts: list[str] | None) -> list[str]:
        note = uncased_note(tokenizer, backbone, "entity tagging")
        return [note] if note else []

    def predictor_class(self):
        from ..predictors.tagger import EntityTagger

        return EntityTagger

    # ------------------------------------------------------------------ data
    def prepare(self, config, sink) -> TaggingData:
        table = read_table(config.data, sheet=config.sheet)
        emit_notes(sink, table.warnings)
        tokens_column, tags_column, notes = columns_for(table, config.tokens_column, config.tags_column)
        emit_notes(sink, notes, "info")
        rows = read_tag_rows(table, tokens_column, tags_column, sink)
        summary: dict[str, Any] = {"rows": len(table), **rows.counts, "tag_scheme": rows.scheme}

        def read_eval(eval_table):
            if eval_table.format == "conll":
                return read_tag_rows(eval_table, "tokens", "tags", sink)
            require_column(eval_table, tokens_column, "--tokens-column (in the eval file)")
            require_column(eval_table, tags_column, "--tags-column (in the eval file)")
            return read_tag_rows(eval_table, tokens_column, tags_column, sink)

        train, evaluation, summary["split"] = split_records(config, table, rows, read_eval, sink, unit="sentences")
        types = Counter(ent_metrics.entity_spans_types(train.tags))
        if not types:
            raise DataError(
                f"{config.data} has no entities in its training sentences (every tag is O).",
                "Tag some entities (B-PER, I-PER...) or check --tags-column.",
            )
        unseen = sorted(set(ent_metrics.entity_spans_types(evaluation.tags)) - set(types))
        if unseen:
            raise DataError(
                f"the evaluation sentences have entity type(s) that never appear in training: {', '.join(unseen)}.",
                "Add training sentences with those types, or remove them from the evaluation data.",
            )
        summary["entity_counts"] = dict(sorted(types.items()))
        summary["train_size"], summary["eval_size"] = len(train.tokens), len(evaluation.tokens)
        summary["notes"] = list(rows.notes)
        columns = {"tokens_column": tokens_column, "tags_column": tags_column}
        return TaggingData(
            columns=columns, label_names=tag_names(set(types)), summary=summary, train=train, eval=evaluation
        )

    def build_datasets(self, tokenizer, data: TaggingData, config, sink):
        from datasets import Dataset

        note = uncased_note(tokenizer, config.backbone, "entity tagging")
        if note:
            sink.emit(Message("warning", note))
            data.summary.setdefault("notes", []).append(note)
        ids = data.label2id
        stats: dict[str, Any] = {}
        datasets = []
        for split, rows in (("train", data.train), ("eval", data.eval)):
            encoded = encode_words(
                tokenizer, rows.tokens, config.max_length, [[ids[t] for t in tags] for tags in rows.tags]
            )
            stats[f"{split}_truncated"] = encoded.truncated
            stats[f"{split}_tokens"] = sum(encoded.lengths)
            columns = {**encoded.features, "length": encoded.lengths}
            if split == "eval":
                order = sorted(range(len(encoded.lengths)), key=encoded.lengths.__getitem__)
                columns = {key: [values[i] for i in order] for key, values in columns.items()}
                data.eval_positions = [0] * len(order)
                for position, index in enumerate(order):
                    data.eval_positions[index] = position
                data.eval_first_positions = encoded.first_positions
                data.eval_truncated = [
                    i for i, words in enumerate(rows.tokens) if len(encoded.first_positions[i]) < len(words)
                ]
            datasets.append(Dataset.from_dict(columns))
        total = stats["train_truncated"] + stats["eval_truncated"]
        if total:
            sink.emit(
                Message(
                    "warning",
                    f"{total} sentence(s) are longer than max_length={config.max_length} tokens; "
                    "their last words are not trained on. Raise --max-length to keep them.",
                )
            )
        return datasets[0], datasets[1], stats

    def data_collator(self, tokenizer, pad_to_multiple_of: int | None):
        from transformers import DataCollatorForTokenClassification

        return DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=pad_to_multiple_of)

    # ----------------------------------------------------------------- model
    def model_class(self):
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification

    def model_kwargs(self, data: TaggingData) -> dict[str, Any]:
        return {
            "num_labels": len(data.label_names),
            "id2label": dict(enumerate(data.label_names)),
            "label2id": data.label2id,
            "ignore_mismatched_sizes": True,
        }

    # --------------------------------------------------------------- metrics
    def compute_metrics(self, data: TaggingData):
        return TagMetrics(data.label_names)

    def final_report(self, model, tokenizer, data: TaggingData, config, sink, cancel=None, eval_outputs=None):
        import numpy as np

        from ..predictors.outputs import softmax

        sentences = data.eval.tokens
        if eval_outputs is None:
            probs = word_probabilities(model, tokenizer, sentences, max_length=config.max_length, cancel=cancel)
        else:
            probs = []
            for index, words in enumerate(sentences):
                row = eval_outputs[data.eval_positions[index]]
                sentence = np.zeros((len(words), len(data.label_names)))
                sentence[:, data.label2id["O"]] = 1.0  # a word with no sub-token of its own
                for word, position in data.eval_first_positions[index]:
                    sentence[word] = softmax(row[position])
                probs.append(sentence)
            if data.eval_truncated:  # predict the words truncation cut off, in chunks
                redo = word_probabilities(
                    model,
                    tokenizer,
                    [sentences[i] for i in data.eval_truncated],
                    max_length=config.max_length,
                    cancel=cancel,
                )
                for i, p in zip(data.eval_truncated, redo):
                    probs[i] = p
        predicted = [[data.label_names[i] for i in sentence.argmax(-1)] for sentence in probs]
        report = ent_metrics.full_report(data.eval.tags, predicted)
        report["notes"] = list(data.summary.get("notes", []))
        warning = ent_metrics.entity_count_warning(report["entities"], report["predicted_entities"])
        if warning:  # said in the run's log and kept with its metrics, so the Evaluate page shows it too
            report["notes"].append(warning)
            sink.emit(Message("warning", warning))
        records = [
            {
                "row": row,
                "text": text or " ".join(tokens),
                "tokens": tokens,
                "tags": tags,
                "predicted": pred,
                "entities": _spans(tags),
                "predicted_entities": _spans(pred, p),
            }
            for row, text, tokens, tags, pred, p in zip(
                data.eval.rows, data.eval.texts, sentences, data.eval.tags, predicted, probs
            )
        ]
        return report, records

    # ------------------------------------------------------------ evaluate
    def evaluate(self, predictor, table, columns: dict, sink, cancel=None) -> tuple[dict, list[dict]]:
        tokens_column, tags_column, _ = columns_for(table, columns.get("tokens_column"), columns.get("tags_column"))
        rows = read_tag_rows(table, tokens_column, tags_column, sink)
        unknown = sorted(set(ent_metrics.entity_spans_types(rows.tags)) - set(predictor.entity_types))
        if unknown:
            sink.emit(
                Message(
                    "warning", f"the model does not know entity type(s) {', '.join(unknown)}; they count as missed."
                )
            )
        predicted = predictor.tag_words(rows.tokens, cancel=cancel)
        report = ent_metrics.full_report(rows.tags, [tags for tags, _ in predicted])
        report.update(rows=len(rows.tokens), tokens_column=tokens_column, tags_column=tags_column)
        records = [
            {
                "row": row,
                "text": text or " ".join(tokens),
                "tokens": tokens,
                "tags": tags,
                "predicted": pred,
                "entities": _spans(tags),
                "predicted_entities": _spans(pred, p),
            }
            for row, text, tokens, tags, (pred, p) in zip(rows.rows, rows.texts, rows.tokens, rows.tags, predicted)
        ]
        return report, records

    # ------------------------------------------------------------ model card
    def card_metrics(self, record: dict, metrics: dict) -> list[dict]:
        return [
            {"type": "f1", "value": round(metrics["f1"], 4), "name": "Entity F1 (seqeval)"},
            {"type": "precision", "value": round(metrics["precision"], 4), "name": "Entity precision"},
            {"type": "recall", "value": round(metrics["recall"], 4), "name": "Entity recall"},
        ]

    def card_data(self, record: dict) -> list[str]:
        counts = record.get("data", {}).get("entity_counts") or {}
        shown = ", ".join(f"`{kind}` ({n})" for kind, n in counts.items())
        return [
            f"- Entity types ({len(counts)}), with training entities: {shown}",
            f"- Tags: {record.get('data', {}).get('tag_scheme', 'BIO')} in the data, trained as BIO",
        ]

    def card_results(self, record: dict, metrics: dict) -> list[str]:
        lines = ["| metric | value |", "|---|---|", *metric_rows(metrics, CARD_NAMES), ""]
        per_type = metrics.get("per_type") or {}
        if per_type:
            lines += ["| entity type | precision | recall | F1 | support |", "|---|---|---|---|---|"]
            lines += [
                f"| {kind} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |"
                for kind, r in per_type.items()
            ] + [""]
        return lines

    def card_usage(self, record: dict, model_path: str) -> list[str]:
        return [
            "```python",
            "from transformers import pipeline",
            "",
            f'tagger = pipeline("token-classification", model="{model_path}", aggregation_strategy="first")',
            'print(tagger("Maria Lopez flew from Lisbon to Toronto with Orbitel."))',
            "```",
            "",
            'The model was trained to tag the first sub-token of each word, which `aggregation_strategy="first"` '
            'reads; `"simple"` works too but can split a long word when its later sub-tokens disagree.',
            "",
        ]


def _spans(tags: list[str], probs=None) -> list[dict]:
    spans = []
    for first, last, kind in ent_metrics.entity_spans(tags):
        span = {"start": first, "end": last, "label": kind}
        if probs is not None:
            import numpy as np

            # Per word: a row of tag probabilities (validation), or the chosen tag's probability (evaluate).
            chosen = np.asarray(probs[first:last], dtype=float)
            span["score"] = round(float((chosen.max(-1) if chosen.ndim == 2 else chosen).mean()), 4)
        spans.append(span)
    return spans


class TagMetrics:
    """The Trainer's compute_metrics: entity F1 on the words each sentence kept, keeping the logits."""

    def __init__(self, label_names: list[str]) -> None:
        self.label_names = label_names
        self.last = None
        self.last_step: int | None = None
        self.step_source = None

    def __call__(self, eval_prediction) -> dict[str, float]:
        logits = eval_prediction.predictions
        logits = logits[0] if isinstance(logits, tuple) else logits
        self.last = logits
        self.last_step = self.step_source() if self.step_source else None
        predicted_ids = logits.argmax(-1)
        truth, predicted = [], []
        for labels, guesses in zip(eval_prediction.label_ids, predicted_ids):
            keep = labels != IGNORE
            truth.append([self.label_names[i] for i in labels[keep]])
            predicted.append([self.label_names[i] for i in guesses[keep]])
        return ent_metrics.headline(truth, predicted)
