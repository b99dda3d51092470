"""What every task provides, and the defaults most tasks share.

The engine, the model card, ``tlstudio predict``/``evaluate`` and the app
drive any task through this interface and never look at what kind of task it
is.  A task module subclasses :class:`Task` and fills in the data handling,
the model head and the metrics; the model card asks it for its results table
and usage snippet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..progress import Message


@dataclass
class TaskData:
    """A task's prepared data: what the engine and the run record need from every task.

    ``columns`` maps RunConfig column fields to the columns used (``{"text_column": "review"}``);
    ``summary`` goes into run.json and metrics.json (row counts, split, label or tag counts).
    """

    columns: dict[str, str | None] = field(default_factory=dict)
    label_names: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


class Task:
    name = ""
    title = ""
    # The transformers pipeline the export loads with, or None when there is none (seq2seq in transformers 5).
    pipeline_task: str | None = None
    # The validation figure that picks the best checkpoint (a key of the Trainer's eval metrics).
    metric_for_best = "loss"
    greater_is_better = False
    # Flat metrics.json keys shown first, in this order, by the CLI, the app and the model card.
    headline_metrics: tuple[str, ...] = ()
    # How a metric key reads for this task where its bare name misleads ('f1' of a tagger is entity F1).
    metric_titles: dict[str, str] = {}

    # What the app, the CLI and the data helpers ask of a task instead of testing its name.
    # What a row gives the model: "text" (a text, or a pair; a seq2seq source), "tokens", "image", "prompt" (text
    # a language model continues), or None when sub-tasks each read their own.
    input_kind: str | None = None
    # A source text in, a target text out (translation, summarization): beam search, a source/target pair.
    is_sequence_to_sequence = False
    # The model writes text (seq2seq, and a language model), so generation settings apply to it.
    generates_text = False
    # Several sub-tasks share one backbone, each with its own data and columns (the Model page lists them).
    has_subtasks = False
    # Runs in onnxruntime from an ONNX export as well as in PyTorch.
    runs_on_onnx = False
    # Writes sample outputs after each epoch, which the Train page shows while it trains.
    samples_each_epoch = False
    # The RunConfig column fields the task reads, each with the role the Data page's table marks its column with.
    column_roles: dict[str, str] = {}
    # The RunConfig field naming the column a trained model reads from a file to predict.
    predict_field = "text_column"
    # The RunConfig field whose token lengths decide truncation (and the longest batch).
    length_field = "text_column"
    # Which evaluation view shows a report (a key the app maps to a widget), or None to tell by its figures.
    evaluation_view: str | None = None
    # What a label cell holds: "class", "classes", "number", "tags", "text", or None (no labels); see label_kind.
    label_type: str | None = None
    # What the Data page counts per label before a run, or None: (RunConfig field of the column, what one count
    # is: "rows" or "entities").
    counted: tuple[str, str] | None = None
    # What the run checks in the data when it starts, as the Data page says it ("tlstudio checks ...").
    data_checks = "the labels"
    # Whether the backbone's limits are worth a note for this task (the Model page loads a tokenizer to say them),
    # and the RunConfig field of the texts the notes sample (None: none).
    has_backbone_notes = False
    notes_sample_field: str | None = None

    def label_kind(self, config) -> str | None:
        """What a label cell holds under ``config`` (text classification: a class, a set of them, or a number)."""
        return self.label_type

    def view_for(self, report: dict) -> str | None:
        """The evaluation view for ``report`` (a classifier's view follows its label mode)."""
        return self.evaluation_view

    def best_metric(self, config) -> tuple[str, bool]:
        """The validation figure a run under ``config`` keeps its best checkpoint by, and whether higher is better."""
        return self.metric_for_best, self.greater_is_better

    def count_labels(self, frame, column: str) -> dict[str, int]:
        """Rows per class of a label column (images: one class per image), most common first."""
        labels = frame[column].dropna().astype(str).str.strip()
        return {str(k): int(v) for k, v in labels[labels != ""].value_counts().items()}

    def backbone_notes(self, tokenizer, backbone: str, path, sample_texts: list[str] | None) -> list[str]:
        """Plain warnings about what ``backbone`` (its tokenizer, the folder at ``path``) cannot do for the task."""
        return []

    def predictor_class(self):
        """The class that runs a trained model of this task on new inputs (see ``core/predictors``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ data
    def prepare(self, config, sink) -> TaskData:
        raise NotImplementedError

    def data_sha256(self, config) -> str:
        """A fingerprint of the training data, recorded in run.json so --resume can tell it changed."""
        from ..files import sha256_of

        if Path(config.data).expanduser().is_dir():  # e.g. the file was replaced by a folder before --resume
            raise DataError(
                f"{config.data} is a folder, not the data file this run was trained on.",
                "Put the data file back at that path, or start a new run with a data file.",
            )
        return sha256_of(config.data)

    def load_processor(self, path, config):
        """What turns raw inputs into model inputs: the backbone's tokenizer (image tasks: its image processor)."""
        from ..backbones import load_tokenizer

        return load_tokenizer(path)

    def build_datasets(self, tokenizer, data, config, sink):
        """``(train_dataset, eval_dataset, stats)``; stats holds ``{train,eval}_truncated`` and ``train_tokens``."""
        raise NotImplementedError

    def data_collator(self, tokenizer, pad_to_multiple_of: int | None):
        from transformers import DataCollatorWithPadding

        return DataCollatorWithPadding(tokenizer, pad_to_multiple_of=pad_to_multiple_of)

    # ----------------------------------------------------------------- model
    def model_class(self):
        raise NotImplementedError

    def model_kwargs(self, data) -> dict[str, Any]:
        return {}

    def load_model(self, backbone, tokenizer, data, config, sink, *, allow_pickle: bool = False):
        from ..backbones import load_model

        return load_model(self.model_class(), backbone.path, allow_pickle=allow_pickle, **self.model_kwargs(data))

    def training_overrides(self, config) -> dict[str, Any]:
        """TrainingArguments the task sets differently from the engine's defaults."""
        return {}

    def callbacks(self, data, processor, config, sink, cancel) -> list:
        """Extra Trainer callbacks (figures added to evaluations, sample outputs after each epoch)."""
        return []

    def loss_function(self, data):
        """A custom loss for the Trainer, or None to keep the model's own."""
        return None

    # --------------------------------------------------------------- metrics
    def compute_metrics(self, data):
        """The Trainer's compute_metrics hook, or None to evaluate the loss only.

        A hook keeps the last evaluation's outputs in ``last`` (with the step in ``last_step``), so
        the final report can reuse them instead of predicting the validation split again.
        """
        return None

    def final_report(self, model, tokenizer, data, config, sink, cancel=None, eval_outputs=None):
        """``(report, records)``: the metrics.json content and one record per validation row."""
        raise NotImplementedError

    def headline_for(self, metrics: dict) -> tuple[str, ...]:
        """The headline keys of a finished report (a task whose figures vary by option reads them from it)."""
        return self.headline_metrics

    def evaluate(self, predictor, table, columns: dict, sink, cancel=None) -> tuple[dict, list[dict]]:
        """Score a trained model on a labelled table (``tlstudio evaluate``); ``columns`` as in RunConfig.

        ``(report, records)`` as :meth:`final_report` returns them, so the app lists a file's
        mistakes exactly as it lists the validation split's.
        """
        raise NotImplementedError

    # ------------------------------------------------------------ model card
    def card_metrics(self, record: dict, metrics: dict) -> list[dict[str, Any]]:
        """model-index entries: ``{"type", "value", "name"}``."""
        return []

    def card_data(self, record: dict) -> list[str]:
        """Markdown list items about the labels, added to the card's data section."""
        labels = record.get("labels") or []
        if not labels:
            return []
        return [f"- Classes ({len(labels)}): " + ", ".join(f"`{label}`" for label in labels)]

    def card_results(self, record: dict, metrics: dict) -> list[str]:
        """Markdown lines of the card's results section."""
        return []

    def card_usage(self, record: dict, model_path: str) -> list[str]:
        """Markdown lines showing how to use the exported folder without tlstudio."""
        return []


def emit_notes(sink, notes: list[str], level: str = "warning") -> None:
    for note in notes:
        sink.emit(Message(level, note))


def metric_rows(metrics: dict, names: dict[str, str]) -> list[str]:
    """Markdown table rows for the metrics present among ``names`` (key -> title)."""
    return [
        f"| {title} | {metrics[key]:.4f} |"
        for key, title in names.items()
        if isinstance(metrics.get(key), (int, float)) and not isinstance(metrics.get(key), bool)
    ]
