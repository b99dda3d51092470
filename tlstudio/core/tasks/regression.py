"""Regression: predict a number per text (a rating, a score, a price).

Targets are standardised for training (mean 0, spread 1), which keeps the
loss and the learning rate on the same scale whatever the units.  At the end
of a run the scaling is folded into the output layer's weights, so the
exported model answers in the user's own units and
``pipeline("text-classification", function_to_apply="none")`` needs nothing
extra.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import DataError
from ..metrics import regression as reg_metrics
from ..progress import Message
from .base import metric_rows
from .label_mode import LabelMode, with_warning

CARD_NAMES = {
    "mse": "MSE",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
    "pearson": "Pearson r",
    "spearman": "Spearman ρ",
    "mean_baseline_mse": "MSE of always predicting the training mean",
}


def parse_number(value) -> float | None:
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError
        return None
    if isinstance(value, (list, tuple, dict)):
        raise TypeError
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if not text or text.lower() in ("nan", "none", "null"):
            return None
        number = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError
    return number


def output_layer(model):
    """The linear layer that produces the single regression output (the head's last layer)."""
    import torch

    last = None
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and module.out_features == 1:
            last = module
    if last is None:
        raise RuntimeError(f"{type(model).__name__} has no single-output linear layer to rescale")
    return last


class Regression(LabelMode):
    name = "regression"
    label_kind = "number"
    problem_type = "regression"
    metric_for_best = "mse"
    greater_is_better = False
    headline_metrics = ("mse", "rmse", "mae", "r2", "pearson", "spearman")
    window_aggregation = "mean"
    value_description = "numbers"
    bad_value_hint = "A regression target must be a number in every labelled row (leave a cell empty to skip it)."

    def __init__(self) -> None:
        self.train_mean: float | None = None  # the mean-baseline's prediction; None: the scored rows' own mean

    # ------------------------------------------------------------------ data
    def parser(self, values, column: str, table):
        return parse_number

    def stratify(self, targets: list) -> list | None:
        return None

    def label_names(self, train_targets: list, eval_targets: list, column: str, source: str) -> list[str]:
        if len(set(train_targets)) < 2:
            raise DataError(
                f"column '{column}' of {source} has the same value in every training row.",
                "A regression target must vary to be learned.",
            )
        return [column]  # the single output is named after the target column

    def encode(self, targets: list, names: list[str]) -> list[float]:
        return [float(t) for t in targets]

    def summary(self, train_targets: list, names: list[str]) -> dict[str, Any]:
        import numpy as np

        values = np.asarray(train_targets, dtype=np.float64)
        return {
            "target_min": float(values.min()),
            "target_max": float(values.max()),
            "target_mean": float(values.mean()),
            "target_std": float(values.std()),
        }

    def setup(self, data, config, sink) -> None:
        import numpy as np

        values = np.asarray(data.train.targets, dtype=np.float64)
        data.target_scale = (float(values.mean()), float(values.std()) or 1.0)
        self.train_mean = data.target_scale[0]
        if config.class_weighting == "on":
            sink.emit(Message("warning", "class weighting does not apply to regression; ignoring it."))

    def standardise(self, targets: list, data) -> list[float]:
        mean, std = data.target_scale
        return [(float(t) - mean) / std for t in targets]

    def dataset_labels(self, targets: list, data) -> list:
        """The labels the model trains on."""
        return self.standardise(targets, data)

    # ----------------------------------------------------------------- model
    def model_kwargs(self, names: list[str]) -> dict[str, Any]:
        return {"num_labels": 1, "problem_type": self.problem_type}

    def prepare_model(self, model, data) -> None:
        import torch

        with torch.no_grad():
            output_layer(model).bias.zero_()  # standardised targets average 0

    # --------------------------------------------------------------- metrics
    def scores(self, logits, data=None):
        """Predictions in the user's units; ``data`` carries the training scale while it is not folded in."""
        import numpy as np

        values = np.asarray(logits, dtype=np.float64).reshape(len(logits), -1)[:, :1]
        scale = getattr(data, "target_scale", None) if data is not None else None
        if scale is not None:
            values = values * scale[1] + scale[0]
        return values

    def headline(self, scores, data) -> dict[str, float]:
        return reg_metrics.headline(data.eval.targets, scores[:, 0])

    def report(self, scores, targets: list, names: list[str], sink=None) -> dict:
        import numpy as np

        mean = float(np.mean(targets)) if self.train_mean is None else self.train_mean
        report = reg_metrics.full_report(targets, scores[:, 0], mean)
        return with_warning(report, reg_metrics.barely_beats_mean(report), sink)

    def record(self, scores_row, target, names: list[str]) -> dict[str, Any]:
        return {"label": float(target), "predicted": float(scores_row[0])}

    def finish_model(self, model, data, report: dict) -> None:
        """Fold the target scaling into the output layer: y = std * (w.h + b) + mean."""
        import torch

        mean, std = data.target_scale
        layer = output_layer(model)
        with torch.no_grad():
            layer.weight.mul_(std)
            layer.bias.mul_(std).add_(mean)
        data.target_scale = None  # the model now answers in the user's units

    # ------------------------------------------------------------ model card
    def card_metrics(self, metrics: dict) -> list[dict]:
        return [
            {"type": "mse", "value": round(metrics["mse"], 4), "name": "MSE"},
            {"type": "spearmanr", "value": round(metrics["spearman"], 4), "name": "Spearman correlation"},
        ]

    def card_results(self, metrics: dict) -> list[str]:
        return ["| metric | value |", "|---|---|", *metric_rows(metrics, CARD_NAMES), ""]
