"""The ``onnx`` format: the clean model folder plus a verified ``onnx/model.onnx``.

Layout (the ``onnx/`` subfolder is where Hugging Face tools look for ONNX files)::

    OUTPUT/  config.json  model.safetensors  tokenizer*.json  README.md  run.json ...
    OUTPUT/onnx/model.onnx           fp32, dynamic batch and sequence axes
    OUTPUT/onnx/model_int8.onnx      with --quantize int8
    OUTPUT/onnx/verification.json    the check against PyTorch and the timings

An export that fails verification is not written: the error gives the figures.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from ..errors import TlStudioError
from ..files import atomic_write_json, atomic_write_text
from ..progress import Message, StageChanged
from . import ExportOptions, ExportResult
from .adapters import adapter_for
from .card_fields import onnx_section, upsert_section
from .hf_folder import copy_model_folder
from .onnx_export import export_to_onnx, quantize_int8, require_onnx_packages
from .onnx_verify import TOLERANCE, compare_runtimes, labelled, latency, onnx_runner, sample_buckets, torch_runner
from .source import ModelSource, open_model_folder
from .staging import check_output, staged_folder


def export_onnx_folder(source_path, options: ExportOptions, sink, cancel=None) -> ExportResult:
    source = open_model_folder(source_path)
    adapter_for(source.task, onnx=True)
    require_onnx_packages()
    output = check_output(Path(options.output), force=options.force, source=source.path)
    with staged_folder(output, force=options.force) as staging:
        sink.emit(StageChanged("exporting", f"copying the model to {output}"))
        files = copy_model_folder(
            source, staging, include_onnx=False, card_fields=options.card_fields, name=output.name
        )
        report = build_onnx(source, staging / "onnx", quantize=options.quantize, sink=sink, cancel=cancel)
        files += [f"onnx/{name}" for name in report["files"]]
        card = staging / "README.md"
        text = card.read_text(encoding="utf-8") if card.is_file() else f"# {source.name}\n"
        atomic_write_text(card, upsert_section(text, "## ONNX", onnx_section(report)))
        if "README.md" not in files:
            files.append("README.md")
    return ExportResult("onnx", output, files, verification=report)


def build_onnx(source: ModelSource, folder: Path, *, quantize: str | None, sink, cancel=None) -> dict:
    """Export, verify and time ``source`` as ONNX in ``folder``; return the report (also in verification.json)."""
    import onnx
    import onnxruntime
    import torch

    from ..backbones import load_model, load_tokenizer
    from ..predictors.onnx import create_session

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress reaches users through the sink
    adapter = adapter_for(source.task, onnx=True)
    max_length = source.max_length
    sink.emit(StageChanged("exporting", "converting the model to ONNX"))
    tokenizer = load_tokenizer(source.path)
    model = load_model(adapter.model_class(), source.path).float().cpu().eval()
    path = folder / "model.onnx"
    export_to_onnx(model, tokenizer, adapter, path, max_length=max_length)
    _check(cancel)

    sink.emit(StageChanged("verifying", "comparing onnxruntime with PyTorch at several text lengths"))
    texts, gold, origin = adapter.verification_rows(source)
    buckets = sample_buckets(texts, gold, tokenizer, max_length)
    reference = torch_runner(model, tokenizer, adapter, max_length)
    session = create_session(path)
    candidate = onnx_runner(session, tokenizer, adapter, max_length)
    check = compare_runtimes(reference, candidate, buckets, adapter, cancel)
    passed = check["label_agreement"] == 1.0 and check["max_abs_diff"] < TOLERANCE
    if not passed:
        raise TlStudioError(
            f"the ONNX model does not match PyTorch: largest logit difference {check['max_abs_diff']:.2e} "
            f"(tolerance {TOLERANCE:g}), label agreement {check['label_agreement']:.1%}; it was not kept.",
            "Please report this with the model type; the Hugging Face folder export is unaffected.",
        )

    sink.emit(StageChanged("timing", "measuring PyTorch and onnxruntime on the CPU"))
    timed = [t for b in buckets if b.name != "max length" for t in b.texts] or texts[:64]
    speed = {"pytorch": latency(reference, timed, cancel), "onnx": latency(candidate, timed, cancel)}
    report = {
        "format": "tlstudio-onnx-check/1",
        "passed": True,
        "tolerance": TOLERANCE,
        "sample": origin,
        "check": check,
        "latency": speed,
        "max_length": max_length,
        "opset": _opset(onnx, path),
        "size_mb": _size_mb(path),
        "inputs": [i.name for i in session.get_inputs()],
        "hardware": f"{platform.machine() or 'CPU'}, {os.cpu_count()} threads, torch using {torch.get_num_threads()}",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
        "files": ["model.onnx"] + (["model.onnx.data"] if (folder / "model.onnx.data").exists() else []),
    }
    faster = speed["onnx"]["batch_1_ms_per_text"] < speed["pytorch"]["batch_1_ms_per_text"]
    if not faster:
        sink.emit(
            Message(
                "warning",
                "onnxruntime was not faster than PyTorch for single texts on this machine "
                f"({speed['onnx']['batch_1_ms_per_text']:.1f} vs "
                f"{speed['pytorch']['batch_1_ms_per_text']:.1f} ms per text).",
            )
        )
    if quantize == "int8":
        report["int8"] = _int8(
            path, folder, reference, buckets, adapter, tokenizer, source, max_length, timed, sink, cancel
        )
        report["latency"]["onnx-int8"] = report["int8"].pop("latency")
        report["files"].append("model_int8.onnx")
    report["files"].append("verification.json")
    atomic_write_json(folder / "verification.json", report)
    return report


def _int8(path, folder, reference, buckets, adapter, tokenizer, source, max_length, timed, sink, cancel) -> dict:
    from ..predictors.onnx import create_session

    sink.emit(StageChanged("quantizing", "int8 dynamic quantization"))
    target = folder / "model_int8.onnx"
    quantize_int8(path, target)
    runner = onnx_runner(create_session(target), tokenizer, adapter, max_length)
    check = compare_runtimes(reference, runner, buckets, adapter, cancel)
    result = {
        "check": check,
        "size_mb": _size_mb(target),
        "metric_name": adapter.metric_name,
        "metric": None,
        "reference_metric": None,
    }
    texts, gold = labelled(buckets)
    if gold:
        from .onnx_verify import batched

        result["reference_metric"] = adapter.metric(batched(reference, texts, 16), gold, source.labels)
        result["metric"] = adapter.metric(batched(runner, texts, 16), gold, source.labels)
    result["latency"] = latency(runner, timed, cancel)
    return result


def _opset(onnx, path: Path) -> int | None:
    model = onnx.load(str(path), load_external_data=False)
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def _size_mb(path: Path) -> float:
    data = path.with_name(path.name + ".data")
    return round((path.stat().st_size + (data.stat().st_size if data.exists() else 0)) / 1e6, 2)


def _check(cancel) -> None:
    if cancel is not None and cancel.cancelled:
        from ..errors import RunCancelled

        raise RunCancelled()
