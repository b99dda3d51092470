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
    Sample("sentiment", "sentiment.csv", "text-classification", "Product and service reviews (positive / negative)",
           {"text_column": "text", "label_column": "label"}),
    Sample("topics", "topics.csv", "text-classification", "Short posts in four topics",
           {"text_column": "text", "label_column": "topic"}),
)


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
