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


def task_title(name: str) -> str:
    """The task's name as people read it ('Entity tagging (NER)'), for messages."""
    try:
        return get_task(name).title or name
    except ConfigError:
        return name
