"""Running an exported ONNX classifier with onnxruntime.

A subclass of :class:`tlstudio.core.predictors.loading.Classifier` that only swaps the
forward pass, so ``tlstudio predict``, ``evaluate`` and the try-it page switch
runtimes without knowing which one they hold, and pairs, long-text windows,
multi-label and regression heads read the same.  No torch is loaded: the
tokenizer comes from transformers' fast tokenizer files and the model runs in
onnxruntime on the CPU.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import TlStudioError
from .classifier import Classifier
from .folder import ModelFolder
from .outputs import batched_logits

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
        raise TlStudioError(
            "running ONNX models needs onnxruntime, which is not installed.",
            'Install it with: pip install "tlstudio[onnx]"',
        ) from None
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings are about graph internals
    if threads:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for unreadable files
        raise TlStudioError(
            f"onnxruntime cannot load {path} ({str(exc).splitlines()[0][:200]}).",
            "Export the model again with: tlstudio export MODEL_DIR --format onnx",
        ) from None


class OnnxClassifier(Classifier):
    """A text classifier running from ``MODEL_DIR/onnx/model.onnx`` (or the int8 model)."""

    def __init__(self, model_dir: str | Path | ModelFolder, runtime: str = "onnx", *, threads: int | None = None):
        from types import SimpleNamespace

        from ..backbones import load_tokenizer

        folder = self._open(model_dir)
        self.runtime = runtime
        self.path = onnx_file(folder.path, runtime)
        if not self.path.is_file():
            raise TlStudioError(
                f"{folder.path} holds no {ONNX_DIR}/{self.path.name}.",
                f"Create it with: tlstudio export {folder.path} --format onnx --output NEW_DIR"
                + (" --quantize int8" if runtime == "onnx-int8" else ""),
            )
        config = folder.config
        id2label = config.get("id2label") or {}
        labels = [str(id2label.get(str(i), f"LABEL_{i}")) for i in range(len(id2label))]
        self.tokenizer = load_tokenizer(folder.path)
        self.session = create_session(self.path, threads=threads)
        self.input_names = [i.name for i in self.session.get_inputs()]
        positions = SimpleNamespace(max_position_embeddings=config.get("max_position_embeddings"))
        self._configure(folder, labels, config.get("problem_type"), config.get("multi_label_threshold"), positions)
        dims = self.session.get_inputs()[0].shape
        if isinstance(dims[1], int):  # a graph exported with a fixed length
            self.max_length = min(self.max_length, dims[1])

    def logits(self, texts: list[str], pairs: list[str] | None = None, *, batch_size: int = 64, cancel=None):
        import numpy as np

        def forward(rows: list[dict]):
            encoded = self.tokenizer.pad(rows, return_tensors="np")
            feed = {name: np.asarray(encoded[name], dtype=np.int64) for name in self.input_names}
            return self.session.run(None, feed)[0]

        return batched_logits(
            forward,
            self.tokenizer,
            texts,
            pairs,
            num_labels=len(self.labels),
            max_length=self.max_length,
            batch_size=batch_size,
            cancel=cancel,
            overlap=self.overlap,
        )
