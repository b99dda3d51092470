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
    """Which evaluation view fits a report: the task says (a classifier's follows its label mode)."""
    from ...api import find_task

    report = report or {}
    found = find_task(task)
    kind = found.view_for(report) if found is not None else None
    if kind:
        return kind
    # A model folder tlstudio does not know the task of: its report's figures tell.
    if "bleu" in report or "rouge1" in report:
        return "generation"
    return "language-model" if "perplexity" in report else "single-label"


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
    return {
        "multi-label": views.MultiLabelEvaluation,
        "regression": views.RegressionEvaluation,
        "entities": views.EntityEvaluation,
        "generation": views.GenerationEvaluation,
    }[kind](parent)


def _image_try(parent):
    from .image_try import ImageTry

    return ImageTry(parent)


def _playground(parent):
    from .generation_playground import GenerationPlayground

    return GenerationPlayground(parent)


# Images and generated text need their own inputs (a dropped picture; a prompt with sampling settings), keyed by
# what the task reads; every other task types text into the one try-it view.
TRY_VIEWS = {"image": _image_try, "prompt": _playground}


def try_view(task: str, parent: QWidget | None = None):
    from ...api import find_task

    found = find_task(task)
    make = TRY_VIEWS.get(found.input_kind) if found is not None else None
    return make(parent) if make is not None else TryView(task, parent)


def task_of_model(model_dir) -> str:
    """The task a model folder was trained for: run.json when it is a tlstudio run, else its architecture."""
    import json
    from pathlib import Path

    from ...api import task_from_config
    from ...api import RunFolder

    folder = Path(model_dir)
    record = RunFolder(folder).record_or_none()
    if record is not None and record.task:
        return record.task
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unknown"
    return (task_from_config(config) if isinstance(config, dict) else None) or "unknown"
