"""Task-specific views for the Evaluate and Try-it pages, chosen by the model's task and report.

A new task plugs in by adding its evaluation view here; the pages stay the
same.  The try-it view is one for every task: it draws each typed result the
core's predictors return.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

# Imported here, before the function of the same name is defined: importing the submodule later (inside
# try_view()) would rebind the package attribute ``try_view`` to the module, and a later
# ``from ..views import try_view`` would get a module instead of the function.
from .try_view import TryView  # noqa: E402,F401


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
    if task == "text-generation" or "perplexity" in report:
        return "language-model"
    if task == "multi-task":
        return "multi-task"
    return "single-label"


def evaluation_view(kind: str, parent: QWidget | None = None):
    from . import task_evaluations as views

    if kind == "single-label":
        from .classification_evaluation import ClassificationEvaluation

        return ClassificationEvaluation(parent)
    if kind == "multi-task":
        from .multitask_evaluation import MultiTaskEvaluation

        return MultiTaskEvaluation(parent)
    if kind == "language-model":
        from .lm_evaluation import LanguageModelEvaluation

        return LanguageModelEvaluation(parent)
    return {"multi-label": views.MultiLabelEvaluation, "regression": views.RegressionEvaluation,
            "entities": views.EntityEvaluation, "generation": views.GenerationEvaluation}[kind](parent)


def try_view(task: str, parent: QWidget | None = None):
    # Images and generated text need their own inputs (a dropped picture; a prompt with sampling settings).
    if task == "image-classification":
        from .image_try import ImageTry

        return ImageTry(parent)
    if task == "text-generation":
        from .generation_playground import GenerationPlayground

        return GenerationPlayground(parent)
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
