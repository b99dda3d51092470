"""Running an exported ONNX classifier with onnxruntime.

Same interface as :class:`tlstudio.core.inference.Classifier` (``labels``,
``probabilities``, ``predict``), so ``tlstudio predict``, ``evaluate`` and the
try-it page switch runtimes without knowing which one they hold.  No torch is
loaded: the tokenizer comes from transformers' fast tokenizer files and the
model runs in onnxruntime on the CPU.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import TlStudioError
from .inference import Prediction, softmax

ONNX_DIR = "onnx"
ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model_int8.onnx"}


def onnx_file(model_dir: str | Path, runtime: str = "onnx") -> Path:
    return Path(model_dir) / ONNX_DIR / ONNX_FILES[runtime]


def onnxruntime_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def create_session(path: Path, *, threads: int | None = None):
    """An onnxruntime CPU session with full graph optimisation (attention and layer-norm fusions)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise TlStudioError("running ONNX models needs onnxruntime, which is not installed.",
                            'Install it with: pip install "tlstudio[onnx]"') from None
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings are about graph internals
    if threads:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for unreadable files
        raise TlStudioError(f"onnxruntime cannot load {path} ({str(exc).splitlines()[0][:200]}).",
                            "Export the model again with: tlstudio export MODEL_DIR --format onnx") from None


class OnnxClassifier:
    """A text classifier running from ``MODEL_DIR/onnx/model.onnx`` (or the int8 model)."""

    runtime = "onnx"

    def __init__(self, model_dir: str | Path, runtime: str = "onnx", *, threads: int | None = None):
        from .backbones import load_tokenizer

        self.model_dir = Path(model_dir)
        self.runtime = runtime
        self.path = onnx_file(self.model_dir, runtime)
        if not self.path.is_file():
            raise TlStudioError(f"{self.model_dir} holds no {ONNX_DIR}/{self.path.name}.",
                                f"Create it with: tlstudio export {self.model_dir} --format onnx --output NEW_DIR"
                                + (" --quantize int8" if runtime == "onnx-int8" else ""))
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        id2label = config.get("id2label") or {}
        self.labels = [str(id2label.get(str(i), f"LABEL_{i}")) for i in range(len(id2label))]
        self.tokenizer = load_tokenizer(self.model_dir)
        self.session = create_session(self.path, threads=threads)
        self.input_names = [i.name for i in self.session.get_inputs()]
        dims = self.session.get_inputs()[0].shape
        self.max_length = min(512, getattr(self.tokenizer, "model_max_length", 512) or 512,
                              config.get("max_position_embeddings") or 512)
        if isinstance(dims[1], int):  # a graph exported with a fixed length
            self.max_length = dims[1]

    def logits(self, texts: list[str], *, batch_size: int = 64, cancel=None):
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            if cancel is not None and cancel.cancelled:
                from .errors import RunCancelled

                raise RunCancelled()
            chunk = order[start:start + batch_size]
            encoded = self.tokenizer([texts[i] for i in chunk], truncation=True, max_length=self.max_length,
                                     padding=True, return_tensors="np")
            feed = {name: encoded[name].astype(np.int64) for name in self.input_names}
            out[chunk] = self.session.run(None, feed)[0]
        return out

    def probabilities(self, texts: list[str], *, batch_size: int = 64, cancel=None):
        return softmax(self.logits(texts, batch_size=batch_size, cancel=cancel))

    def predict(self, texts: list[str], *, batch_size: int = 64, cancel=None) -> list[Prediction]:
        results = []
        for row in self.probabilities(texts, batch_size=batch_size, cancel=cancel):
            best = int(row.argmax())
            results.append(Prediction(self.labels[best], float(row[best]),
                                      {label: float(p) for label, p in zip(self.labels, row)}))
        return results
