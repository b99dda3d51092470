"""What an export needs to know about a task, one adapter per task.

The formats are task-agnostic: they ask the adapter which model class to load,
how to build inputs from texts, how to compare two runtimes' outputs, which
metric to report for a quantized model, and which scripts go into a bundle.
Adding a task's exports means adding an adapter here and registering it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import TlStudioError


@dataclass(frozen=True)
class Comparison:
    max_abs_diff: float  # largest difference of any output value
    agreement: float  # share of examples whose prediction is the same
    count: int


class TextClassificationAdapter:
    task = "text-classification"
    output_names = ("logits",)
    metric_name = "accuracy"
    # Scripts in tlstudio/core/export/templates/ that become a bundle's predict.py.
    predict_scripts = {"pytorch": "predict_transformers.py", "onnx": "predict_onnx.py"}
    writes_labels = True  # the bundle carries labels.json
    loads_with = '`transformers.pipeline("text-classification", model="model")` loads it too.'
    prints = "each text's label and probability (its label set, or its number, for multi-label or regression)"

    def bundle_settings(self, run: dict) -> dict[str, Any]:
        """What bundle.json adds for predict.py to read its inputs as training did (``run``: run.json's config)."""
        return {
            "text_pairs": bool(run.get("text_pair_column")),
            "window_overlap": int(run.get("window_overlap", 32)) if run.get("long_texts") == "windows" else None,
        }

    def model_class(self):
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def encode(self, tokenizer, texts: list[str], max_length: int, *, tensors: str) -> dict[str, Any]:
        """Padded, truncated model inputs for ``texts`` ("pt" or "np" tensors)."""
        encoded = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors=tensors)
        return {name: encoded[name] for name in tokenizer.model_input_names if name in encoded}

    def example_texts(self) -> list[str]:
        # Two texts of different lengths: torch.export must not take batch or length for a constant.
        return [
            "an example sentence for tracing the model",
            "a second, somewhat longer example sentence so the two inputs differ in length and padding is traced too",
        ]

    def verification_rows(self, source) -> tuple[list[str], list[str] | None, str]:
        """Texts (with gold labels when known) to verify an export on, and where they came from."""
        rows = source.validation_rows()
        if rows:
            labels = [r.get("label") for r in rows]
            known = labels if all(isinstance(x, str) for x in labels) else None
            return [r["text"] for r in rows], known, f"the run's validation split ({len(rows)} rows)"
        from ..samples import sample_path

        import csv

        with open(sample_path("sentiment"), encoding="utf-8", newline="") as handle:
            texts = [row["text"] for row in csv.DictReader(handle)]
        return texts, None, "tlstudio's sample reviews (the folder holds no validation predictions)"

    def compare(self, reference, candidate) -> Comparison:
        import numpy as np

        reference, candidate = np.asarray(reference, dtype=np.float64), np.asarray(candidate, dtype=np.float64)
        if reference.shape != candidate.shape:
            raise TlStudioError(
                f"the exported model's output has shape {candidate.shape}, PyTorch's {reference.shape}."
            )
        diff = float(np.abs(reference - candidate).max()) if reference.size else 0.0
        agreement = float((reference.argmax(-1) == candidate.argmax(-1)).mean()) if len(reference) else 1.0
        return Comparison(diff, agreement, len(reference))

    def metric(self, outputs, gold: list[str], label_names: list[str]) -> float:
        import numpy as np

        index = {name: i for i, name in enumerate(label_names)}
        predicted = np.asarray(outputs).argmax(-1)
        pairs = [(p, index[g]) for p, g in zip(predicted, gold) if g in index]
        return sum(int(p == g) for p, g in pairs) / max(1, len(pairs))


class TokenClassificationAdapter:
    """Entity taggers: the bundle's predict.py prints entity spans (transformers' token-classification pipeline)."""

    task = "token-classification"
    predict_scripts = {"pytorch": "predict_entities.py"}
    writes_labels = True
    loads_with = (
        '`transformers.pipeline("token-classification", model="model", aggregation_strategy="first")` loads it too.'
    )
    prints = "each entity found, with its type, character offsets and score"

    def bundle_settings(self, run: dict) -> dict[str, Any]:
        return {}


class Seq2SeqAdapter:
    """Translation and summarization: the bundle's predict.py generates text with the model's own settings."""

    predict_scripts = {"pytorch": "predict_generate.py"}
    writes_labels = False  # a text generator has no label map
    loads_with = (
        '`AutoModelForSeq2SeqLM.from_pretrained("model")` loads it too, and `generate()` needs no extra '
        "settings (they are in `generation_config.json`)."
    )
    prints = "the generated text for each input"

    def __init__(self, task: str) -> None:
        self.task = task

    def bundle_settings(self, run: dict) -> dict[str, Any]:
        return {}  # the source prefix goes in for every generator (see bundle.py)


_ADAPTERS = {
    "text-classification": TextClassificationAdapter,
    "token-classification": TokenClassificationAdapter,
    "translation": lambda: Seq2SeqAdapter("translation"),
    "summarization": lambda: Seq2SeqAdapter("summarization"),
}


def adapter_for(task: str, *, onnx: bool = False):
    """The task's export adapter; ``onnx=True`` when the export writes an ONNX model."""
    from ..predictors.runtime import runs_on_onnx

    # An ONNX export is verified against PyTorch by running it, so only tasks that run on ONNX export to it.
    if onnx and task in _ADAPTERS and not runs_on_onnx(task):
        raise TlStudioError(
            f"ONNX export is available for text classification only, not for '{task}' models yet.",
            "Export with --format hf, or --format bundle without --with-onnx/--quantize (its predict.py runs the "
            "model with transformers).",
        )
    try:
        return _ADAPTERS[task]()
    except KeyError:
        raise TlStudioError(
            f"exporting '{task}' models is not supported yet.",
            f"ONNX and bundle exports work for: {', '.join([*_ADAPTERS, 'image-classification'])}; the plain "
            "Hugging Face folder of the run (--format hf) works for any task.",
        ) from None
