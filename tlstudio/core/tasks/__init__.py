"""The task registry: one module per task, imported only when a run needs it.

A task knows how to turn a data file into examples, which model head to put
on the backbone, how to tokenize, and how to score predictions.  The engine
drives any task through that same small set of methods.
"""

from __future__ import annotations

import importlib

from ..errors import ConfigError

# name -> (module, class); modules are imported lazily so that listing tasks is cheap.
_REGISTRY: dict[str, tuple[str, str]] = {
    "text-classification": ("tlstudio.core.tasks.text_classification", "TextClassificationTask"),
    "token-classification": ("tlstudio.core.tasks.token_classification", "TokenClassificationTask"),
    "translation": ("tlstudio.core.tasks.translation", "TranslationTask"),
    "summarization": ("tlstudio.core.tasks.summarization", "SummarizationTask"),
    "image-classification": ("tlstudio.core.tasks.image_classification", "ImageClassificationTask"),
    "text-generation": ("tlstudio.core.tasks.text_generation", "TextGenerationTask"),
    "multi-task": ("tlstudio.core.tasks.multi_task", "MultiTask"),
}


def task_names() -> list[str]:
    return list(_REGISTRY)


def get_task(name: str):
    try:
        module_name, class_name = _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown task '{name}'.", f"Choose one of: {', '.join(_REGISTRY)}.") from None
    return getattr(importlib.import_module(module_name), class_name)()


def find_task(name: str | None):
    """The task called ``name``, or None when tlstudio has no such task (a model folder from elsewhere)."""
    if not isinstance(name, str) or name not in _REGISTRY:
        return None
    return get_task(name)


def is_single_label_text(config) -> bool:
    """Whether ``config`` trains one class per text: what the label health check and the labels-needed study read."""
    task = find_task(config.task)
    return task is not None and task.input_kind == "text" and task.label_kind(config) == "class"


def task_title(name: str) -> str:
    """The task's name as people read it ('Entity tagging (NER)'), for messages."""
    try:
        return get_task(name).title or name
    except ConfigError:
        return name
