"""The project's own sample datasets, written for tlstudio and shipped with it.

They make a new user's first minute work offline: the app opens with one
loaded, and ``tlstudio demo`` fine-tunes on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    name: str
    file: str
    task: str
    title: str
    columns: dict[str, str]  # RunConfig field -> column


SAMPLES = (
    Sample(
        "sentiment",
        "sentiment.csv",
        "text-classification",
        "Product and service reviews (positive / negative)",
        {"text_column": "text", "label_column": "label"},
    ),
    Sample(
        "topics",
        "topics.csv",
        "text-classification",
        "Short posts in four topics",
        {"text_column": "text", "label_column": "topic"},
    ),
    Sample(
        "entities",
        "entities.jsonl",
        "token-classification",
        "Sentences with people, organisations and places tagged (BIO)",
        {"tokens_column": "tokens", "tags_column": "tags"},
    ),
    Sample(
        "translation",
        "translation_en_fr.csv",
        "translation",
        "Everyday English sentences with French translations",
        {"source_column": "en", "target_column": "fr"},
    ),
    Sample(
        "summaries",
        "summaries.jsonl",
        "summarization",
        "Short news items and notices with one-sentence summaries",
        {"source_column": "document", "target_column": "summary"},
    ),
    Sample(
        "shapes",
        "shapes.csv",
        "image-classification",
        "Small pictures of circles, squares and triangles",
        {"image_column": "image", "label_column": "shape"},
    ),
    Sample(
        "conversions",
        "conversions.csv",
        "text-generation",
        "Unit-conversion questions with worked answers",
        {"prompt_column": "prompt", "response_column": "response"},
    ),
)


def sample_config(name: str, output: str, **overrides):
    """A RunConfig for training on a sample: its task and columns filled in."""
    from .config import RunConfig

    sample = next(s for s in SAMPLES if s.name == name)
    return RunConfig(data=str(sample_path(name)), task=sample.task, output=output, **sample.columns, **overrides)


def resources_dir() -> Path:
    """``resources/`` in a source checkout or editable install, else the installed copy."""
    source_tree = Path(__file__).resolve().parents[2] / "resources"
    if source_tree.is_dir():
        return source_tree
    from importlib.resources import files

    return Path(str(files("tlstudio.resources")))


def sample_path(name: str) -> Path:
    for sample in SAMPLES:
        if sample.name == name:
            return resources_dir() / "samples" / sample.file
    raise KeyError(name)


def available_samples() -> list[Sample]:
    return [s for s in SAMPLES if (resources_dir() / "samples" / s.file).is_file()]
