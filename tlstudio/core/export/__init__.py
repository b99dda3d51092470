"""Exports: turning a trained model folder into what colleagues and clusters use.

Each format is one module, imported only when used:

* ``hf``: a clean standard Hugging Face folder (no checkpoints, no pickles) with its model card;
* ``onnx``: that folder plus ``onnx/model.onnx``, verified against PyTorch in onnxruntime
  (optionally with a dynamically quantized ``onnx/model_int8.onnx``);
* ``bundle``: one portable ``.zip`` with the model, a label map, a ``predict.py`` and its
  ``requirements.txt``;
* ``run-bundle``: a folder that re-runs the training on a cluster with plain transformers and
  ``accelerate``/``torchrun``/Slurm.

Tasks plug in through :mod:`tlstudio.core.export.adapters`: the formats ask the task's adapter
for the model class, example inputs, how to compare outputs and the bundle's scripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("hf", "onnx", "bundle", "run-bundle")
QUANTIZATIONS = ("int8",)


@dataclass
class ExportOptions:
    format: str
    output: str | Path
    quantize: str | None = None  # "int8": also write a dynamically quantized ONNX model
    with_onnx: bool = False  # bundle: carry a verified ONNX model and an onnxruntime predict.py
    force: bool = False  # replace an existing output
    # The user's words for the model card (description, intended_use, limitations, license); see plan.py.
    card_fields: dict[str, str] | None = None


@dataclass
class ExportResult:
    format: str
    output: Path
    files: list[str] = field(default_factory=list)  # paths relative to output (for a zip: its members)
    verification: dict[str, Any] | None = None  # the ONNX check's report, when one ran
    notes: list[str] = field(default_factory=list)


def export(source: str | Path, options: ExportOptions, sink=None, cancel=None) -> ExportResult:
    """Export the model folder (or, for ``run-bundle``, the run) at ``source``."""
    from ..errors import ConfigError
    from ..progress import NullSink

    sink = sink or NullSink()
    from ..multitask.folders import refuse_multitask_run

    refuse_multitask_run(source)  # its sub-tasks' folders export one by one (--subtask NAME)
    if options.format not in FORMATS:
        raise ConfigError(f"unknown export format '{options.format}'.", f"Choose one of: {', '.join(FORMATS)}.")
    if options.quantize and options.quantize not in QUANTIZATIONS:
        raise ConfigError(f"unknown quantization '{options.quantize}'.", "The only one offered is int8.")
    if options.quantize and options.format in ("hf", "run-bundle"):
        raise ConfigError(
            f"--quantize applies to ONNX models; the '{options.format}' format has none.",
            "Use --format onnx (or --format bundle --with-onnx).",
        )
    if options.with_onnx and options.format != "bundle":
        raise ConfigError("--with-onnx is for --format bundle.", "--format onnx always writes the ONNX model.")
    if options.format in ("onnx", "bundle") and _reads_images(_task_of(source)):
        from .image_export import export_image_bundle, export_image_onnx_folder

        run = export_image_onnx_folder if options.format == "onnx" else export_image_bundle
        return run(source, options, sink, cancel)
    if options.format == "run-bundle":
        from .run_bundle import export_run_bundle

        return export_run_bundle(source, options, sink, cancel)
    if options.format == "bundle":
        from .bundle import export_bundle

        return export_bundle(source, options, sink, cancel)
    if options.format == "onnx":
        from .onnx_folder import export_onnx_folder

        return export_onnx_folder(source, options, sink, cancel)
    from .hf_folder import export_hf_folder

    return export_hf_folder(source, options, sink, cancel)


def _reads_images(task: str | None) -> bool:
    """Image models export through their own ONNX path (an image processor, not a tokenizer, feeds them)."""
    from ..tasks import find_task

    found = find_task(task)
    return found is not None and found.input_kind == "image"


def _task_of(source) -> str | None:
    from .source import open_model_folder

    try:
        return open_model_folder(source, require_task=False).task
    except Exception:  # the chosen format reports an unusable folder in its own words
        return None
