"""Image classification: one class per image, from a folder of class sub-folders or a table of image paths.

Labels, class weighting, metrics (accuracy, macro-F1, per-class figures and a
confusion matrix) and the model card's results are those of single-label text
classification; this module owns what differs: finding and checking the
images, the backbone's image processor, augmentation, and the vision head.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..data.columns import require_column
from ..data.image_tables import (
    describe_unreadable,
    folder_fingerprint,
    image_root,
    read_image_data,
    resolve_image,
    suggest_image_column,
    unreadable_images,
)
from ..data.roles import RoleSuggestion, suggest_label_column
from ..data.table import Table
from ..errors import ConfigError, DataError
from ..progress import Message
from .base import Task
from .classification_rows import Rows, read_rows, split_rows
from .single_label import SingleLabel
from .text_classification import ClassificationData, EvalMetrics

# Unreadable images named in run.json (the message lists the first few; the count is always exact).
UNREADABLE_RECORDED = 50


class ImageClassificationTask(Task):
    name = "image-classification"
    title = "Image classification"
    pipeline_task = "image-classification"
    metric_for_best = SingleLabel.metric_for_best
    greater_is_better = True
    headline_metrics = SingleLabel.headline_metrics
    input_kind = "image"
    column_roles = {"image_column": "image", "label_column": "label"}
    evaluation_view = "single-label"
    label_type = "class"
    counted = ("label_column", "rows")
    data_checks = "that every image can be read (unreadable ones are listed) and the labels"

    def predictor_class(self):
        from ..predictors.image_classifier import ImageClassifier

        return ImageClassifier

    def __init__(self) -> None:
        self.mode = SingleLabel()

    # ------------------------------------------------------------------ data
    def data_sha256(self, config) -> str:
        path = Path(config.data).expanduser()
        return folder_fingerprint(path) if path.is_dir() else super().data_sha256(config)

    def prepare(self, config, sink) -> ClassificationData:
        mode = self.mode
        table = read_image_data(config.data, sheet=config.sheet)
        for note in table.warnings:
            sink.emit(Message("warning", note))
        image_column, label_column = self.choose_columns(table, config.image_column, config.label_column, sink)
        rows, unreadable = self.read_images(table, image_column, label_column, sink)
        summary: dict[str, Any] = {
            "rows": len(table),
            **rows.counts,
            "label_mode": mode.name,
            "unreadable_images": len(unreadable),
        }
        if unreadable:
            summary["unreadable"] = unreadable[:UNREADABLE_RECORDED]
        if config.eval_data:
            eval_table = read_image_data(config.eval_data)
            eval_image, eval_label = self.choose_columns(
                eval_table,
                image_column if eval_table.format != "image folder" else None,
                label_column if eval_table.format != "image folder" else None,
                sink,
            )
            evaluation, bad = self.read_images(eval_table, eval_image, eval_label, sink)
            train, summary["unreadable_images"] = rows, len(unreadable) + len(bad)
            summary["split"] = {"method": "eval file", "eval_file": str(eval_table.path)}
        else:
            train, evaluation, summary["split"] = split_rows(rows, table, config, mode.stratify(rows.targets), sink)
        if not evaluation.texts:
            raise DataError(
                f"{config.data} has too few labelled images to hold any out for validation.",
                "Add images or give an evaluation folder or file with --eval-data.",
            )
        label_names = mode.label_names(train.targets, evaluation.targets, label_column, config.data)
        data = ClassificationData(
            columns={"image_column": image_column, "label_column": label_column},
            label_names=label_names,
            train=train,
            eval=evaluation,
            mode=mode,
        )
        summary.update(mode.summary(train.targets, label_names))
        summary["train_size"], summary["eval_size"] = len(train.texts), len(evaluation.texts)
        data.summary = summary
        mode.setup(data, config, sink)
        return data

    def choose_columns(self, table: Table, image: str | None, label: str | None, sink) -> tuple[str, str]:
        if table.format == "image folder":
            if (image and image != "image") or (label and label != "label"):
                raise ConfigError(
                    f"{table.path} is a folder of class sub-folders; it has no columns to name.",
                    "Leave out --image-column and --label-column.",
                )
            return "image", "label"
        if image:
            image = require_column(table, image, "--image-column")
        else:
            image, reason = suggest_image_column(table.frame)
            if image is None:
                raise DataError(
                    f"cannot tell which column of {table.path} holds the image paths: {reason}.",
                    f"Name it with --image-column. Columns: {', '.join(table.columns)}.",
                )
            sink.emit(Message("info", f"using column '{image}' as the image ({reason}); change it with --image-column"))
        if label:
            label = require_column(table, label, "--label-column")
        else:
            rest = table.frame.drop(columns=[image])
            suggestion: RoleSuggestion = suggest_label_column(rest)
            if suggestion.column is None:
                raise DataError(
                    f"cannot tell which column of {table.path} is the label: {suggestion.reason}.",
                    f"Name it with --label-column. Columns: {', '.join(table.columns)}.",
                )
            label = suggestion.column
            sink.emit(
                Message(
                    "info", f"using column '{label}' as the label ({suggestion.reason}); change it with --label-column"
                )
            )
        if image == label:
            raise DataError(
                f"the image and label columns are both '{image}'.",
                "Name different columns with --image-column and --label-column.",
            )
        return image, label

    def read_images(self, table: Table, image_column: str, label_column: str, sink) -> tuple[Rows, list[dict]]:
        """The labelled rows whose image opens (paths made absolute), and the ones left out with why."""
        rows = read_rows(table, image_column, label_column, None, self.mode, sink)
        root = image_root(table)
        paths = [resolve_image(value, root) for value in rows.texts]
        bad = unreadable_images(paths)
        unreadable = [{"row": rows.rows[i], "image": rows.texts[i], "reason": reason} for i, reason in bad.items()]
        if bad:
            sink.emit(
                Message(
                    "warning",
                    describe_unreadable(
                        table.path,
                        [u["row"] for u in unreadable],
                        [u["reason"] for u in unreadable],
                        [u["image"] for u in unreadable],
                    ),
                )
            )
            if len(bad) == len(paths):
                raise DataError(
                    f"none of the images named in {table.path} can be read.",
                    "Check that the paths are relative to the data file (or absolute).",
                )
        keep = [i for i in range(len(paths)) if i not in bad]
        kept = rows.take(keep)
        kept.texts = [str(paths[i]) for i in keep]
        kept.counts = {**rows.counts, "labelled": len(keep)}
        return kept, unreadable

    def load_processor(self, path, config):
        from ..vision.images import load_image_processor, processor_size

        processor = load_image_processor(path, config.image_size)
        model_config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
        native = model_config.get("image_size")
        if config.image_size and model_config.get("patch_size") and native and config.image_size != native:
            raise ConfigError(
                f"this backbone ({model_config.get('model_type')}) reads {native}-pixel images only.",
                f"Leave out --image-size, or pass --image-size {native}.",
            )
        if processor_size(processor) is None:
            raise ConfigError(f"cannot tell which image size the backbone in {path} expects.", "Pass --image-size.")
        return processor

    def build_datasets(self, processor, data: ClassificationData, config, sink):
        from ..vision.augment import Augmenter, parse_augment
        from ..vision.images import ImageDataset

        names = parse_augment(config.augment)
        if names:
            sink.emit(Message("info", f"augmenting training images: {', '.join(names)}."))
        labels = {
            split: data.mode.dataset_labels(rows.targets, data)
            for split, rows in (("train", data.train), ("eval", data.eval))
        }
        train = ImageDataset(
            [Path(p) for p in data.train.texts],
            labels["train"],
            processor,
            Augmenter(names, config.seed) if names else None,
        )
        evaluation = ImageDataset([Path(p) for p in data.eval.texts], labels["eval"], processor)
        data.eval_doc_index = list(range(len(data.eval.texts)))
        if len(train) % config.batch_size == 1:
            # A last batch of one image breaks batch normalisation in training (one value per channel):
            # show one image twice per epoch rather than drop one.
            train.paths.append(train.paths[0])
            train.labels.append(train.labels[0])
        return train, evaluation, {"train_truncated": 0, "eval_truncated": 0, "train_tokens": 0}

    def data_collator(self, processor, pad_to_multiple_of):
        from transformers import default_data_collator

        return default_data_collator

    def training_overrides(self, config) -> dict[str, Any]:
        # Images have no length to group batches by; the image column is the dataset's own business.
        return {"train_sampling_strategy": "random"}

    # ----------------------------------------------------------------- model
    def model_class(self):
        from transformers import AutoModelForImageClassification

        return AutoModelForImageClassification

    def load_model(self, backbone, processor, data, config, sink, *, allow_pickle: bool = False):
        from ..backbones import load_model
        from ..vision.images import processor_size

        kwargs: dict[str, Any] = {
            "num_labels": len(data.label_names),
            "id2label": dict(enumerate(data.label_names)),
            "label2id": data.label2id,
            "ignore_mismatched_sizes": True,
        }
        model_config = json.loads((Path(backbone.path) / "config.json").read_text(encoding="utf-8"))
        if model_config.get("model_type") == "tlstudio-efficientnet-lite":
            kwargs["image_size"] = processor_size(processor)
        return load_model(self.model_class(), backbone.path, allow_pickle=allow_pickle, **kwargs)

    def loss_function(self, data: ClassificationData):
        return self.mode.loss_function(data)

    # --------------------------------------------------------------- metrics
    def compute_metrics(self, data: ClassificationData):
        return EvalMetrics(data)

    def final_report(self, model, processor, data: ClassificationData, config, sink, cancel=None, eval_outputs=None):
        from ..predictors.image_classifier import image_logits

        logits = (
            eval_outputs
            if eval_outputs is not None
            else image_logits(
                model, processor, data.eval.texts, batch_size=max(8, config.batch_size * 2), cancel=cancel
            )
        )
        scores = self.mode.scores(logits)
        report = self.mode.report(scores, data.eval.targets, data.label_names, sink)
        report["unreadable_images"] = data.summary.get("unreadable_images", 0)
        root = Path(config.data).expanduser().resolve()
        root = root if root.is_dir() else root.parent
        records = []
        for row, path, target, score in zip(data.eval.rows, data.eval.texts, data.eval.targets, scores):
            records.append(
                {
                    "row": row,
                    "image": path,
                    "text": _shown_path(path, root),
                    **self.mode.record(score, target, data.label_names),
                }
            )
        return report, records

    def evaluate(self, predictor, table, columns: dict, sink, cancel=None) -> tuple[dict, list[dict]]:
        """Score a trained image classifier on a labelled folder or table (``tlstudio evaluate``)."""
        image_column, label_column = self.choose_columns(
            table, columns.get("image_column"), columns.get("label_column"), sink
        )
        rows, unreadable = self.read_images(table, image_column, label_column, sink)
        unknown = sorted(set(rows.targets) - set(predictor.labels))
        if unknown:
            raise DataError(
                f"{table.path} has label(s) the model does not know: {', '.join(unknown[:10])}.",
                f"The model knows: {', '.join(predictor.labels)}.",
            )
        scores = predictor.scores(rows.texts, cancel=cancel)
        report = self.mode.report(scores, rows.targets, predictor.labels)
        report.update(
            rows=len(rows.texts),
            unreadable_images=len(unreadable),
            image_column=image_column,
            label_column=label_column,
        )
        root = image_root(table)
        records = [
            {
                "row": row,
                "image": path,
                "text": _shown_path(path, root),
                **self.mode.record(score, target, predictor.labels),
            }
            for row, path, target, score in zip(rows.rows, rows.texts, rows.targets, scores)
        ]
        return report, records

    # ------------------------------------------------------------ model card
    def card_metrics(self, record: dict, metrics: dict) -> list[dict]:
        return self.mode.card_metrics(metrics)

    def card_results(self, record: dict, metrics: dict) -> list[str]:
        return self.mode.card_results(metrics)

    def card_usage(self, record: dict, model_path: str) -> list[str]:
        if (record.get("base_model") or "") == "" and "efficientnet" in str(record["config"].get("backbone")):
            return [
                "EfficientNet-Lite is not a transformers architecture: load this folder with tlstudio "
                "(`tlstudio predict MODEL_DIR image.png`), or export it with `tlstudio export --format onnx` "
                "and run `onnx/model.onnx` in onnxruntime.",
                "",
            ]
        return [
            "```python",
            "from transformers import pipeline",
            "",
            f'classifier = pipeline("image-classification", model="{model_path}")',
            'print(classifier("photo.jpg"))',
            "```",
            "",
        ]


def _shown_path(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path
