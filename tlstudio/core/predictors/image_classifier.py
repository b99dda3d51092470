"""A trained image classifier on new images: class probabilities for each file (or PIL image)."""

from __future__ import annotations

from pathlib import Path

from ..backbones import load_model
from ..errors import TlStudioError
from .folder import ModelFolder, open_model_folder
from .results import Prediction


def image_logits(model, processor, images: list, *, batch_size: int = 32, cancel=None):
    """One row of logits per image (a path or a PIL image), in the caller's order."""
    import numpy as np
    import torch

    from ..errors import RunCancelled
    from ..vision.images import open_image, pixel_values

    device = next(model.parameters()).device
    out = np.zeros((len(images), model.config.num_labels), dtype=np.float64)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                if cancel is not None and cancel.cancelled:
                    raise RunCancelled()
                batch = [open_image(image) for image in images[start : start + batch_size]]
                values = pixel_values(processor, batch).to(device=device, dtype=next(model.parameters()).dtype)
                out[start : start + len(batch)] = model(pixel_values=values).logits.float().cpu().numpy()
    finally:
        model.train(was_training)
    return out


class ImageClassifier:
    task = "image-classification"
    runtime = "pytorch"
    pairs = False

    def __init__(self, model_dir: str | Path | ModelFolder, device: str = "auto"):
        from transformers import AutoModelForImageClassification

        from ..tasks.single_label import SingleLabel
        from ..hardware import choose_device
        from ..vision.images import load_image_processor

        folder = model_dir if isinstance(model_dir, ModelFolder) else open_model_folder(model_dir)
        if folder.task != self.task:
            raise TlStudioError(f"the model in {folder.path} does {folder.task}, not image classification.")
        self.folder = folder
        self.model_dir = folder.path
        self.processor = load_image_processor(folder.path)
        self.model = load_model(AutoModelForImageClassification, folder.path, allow_pickle=folder.allow_pickle)
        self.model.to(choose_device(device, "fp32").device)
        self.model.eval()
        config = self.model.config
        self.labels = [config.id2label[i] for i in range(config.num_labels)]
        self.mode = SingleLabel()

    def scores(self, images: list, *, batch_size: int = 32, cancel=None):
        """Class probabilities, ``(len(images), num_labels)``."""
        from .outputs import softmax

        return softmax(image_logits(self.model, self.processor, images, batch_size=batch_size, cancel=cancel))

    probabilities = scores

    def predict(self, images: list, *, batch_size: int = 32, cancel=None) -> list[Prediction]:
        results = []
        for row in self.scores(images, batch_size=batch_size, cancel=cancel):
            best = int(row.argmax())
            results.append(
                Prediction(self.labels[best], float(row[best]), {label: float(p) for label, p in zip(self.labels, row)})
            )
        return results

    def predict_table(self, table, columns: dict, *, cancel=None) -> tuple[dict[str, list], dict[str, str]]:
        """``prediction``, ``confidence`` and one ``prob_<label>`` column per class for an image column."""
        from ..data.columns import require_column
        from ..data.image_tables import image_root, resolve_image, suggest_image_column, unreadable_images

        if columns.get("image_column"):
            column = require_column(table, columns["image_column"], "--image-column")
        elif table.format == "image folder":
            column = "image"
        else:
            column, reason = suggest_image_column(table.frame)
            if column is None:
                raise TlStudioError(
                    f"cannot tell which column of {table.path} holds the image paths: {reason}.",
                    "Name it with --image-column.",
                )
        root = image_root(table)
        paths = [resolve_image(v, root) for v in table.frame[column].tolist()]
        bad = unreadable_images([p or root / "" for p in paths])
        good = [i for i in range(len(paths)) if i not in bad and paths[i] is not None]
        scores = self.scores([paths[i] for i in good], cancel=cancel) if good else None
        prediction, confidence = [""] * len(paths), [None] * len(paths)
        probs = {label: [None] * len(paths) for label in self.labels}
        for position, i in enumerate(good):
            row = scores[position]
            best = int(row.argmax())
            prediction[i], confidence[i] = self.labels[best], round(float(row[best]), 6)
            for label, p in zip(self.labels, row):
                probs[label][i] = round(float(p), 6)
        problems = ["" if i in good else bad.get(i, "no image path") for i in range(len(paths))]
        result = {
            "prediction": prediction,
            "confidence": confidence,
            **{f"prob_{label}": values for label, values in probs.items()},
        }
        if any(problems):
            result["image_problem"] = problems
        return result, {"image_column": column}
