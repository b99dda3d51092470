"""The values a RunConfig's choice settings may take.

A leaf module (it imports nothing of the project) so that both the settings' declarations in ``config.py`` and
their checks in ``config_checks.py`` read the same tuples without importing each other.
"""

from __future__ import annotations

TASKS = (
    "text-classification",
    "token-classification",
    "translation",
    "summarization",
    "image-classification",
    "text-generation",
    "multi-task",
)
SEQ2SEQ_TASKS = ("translation", "summarization")
GENERATION_TASKS = SEQ2SEQ_TASKS + ("text-generation",)
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
CLASS_WEIGHTING = ("auto", "on", "off")
EVAL_STRATEGIES = ("epoch", "steps")
TRACKERS = ("none", "tensorboard", "mlflow")
LONG_TEXTS = ("truncate", "windows")
STRATEGIES = ("auto", "full", "frozen", "gradual", "llrd", "lora")
ADAPT_SOURCES = ("off", "dataset", "folder")
MULTI_TASK_STRATEGIES = ("auto", "full", "frozen")
