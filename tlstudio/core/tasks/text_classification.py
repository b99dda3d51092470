"""Text classification: one class per text, several labels, or a number, for single texts or pairs.

The label mode (``single_label``, ``multi_label``, ``regression``) owns what
differs between those: parsing targets, the model head, loss and metrics.
This module owns what they share: reading and splitting the table,
tokenizing (sentence pairs, overlapping windows for long texts), and the
evaluation bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.columns import choose_column, require_column
from ..data.readers import read_table
from .column_roles import suggest_roles
from ..data.table import list_numbers
from ..errors import DataError
from ..progress import Message
from .base import Task, TaskData
from .classification_rows import Rows, read_eval_file, read_rows, split_rows
from .encoding import encode_texts
from .multi_label import MultiLabel
from .regression import Regression
from .single_label import SingleLabel
from .windows import aggregate, encode_windows


def mode_for(config) -> Any:
    """The label mode a config (a RunConfig or run.json's ``config`` dict) asks for."""
    get = config.get if isinstance(config, dict) else lambda key, default=None: getattr(config, key, default)
    if get("regression"):
        return Regression()
    if get("multi_label"):
        return MultiLabel(get("label_delimiter"))
    return SingleLabel()


def mode_name(config) -> str:
    """The name of the label mode a config asks for: single-label, multi-label or regression."""
    return mode_for(config).name


@dataclass
class ClassificationData(TaskData):
    train: Rows | None = None
    eval: Rows | None = None
    mode: Any = None
    windows: bool = False
    class_weights: list[float] | None = None
    target_scale: tuple[float, float] | None = None  # regression: (mean, std) the targets are standardised by
    eval_doc_index: list[int] = field(default_factory=list)  # eval dataset position -> eval example

    @property
    def text_column(self) -> str | None:
        return self.columns.get("text_column")

    @property
    def label_column(self) -> str | None:
        return self.columns.get("label_column")

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.label_names)}


class TextClassificationTask(Task):
    name = "text-classification"
    title = "Text classification"
    pipeline_task = "text-classification"
    input_kind = "text"
    runs_on_onnx = True
    column_roles = {"text_column": "text", "text_pair_column": "second text", "label_column": "label"}
    label_type = "class"  # with the default mode; label_kind reads the config's
    evaluation_view = "single-label"  # likewise; view_for reads the report's

    def __init__(self) -> None:
        self.mode = SingleLabel()

    def label_kind(self, config) -> str | None:
        return mode_for(config).label_kind

    def view_for(self, report: dict) -> str | None:
        # The report's own figures say its label mode: a set of labels has micro F1, a number an MSE.
        return "multi-label" if "micro_f1" in report else "regression" if "mse" in report else "single-label"

    def best_metric(self, config) -> tuple[str, bool]:
        mode = mode_for(config)
        return mode.metric_for_best, mode.greater_is_better

    def predictor_class(self):
        from ..predictors.classifier import Classifier

        return Classifier

    # The best-checkpoint metric and headline figures depend on the label mode chosen in prepare().
    @property
    def metric_for_best(self) -> str:
        return self.mode.metric_for_best

    @property
    def greater_is_better(self) -> bool:
        return self.mode.greater_is_better

    @property
    def headline_metrics(self) -> tuple[str, ...]:
        return self.mode.headline_metrics

    def headline_for(self, metrics: dict) -> tuple[str, ...]:
        mode = Regression() if "mse" in metrics else MultiLabel() if "micro_f1" in metrics else SingleLabel()
        return mode.headline_metrics

    # ------------------------------------------------------------------ data
    def prepare(self, config, sink) -> ClassificationData:
        self.mode = mode = mode_for(config)
        table = read_table(config.data, sheet=config.sheet)
        for note in table.warnings:
            sink.emit(Message("warning", note))
        suggestions = suggest_roles(
            table.frame, self.name, mode.name, given={"text": config.text_column, "label": config.label_column}
        )
        text_column, note = choose_column(table, config.text_column, suggestions["text"], "--text-column")
        if note:
            sink.emit(Message("info", note))
        label_column, note = choose_column(table, config.label_column, suggestions["label"], "--label-column")
        if note:
            sink.emit(Message("info", note))
        pair_column = (
            require_column(table, config.text_pair_column, "--text-pair-column") if config.text_pair_column else None
        )
        used = [c for c in (text_column, label_column, pair_column) if c]
        if len(set(used)) < len(used):
            raise DataError(
                f"the same column is used twice among text '{text_column}', label '{label_column}'"
                + (f" and text pair '{pair_column}'" if pair_column else "")
                + ".",
                "Name different columns with --text-column, --label-column and --text-pair-column.",
            )

        rows = read_rows(table, text_column, label_column, pair_column, mode, sink)
        summary: dict[str, Any] = {"rows": len(table), **rows.counts, "label_mode": mode.name}
        if config.eval_data:
            names = [text_column, label_column] + ([pair_column] if pair_column else [])
            flags = ["--text-column", "--label-column", "--text-pair-column"]
            eval_table = read_eval_file(config, names, flags, sink)
            train, evaluation = rows, read_rows(eval_table, text_column, label_column, pair_column, mode, sink)
            summary["split"] = {"method": "eval file", "eval_file": str(eval_table.path)}
        else:
            train, evaluation, summary["split"] = split_rows(rows, table, config, mode.stratify(rows.targets), sink)
        if not evaluation.texts:
            raise DataError(
                f"{config.data} has too few labelled rows to hold any out for validation.",
                "Add labelled rows or give an evaluation file with --eval-data.",
            )
        label_names = mode.label_names(train.targets, evaluation.targets, label_column, config.data)
        columns = {"text_column": text_column, "label_column": label_column, "text_pair_column": pair_column}
        data = ClassificationData(
            columns=columns,
            label_names=label_names,
            train=train,
            eval=evaluation,
            mode=mode,
            windows=config.long_texts == "windows",
        )
        summary.update(mode.summary(train.targets, label_names))
        summary["train_size"], summary["eval_size"] = len(train.texts), len(evaluation.texts)
        data.summary = summary
        mode.setup(data, config, sink)
        return data

    def build_datasets(self, tokenizer, data: ClassificationData, config, sink):
        from datasets import Dataset

        stats: dict[str, Any] = {}
        datasets = []
        for split, rows in (("train", data.train), ("eval", data.eval)):
            encoded = encode_texts(tokenizer, rows.texts, config.max_length, rows.pairs)
            stats[f"{split}_truncated"] = encoded.truncated
            if data.windows:
                windows = encode_windows(tokenizer, rows.texts, config.max_length, config.window_overlap, rows.pairs)
                columns, doc_index, lengths = dict(windows.features), windows.doc_index, windows.lengths
                stats[f"{split}_windows"] = len(doc_index)
            else:
                columns, lengths = dict(encoded.features), encoded.lengths
                doc_index = list(range(len(rows.texts)))
            stats[f"{split}_tokens"] = sum(lengths)
            labels = data.mode.dataset_labels(rows.targets, data)
            columns["labels"] = [labels[d] for d in doc_index]
            columns["length"] = lengths
            if split == "eval":
                # Evaluation batches run in dataset order; shortest first wastes least on padding.
                order = sorted(range(len(lengths)), key=lengths.__getitem__)
                columns = {key: [values[i] for i in order] for key, values in columns.items()}
                data.eval_doc_index = [doc_index[i] for i in order]
            datasets.append(Dataset.from_dict(columns))
        self._report_long_texts(data, config, stats, sink)
        return datasets[0], datasets[1], stats

    @staticmethod
    def _report_long_texts(data: ClassificationData, config, stats: dict, sink) -> None:
        total = stats["train_truncated"] + stats["eval_truncated"]
        if not total:
            return
        size = len(data.train.texts) + len(data.eval.texts)
        if data.windows:
            sink.emit(
                Message(
                    "info",
                    f"{total} of {size} texts are longer than max_length={config.max_length} tokens "
                    f"and are split into overlapping windows ({stats['train_windows']} training "
                    f"windows from {len(data.train.texts)} texts).",
                )
            )
        else:
            sink.emit(
                Message(
                    "warning",
                    f"{total} of {size} texts are longer than max_length={config.max_length} "
                    "tokens and were truncated; raise --max-length, or use --long-texts windows "
                    "to read them whole.",
                )
            )

    # ----------------------------------------------------------------- model
    def model_class(self):
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def model_kwargs(self, data: ClassificationData) -> dict[str, Any]:
        return {
            **self.mode.model_kwargs(data.label_names),
            "id2label": dict(enumerate(data.label_names)),
            "label2id": data.label2id,
            # A backbone that already has a head of another size (a fine-tuned model) gets a fresh one.
            "ignore_mismatched_sizes": True,
        }

    def load_model(self, backbone, tokenizer, data, config, sink, *, allow_pickle: bool = False):
        model = super().load_model(backbone, tokenizer, data, config, sink, allow_pickle=allow_pickle)
        self.mode.prepare_model(model, data)
        return model

    def loss_function(self, data: ClassificationData):
        return self.mode.loss_function(data)

    # --------------------------------------------------------------- metrics
    def compute_metrics(self, data: ClassificationData):
        return EvalMetrics(data)

    def final_report(self, model, tokenizer, data: ClassificationData, config, sink, cancel=None, eval_outputs=None):
        """The full report for metrics.json, and one record per validation row (for the Evaluate page).

        ``eval_outputs`` are the logits of the last evaluation in eval-dataset order, when they came
        from the model being reported on; otherwise the validation rows are predicted here.  The label
        mode then finishes the model for export (a tuned threshold, regression scaling folded in).
        """
        from ..predictors.outputs import classifier_logits

        mode = data.mode
        if eval_outputs is not None:
            logits, doc_index = eval_outputs, data.eval_doc_index
        else:
            logits, doc_index = classifier_logits(
                model,
                tokenizer,
                data.eval.texts,
                data.eval.pairs,
                max_length=config.max_length,
                batch_size=max(8, config.batch_size * 2),
                cancel=cancel,
                overlap=config.window_overlap if data.windows else None,
            )
        scores = aggregate(mode.scores(logits, data), doc_index, len(data.eval.texts), mode.window_aggregation)
        report = mode.report(scores, data.eval.targets, data.label_names, sink)
        mode.finish_model(model, data, report)
        records = []
        for i, (row, text, target) in enumerate(zip(data.eval.rows, data.eval.texts, data.eval.targets)):
            record = {"row": row, "text": text}
            if data.eval.pairs is not None:
                record["text_pair"] = data.eval.pairs[i]
            record.update(mode.record(scores[i], target, data.label_names))
            records.append(record)
        return report, records

    # ------------------------------------------------------------ evaluate
    def evaluate(self, predictor, table, columns: dict, sink, cancel=None) -> tuple[dict, list[dict]]:
        """Score a trained classifier on a labelled table (``tlstudio evaluate``)."""
        mode = predictor.mode
        suggestions = suggest_roles(
            table.frame,
            self.name,
            mode.name,
            given={"text": columns.get("text_column"), "label": columns.get("label_column")},
        )
        text_column, _ = choose_column(table, columns.get("text_column"), suggestions["text"], "--text-column")
        label_column, _ = choose_column(table, columns.get("label_column"), suggestions["label"], "--label-column")
        pair_column = None
        if predictor.pairs:
            pair_column = require_column(table, columns.get("text_pair_column") or "", "--text-pair-column")
        rows = read_rows(table, text_column, label_column, pair_column, mode, sink)
        if mode.name != "regression":
            known = set(predictor.labels)
            unknown, where = set(), []
            for row, target in zip(rows.rows, rows.targets):
                missing = {target} - known if isinstance(target, str) else set(target) - known
                if missing:
                    unknown |= missing
                    where.append(row)
            if unknown:
                raise DataError(
                    f"{table.path} has label(s) the model does not know: {', '.join(sorted(unknown)[:10])} "
                    f"(data row(s) {list_numbers(where)}).",
                    f"The model knows: {', '.join(predictor.labels)}.",
                )
        scores = predictor.scores(rows.texts, rows.pairs, cancel=cancel)
        report = mode.report(scores, rows.targets, predictor.labels)
        report.update(
            rows=len(rows.texts),
            unlabelled_skipped=rows.counts["unlabelled_skipped"] + rows.counts["empty_text_skipped"],
            text_column=text_column,
            label_column=label_column,
        )
        if pair_column:
            report["text_pair_column"] = pair_column
        records = []
        for i, (row, text, target) in enumerate(zip(rows.rows, rows.texts, rows.targets)):
            record = {"row": row, "text": text}
            if rows.pairs is not None:
                record["text_pair"] = rows.pairs[i]
            record.update(mode.record(scores[i], target, predictor.labels))
            records.append(record)
        return report, records

    # ------------------------------------------------------------ model card
    def card_metrics(self, record: dict, metrics: dict) -> list[dict]:
        return mode_for(record["config"]).card_metrics(metrics)

    def card_data(self, record: dict) -> list[str]:
        if record["config"].get("regression"):
            return (
                [
                    f"- Target: a number (training values {record['data'].get('target_min', '?'):.4g} to "
                    f"{record['data'].get('target_max', '?'):.4g})"
                ]
                if "target_min" in record.get("data", {})
                else []
            )
        return super().card_data(record)

    def card_results(self, record: dict, metrics: dict) -> list[str]:
        return mode_for(record["config"]).card_results(metrics)

    def card_usage(self, record: dict, model_path: str) -> list[str]:
        config = record["config"]
        options = (
            ", top_k=None"
            if config.get("multi_label")
            else ', function_to_apply="none"'
            if config.get("regression")
            else ""
        )
        example = (
            '{"text": "First text.", "text_pair": "Second text."}'
            if config.get("text_pair_column")
            else '"Write a sentence here."'
        )
        lines = [
            "```python",
            "from transformers import pipeline",
            "",
            f'classifier = pipeline("text-classification", model="{model_path}"{options})',
            f"print(classifier({example}))",
            "```",
            "",
        ]
        if config.get("multi_label"):
            lines += [
                "Each label gets its own score; a label applies when its score reaches `config.multi_label_threshold`.",
                "",
            ]
        return lines


class EvalMetrics:
    """The Trainer's compute_metrics: headline figures, keeping the logits for the final report."""

    def __init__(self, data: ClassificationData) -> None:
        self.data = data
        self.last = None
        self.last_scores = None  # the scores of ``last``, one row per validation row
        self.last_step: int | None = None
        self.step_source = None  # set by the engine: a callable returning the Trainer's global step

    def __call__(self, eval_prediction) -> dict[str, float]:
        logits = eval_prediction.predictions
        logits = logits[0] if isinstance(logits, tuple) else logits
        self.last = logits
        self.last_step = self.step_source() if self.step_source else None
        data, mode = self.data, self.data.mode
        scores = aggregate(
            mode.scores(logits, data), data.eval_doc_index, len(data.eval.texts), mode.window_aggregation
        )
        self.last_scores = scores
        return mode.headline(scores, data)
