"""Task-specific views for the Evaluate and Try-it pages, chosen by the model's task and report.

A new task plugs in by adding its evaluation view here; the pages stay the
same.  The try-it view is one for every task: it draws each typed result the
core's predictors return.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def evaluation_kind(task: str, report: dict | None) -> str:
    """Which evaluation view fits a report: the task, and for classifiers the label mode."""
    report = report or {}
    if task == "text-classification":
        if "micro_f1" in report:
            return "multi-label"
        if "mse" in report:
            return "regression"
        return "single-label"
    if task == "token-classification":
        return "entities"
    if task in ("translation", "summarization") or "bleu" in report or "rouge1" in report:
        return "generation"
    return "single-label"


def evaluation_view(kind: str, parent: QWidget | None = None):
    from . import task_evaluations as views

    if kind == "single-label":
        from .classification_evaluation import ClassificationEvaluation

        return ClassificationEvaluation(parent)
    return {"multi-label": views.MultiLabelEvaluation, "regression": views.RegressionEvaluation,
            "entities": views.EntityEvaluation, "generation": views.GenerationEvaluation}[kind](parent)


def try_view(task: str, parent: QWidget | None = None):
    from .try_view import TryView

    return TryView(task, parent)


def task_of_model(model_dir) -> str:
    """The task a model folder was trained for: run.json when it is a tlstudio run, else its architecture."""
    import json
    from pathlib import Path

    from ...core.predictors.folder import task_from_config

    folder = Path(model_dir)
    try:
        return json.loads((folder / "run.json").read_text(encoding="utf-8"))["config"]["task"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unknown"
    return (task_from_config(config) if isinstance(config, dict) else None) or "unknown"
