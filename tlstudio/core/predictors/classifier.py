"""A trained text classifier (single-label, multi-label or regression) on new texts.

Used by ``tlstudio predict``/``evaluate``, the app's try-it page and the
export checks.  Texts are batched in order of length so little time goes to
padding; results come back in the caller's order.  A model trained with
overlapping windows reads long texts the same way.
"""

from __future__ import annotations

from pathlib import Path

from ..backbones import load_model, load_tokenizer
from ..errors import TlStudioError
from .folder import ModelFolder, inference_max_length, open_model_folder
from .outputs import classifier_logits
from .results import LabelSet, Prediction, Value


class Classifier:
    task = "text-classification"
    runtime = "pytorch"

    def __init__(self, model_dir: str | Path | ModelFolder, device: str = "auto"):
        from transformers import AutoModelForSequenceClassification

        from ..hardware import choose_device

        folder = self._open(model_dir)
        self.tokenizer = load_tokenizer(folder.path)
        self.model = load_model(AutoModelForSequenceClassification, folder.path, allow_pickle=folder.allow_pickle)
        self.model.to(choose_device(device, "fp32").device)
        self.model.eval()
        config = self.model.config
        self._configure(
            folder,
            [config.id2label[i] for i in range(config.num_labels)],
            config.problem_type,
            getattr(config, "multi_label_threshold", None),
            config,
        )

    def _open(self, model_dir) -> ModelFolder:
        folder = model_dir if isinstance(model_dir, ModelFolder) else open_model_folder(model_dir)
        if folder.task != self.task:
            raise TlStudioError(f"the model in {folder.path} does {folder.task}, not text classification.")
        self.folder = folder
        self.model_dir = folder.path
        return folder

    def _configure(self, folder: ModelFolder, labels: list[str], problem_type, threshold, model_config) -> None:
        """What every runtime shares: labels, the head's mode, max length, windows and pairs."""
        from ..tasks.multi_label import MultiLabel
        from ..tasks.regression import Regression
        from ..tasks.single_label import SingleLabel

        self.labels = labels
        if problem_type == "regression":
            self.mode = Regression()
        elif problem_type == "multi_label_classification":
            self.mode = MultiLabel(threshold=float(threshold or 0.5))
        else:
            self.mode = SingleLabel()
        self.max_length = inference_max_length(folder, self.tokenizer, model_config)
        windows = folder.run_config.get("long_texts") == "windows"
        self.overlap = int(folder.run_config.get("window_overlap", 32)) if windows else None
        self.pairs = bool(folder.run_config.get("text_pair_column"))

    def logits(self, texts: list[str], pairs: list[str] | None = None, *, batch_size: int = 64, cancel=None):
        """``(logits, doc_index)`` as :func:`~.outputs.classifier_logits` returns them."""
        return classifier_logits(
            self.model,
            self.tokenizer,
            texts,
            pairs,
            max_length=self.max_length,
            batch_size=batch_size,
            cancel=cancel,
            overlap=self.overlap,
        )

    def scores(self, texts: list[str], pairs: list[str] | None = None, *, batch_size: int = 64, cancel=None):
        """Per text: class probabilities, label scores, or the predicted value, as a (len(texts), k) array."""
        from ..tasks.windows import aggregate

        if self.pairs and pairs is None:
            raise TlStudioError(
                "this model reads sentence pairs: give a second text for each text.",
                "On the command line use --pair TEXT (or --text-pair-column with --input).",
            )
        logits, doc_index = self.logits(texts, pairs, batch_size=batch_size, cancel=cancel)
        return aggregate(self.mode.scores(logits), doc_index, len(texts), self.mode.window_aggregation)

    # The name the single-label API has always had.
    probabilities = scores

    def predict(
        self, texts: list[str], pairs: list[str] | None = None, *, batch_size: int = 64, cancel=None
    ) -> list[Prediction | LabelSet | Value]:
        scores = self.scores(texts, pairs, batch_size=batch_size, cancel=cancel)
        if self.mode.name == "regression":
            return [Value(float(row[0]), self.labels[0]) for row in scores]
        if self.mode.name == "multi-label":
            threshold = self.mode.threshold
            return [
                LabelSet(
                    [label for label, s in zip(self.labels, row) if s >= threshold],
                    {label: float(s) for label, s in zip(self.labels, row)},
                    threshold,
                )
                for row in scores
            ]
        results = []
        for row in scores:
            best = int(row.argmax())
            results.append(
                Prediction(self.labels[best], float(row[best]), {label: float(p) for label, p in zip(self.labels, row)})
            )
        return results

    def table_columns(self, texts: list[str], pairs: list[str] | None = None, *, cancel=None) -> dict[str, list]:
        """Columns added beside the input rows by ``tlstudio predict --input``."""
        scores = self.scores(texts, pairs, cancel=cancel)
        if self.mode.name == "regression":
            return {"prediction": scores[:, 0].round(6).tolist()}
        columns: dict[str, list] = {}
        if self.mode.name == "multi-label":
            threshold = self.mode.threshold
            columns["prediction"] = [
                "|".join(label for label, s in zip(self.labels, row) if s >= threshold) for row in scores
            ]
        else:
            columns["prediction"] = [self.labels[i] for i in scores.argmax(-1)]
            columns["confidence"] = scores.max(-1).round(6).tolist()
        # Multi-label scores are independent yes/no chances, not shares of one probability.
        prefix = "score_" if self.mode.name == "multi-label" else "prob_"
        for index, label in enumerate(self.labels):
            columns[f"{prefix}{label}"] = scores[:, index].round(6).tolist()
        return columns

    def predict_table(self, table, columns: dict, *, cancel=None) -> tuple[dict[str, list], dict[str, str]]:
        """Prediction columns for every row of ``table``, and the input columns read."""
        from ..data.columns import choose_column, require_column
        from ..data.roles import suggest_text_column
        from ..errors import ConfigError
        from ..tasks.classification_rows import cell_text

        text_column, _ = choose_column(
            table, columns.get("text_column"), suggest_text_column(table.frame), "--text-column"
        )
        used = {"text_column": text_column}
        pairs = None
        if self.pairs:
            if not columns.get("text_pair_column"):
                raise ConfigError(
                    "this model reads sentence pairs, so it needs the column of second texts.",
                    "Name it with --text-pair-column.",
                )
            pair_column = require_column(table, columns["text_pair_column"], "--text-pair-column")
            pairs = [cell_text(v) for v in table.frame[pair_column].tolist()]
            used["text_pair_column"] = pair_column
        texts = [cell_text(v) for v in table.frame[text_column].tolist()]
        return self.table_columns(texts, pairs, cancel=cancel), used
