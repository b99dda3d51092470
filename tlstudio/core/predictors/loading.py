"""Running a trained model on new text, whatever its task.

``load_predictor(model_dir)`` opens a run folder (or any transformers export
tlstudio recognises) and returns the predictor for its task.  Every predictor
has ``predict(texts)`` returning one typed result per text (see
``predictors/results.py``) and ``table_columns(texts)`` for whole files, so
the CLI, the app's try-it page and file prediction dispatch on nothing but
the result type.
"""

from __future__ import annotations

from pathlib import Path

from .classifier import Classifier
from .folder import ModelFolder, open_model_folder
from .outputs import softmax
from .results import Entity, GeneratedText, LabelSet, Prediction, TaggedText, Value

__all__ = [
    "Classifier",
    "Entity",
    "GeneratedText",
    "LabelSet",
    "Prediction",
    "TaggedText",
    "Value",
    "load_predictor",
    "model_task",
    "predict_probabilities",
    "softmax",
]


def model_task(model_dir: str | Path) -> str:
    """The task a model folder does (``text-classification``, ``token-classification``, ``translation``...)."""
    return open_model_folder(model_dir).task


def load_predictor(
    model_dir: str | Path | ModelFolder, device: str = "auto", *, runtime: str = "auto", allow_pickle: bool = False
):
    """The predictor for the folder's task, on ``runtime`` (see ``predictors/runtime.py``).

    ``allow_pickle`` admits PyTorch weights that are only a pickle; the caller must have shown the
    user :data:`~tlstudio.core.backbones.PICKLE_RISK` first.
    """
    from .runtime import resolve_runtime

    folder = (
        model_dir if isinstance(model_dir, ModelFolder) else open_model_folder(model_dir, allow_pickle=allow_pickle)
    )
    runtime = resolve_runtime(folder.path, runtime, folder.task)
    if runtime != "pytorch":
        from .onnx import OnnxClassifier

        return OnnxClassifier(folder, runtime)
    from ..tasks import find_task

    task = find_task(folder.task)
    if task is not None:
        return task.predictor_class()(folder, device)
    from .generator import TextGenerator

    return TextGenerator(folder, device)  # a task tlstudio does not know: tried as text in, text out


def predict_probabilities(model, tokenizer, texts: list[str], *, max_length: int, batch_size: int = 64, cancel=None):
    """Class probabilities of a single-label classifier for each text, as a (len(texts), num_labels) array."""
    from .outputs import classifier_logits

    logits, _ = classifier_logits(model, tokenizer, texts, max_length=max_length, batch_size=batch_size, cancel=cancel)
    return softmax(logits)
