"""Task-specific views for the Evaluate and Try-it pages, chosen by the run's task.

A new task plugs in by adding its views here; the pages stay the same.  A
task without views of its own gets the generic ones (the metrics as a table;
no live try-out).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def evaluation_view(task: str, parent: QWidget | None = None):
    if task == "text-classification":
        from .classification_evaluation import ClassificationEvaluation

        return ClassificationEvaluation(parent)
    from .generic import MetricsOnly

    return MetricsOnly(parent)


def try_view(task: str, parent: QWidget | None = None):
    if task == "text-classification":
        from .classification_try import ClassificationTry

        return ClassificationTry(parent)
    if task == "image-classification":
        from .image_try import ImageTry

        return ImageTry(parent)
    if task == "text-generation":
        from .generation_playground import GenerationPlayground

        return GenerationPlayground(parent)
    from .generic import NoTryView

    return NoTryView(task, parent)


def task_of_model(model_dir) -> str:
    """The task a model folder was trained for: run.json when it is a tlstudio run, else its architecture."""
    import json
    from pathlib import Path

    folder = Path(model_dir)
    try:
        return json.loads((folder / "run.json").read_text(encoding="utf-8"))["config"]["task"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        architectures = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, ValueError):
        return "unknown"
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return "text-classification"
    if any(a.endswith("ForTokenClassification") for a in architectures):
        return "token-classification"
    if any(a.endswith("ForImageClassification") for a in architectures):
        return "image-classification"
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return "text-generation"
    if any(a.endswith("ForConditionalGeneration") or a.startswith("EncoderDecoder") for a in architectures):
        return "text2text-generation"
    return "unknown"
