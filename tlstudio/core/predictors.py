"""Choosing how to run a trained model: PyTorch or an exported ONNX file.

``open_predictor(model_dir, runtime)`` returns an object with ``labels``,
``probabilities(texts)`` and ``predict(texts)`` whatever the runtime.  The
contract for ``runtime``:

* ``pytorch``: the safetensors weights, on the GPU when there is one;
* ``onnx`` / ``onnx-int8``: ``MODEL_DIR/onnx/model.onnx`` / ``model_int8.onnx`` in onnxruntime (CPU);
* ``auto`` (the default): ``onnx`` when the folder holds ``onnx/model.onnx`` and onnxruntime is
  installed, else ``pytorch``.  The int8 model is never chosen automatically: it trades a little
  accuracy for speed, which is the user's call.

Tasks plug in through ``_PREDICTORS``: one entry per task and runtime.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from .errors import ConfigError, TlStudioError

RUNTIMES = ("auto", "pytorch", "onnx", "onnx-int8")

_PREDICTORS: dict[str, dict[str, str]] = {
    "text-classification": {
        "pytorch": "tlstudio.core.inference:Classifier",
        "onnx": "tlstudio.core.onnx_inference:OnnxClassifier",
    },
}


def resolve_runtime(model_dir: str | Path, runtime: str = "auto") -> str:
    from .onnx_inference import onnx_file, onnxruntime_available

    if runtime not in RUNTIMES:
        raise ConfigError(f"unknown runtime '{runtime}'.", f"Choose one of: {', '.join(RUNTIMES)}.")
    if runtime != "auto":
        return runtime
    return "onnx" if onnx_file(model_dir).is_file() and onnxruntime_available() else "pytorch"


def open_predictor(model_dir: str | Path, runtime: str = "auto", *, allow_pickle: bool = False):
    """``allow_pickle`` admits PyTorch weights that are only a pickle (see ``backbones.PICKLE_RISK``)."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise TlStudioError(f"model folder {model_dir} does not exist.", "Pass the --output folder of a run.")
    runtime = resolve_runtime(model_dir, runtime)
    task = model_task(model_dir)
    entries = _PREDICTORS.get(task)
    if entries is None:
        raise TlStudioError(f"tlstudio cannot run '{task}' models yet.")
    module_name, class_name = entries["pytorch" if runtime == "pytorch" else "onnx"].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(model_dir, allow_pickle=allow_pickle) if runtime == "pytorch" else cls(model_dir, runtime)


def model_task(model_dir: Path) -> str:
    """The task of a model folder: from run.json, else from config.json's architecture."""
    for name in ("run.json", "config.json"):
        try:
            data = json.loads((model_dir / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if name == "run.json" and isinstance(data.get("config"), dict) and data["config"].get("task"):
            return data["config"]["task"]
        if name == "config.json":
            for architecture in data.get("architectures") or []:
                if architecture.endswith("ForSequenceClassification"):
                    return "text-classification"
    return "text-classification"  # the Classifier explains what it found if the folder is something else
