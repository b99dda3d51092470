"""Running a trained classifier on new text.

Used by ``tlstudio predict``/``evaluate``, the app's try-it page and the
engine's final evaluation.  Texts are batched in order of length so little
time is spent on padding, and results come back in the caller's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .backbones import check_model_folder, load_model, load_tokenizer
from .errors import TlStudioError


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float
    scores: dict[str, float]  # every class's probability


def predict_probabilities(model, tokenizer, texts: list[str], *, max_length: int, batch_size: int = 64, cancel=None):
    """Class probabilities for each text, as a (len(texts), num_labels) numpy array."""
    import numpy as np
    import torch

    device = next(model.parameters()).device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), model.config.num_labels), dtype=np.float64)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                if cancel is not None and cancel.cancelled:
                    from .errors import RunCancelled

                    raise RunCancelled()
                chunk = order[start:start + batch_size]
                batch = tokenizer([texts[i] for i in chunk], truncation=True, max_length=max_length,
                                  padding=True, return_tensors="pt").to(device)
                logits = model(**batch).logits.float()
                out[chunk] = torch.softmax(logits, dim=-1).cpu().numpy()
    finally:
        model.train(was_training)
    return out


def softmax(logits):
    import numpy as np

    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


class Classifier:
    """A trained text classifier loaded from a model folder (a run folder or any HF export).

    ``allow_pickle`` admits a folder whose weights are only a pickle; see
    :data:`~tlstudio.core.backbones.PICKLE_RISK` for what the user must be told first.
    """

    runtime = "pytorch"

    def __init__(self, model_dir: str | Path, device: str = "auto", *, allow_pickle: bool = False):
        from transformers import AutoModelForSequenceClassification

        from .training.hardware import choose_device

        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise TlStudioError(f"model folder {self.model_dir} does not exist.", "Pass the --output folder of a run.")
        config = check_model_folder(self.model_dir, allow_pickle=allow_pickle)
        architectures = config.get("architectures") or []
        if architectures and not any(a.endswith("ForSequenceClassification") for a in architectures):
            raise TlStudioError(
                f"the model in {self.model_dir} is a {architectures[0]}, not a text classifier.",
            )
        self.tokenizer = load_tokenizer(self.model_dir)
        self.model = load_model(AutoModelForSequenceClassification, self.model_dir, allow_pickle=allow_pickle)
        choice = choose_device(device, "fp32")
        self.model.to(choice.device)
        self.model.eval()
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        self.max_length = min(512, getattr(self.tokenizer, "model_max_length", 512) or 512)
        max_positions = getattr(self.model.config, "max_position_embeddings", None)
        if max_positions:
            self.max_length = min(self.max_length, max_positions)

    def probabilities(self, texts: list[str], *, batch_size: int = 64, cancel=None):
        return predict_probabilities(self.model, self.tokenizer, texts, max_length=self.max_length,
                                     batch_size=batch_size, cancel=cancel)

    def predict(self, texts: list[str], *, batch_size: int = 64, cancel=None) -> list[Prediction]:
        probs = self.probabilities(texts, batch_size=batch_size, cancel=cancel)
        results = []
        for row in probs:
            best = int(row.argmax())
            results.append(Prediction(self.labels[best], float(row[best]),
                                      {label: float(p) for label, p in zip(self.labels, row)}))
        return results
