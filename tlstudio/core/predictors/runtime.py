"""Choosing how to run a trained model: PyTorch or an exported ONNX file.

The contract for ``runtime`` (``tlstudio predict/evaluate --runtime``, the try-it page):

* ``pytorch``: the safetensors weights, on the GPU when there is one;
* ``onnx`` / ``onnx-int8``: ``MODEL_DIR/onnx/model.onnx`` / ``model_int8.onnx`` in onnxruntime (CPU);
* ``auto`` (the default): ``onnx`` when the folder holds ``onnx/model.onnx`` and onnxruntime is
  installed, else ``pytorch``.  The int8 model is never chosen automatically: it trades a little
  accuracy for speed, which is the user's call.

Only classifiers export to ONNX so far; other tasks run in PyTorch whatever ``auto`` finds.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

RUNTIMES = ("auto", "pytorch", "onnx", "onnx-int8")


def runs_on_onnx(task: str) -> bool:
    """Whether a model of ``task`` runs in onnxruntime from an ONNX export (the task says)."""
    from ..tasks import find_task

    found = find_task(task)
    return found is not None and found.runs_on_onnx


def resolve_runtime(model_dir: str | Path, runtime: str = "auto", task: str = "text-classification") -> str:
    from .onnx import onnx_file, onnxruntime_available

    if runtime not in RUNTIMES:
        raise ConfigError(f"unknown runtime '{runtime}'.", f"Choose one of: {', '.join(RUNTIMES)}.")
    if runtime != "auto":
        if runtime != "pytorch" and not runs_on_onnx(task):
            raise ConfigError(
                f"the {runtime} runtime runs text classifiers only; {model_dir} does {task}.",
                "Leave out --runtime (or choose pytorch).",
            )
        return runtime
    usable = runs_on_onnx(task) and onnx_file(model_dir).is_file() and onnxruntime_available()
    return "onnx" if usable else "pytorch"
