"""Exports of image classifiers: ONNX (verified against PyTorch) and the portable bundle.

The ONNX graph takes ``pixel_values`` of shape ``(batch, 3, H, W)`` with a
dynamic batch axis and the training size fixed; preprocessing (resize, scale,
normalize) is the folder's ``preprocessor_config.json``, which the bundle's
``predict.py`` applies with PIL and numpy.  That path needs neither tlstudio
nor transformers, so it is also how an EfficientNet-Lite model (not a
transformers architecture) travels.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from pathlib import Path

from ..errors import ConfigError, TlStudioError
from ..files import atomic_write_json, atomic_write_text
from ..progress import StageChanged
from . import ExportOptions, ExportResult
from .card_fields import upsert_section
from .hf_folder import copy_model_folder
from .source import ModelSource, open_model_folder
from .staging import check_output, staged_file, staged_folder

TOLERANCE = 1e-3
VERIFY_IMAGES = 64
TEMPLATES = Path(__file__).resolve().parent / "templates"
REQUIREMENTS = {
    "onnx": ["onnxruntime>=1.20", "numpy>=1.24", "pillow>=10"],
    "pytorch": ["transformers>=5.10,<6", "torch>=2.10", "safetensors>=0.4.3", "pillow>=10"],
}


def _refuse_int8(options: ExportOptions) -> None:
    if options.quantize:
        raise ConfigError(
            "int8 quantization is offered for text classifiers only; convolutional image models "
            "gain little from dynamic quantization.",
            "Leave out --quantize.",
        )


def export_image_onnx_folder(source_path, options: ExportOptions, sink, cancel=None) -> ExportResult:
    _refuse_int8(options)
    source = open_model_folder(source_path)
    output = check_output(Path(options.output), force=options.force, source=source.path)
    with staged_folder(output, force=options.force) as staging:
        sink.emit(StageChanged("exporting", f"copying the model to {output}"))
        files = copy_model_folder(source, staging, include_onnx=False)
        report = build_image_onnx(source, staging / "onnx", sink=sink, cancel=cancel)
        files += [f"onnx/{name}" for name in report["files"]]
        card = staging / "README.md"
        text = card.read_text(encoding="utf-8") if card.is_file() else f"# {source.name}\n"
        atomic_write_text(card, upsert_section(text, "## ONNX", image_onnx_section(report)))
        if "README.md" not in files:
            files.append("README.md")
    return ExportResult("onnx", output, files, verification=report)


def build_image_onnx(source: ModelSource, folder: Path, *, sink, cancel=None) -> dict:
    """Export, verify and time ``source`` as ``folder/model.onnx``; return the report (verification.json)."""
    import numpy as np
    import onnx
    import onnxruntime
    import torch
    from transformers import AutoModelForImageClassification

    from ..backbones import load_model
    from ..predictors.onnx import create_session
    from ..vision.images import load_image_processor, pixel_values, processor_size
    from .onnx_export import quiet, require_onnx_packages

    require_onnx_packages()
    sink.emit(StageChanged("exporting", "converting the model to ONNX"))
    processor = load_image_processor(source.path)
    size = processor_size(processor)
    model = load_model(AutoModelForImageClassification, source.path).float().cpu().eval()
    images, origin = _verification_images(source, size)
    example = pixel_values(processor, images[:2])
    path = folder / "model.onnx"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with quiet(), torch.no_grad():
            program = torch.onnx.export(
                model,
                (),
                kwargs={"pixel_values": example},
                dynamic_shapes={"pixel_values": {0: torch.export.Dim("batch")}},
                input_names=["pixel_values"],
                output_names=["logits"],
                dynamo=True,
                verbose=False,
                optimize=True,
            )
            program.save(str(path))
    except Exception as exc:
        summary = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise TlStudioError(
            f"the {type(model).__name__} model could not be converted to ONNX ({summary}).",
            "The Hugging Face folder export still works.",
        ) from exc
    if cancel is not None and cancel.cancelled:
        from ..errors import RunCancelled

        raise RunCancelled()
    sink.emit(StageChanged("verifying", f"comparing onnxruntime with PyTorch on {len(images)} images"))
    session = create_session(path)
    inputs = pixel_values(processor, images)

    def run_torch(batch):
        with torch.no_grad():
            return model(pixel_values=batch).logits.numpy()

    def run_onnx(batch):
        return session.run(["logits"], {"pixel_values": batch.numpy()})[0]

    reference = np.concatenate([run_torch(inputs[i : i + 16]) for i in range(0, len(inputs), 16)])
    candidate = np.concatenate([run_onnx(inputs[i : i + 16]) for i in range(0, len(inputs), 16)])
    singles = [run_onnx(inputs[i : i + 1])[0] for i in range(min(8, len(inputs)))]
    diff = float(
        max(
            np.abs(reference - candidate).max(),
            max((np.abs(reference[i] - s).max() for i, s in enumerate(singles)), default=0.0),
        )
    )
    agreement = float((reference.argmax(-1) == candidate.argmax(-1)).mean())
    if diff >= TOLERANCE or agreement < 1.0:
        raise TlStudioError(
            f"the ONNX model does not match PyTorch: largest logit difference {diff:.2e} "
            f"(tolerance {TOLERANCE:g}), label agreement {agreement:.1%}; it was not kept.",
            "Please report this with the model type; the Hugging Face folder export is unaffected.",
        )
    sink.emit(StageChanged("timing", "measuring PyTorch and onnxruntime on the CPU"))
    speed = {"pytorch": _latency(run_torch, inputs), "onnx": _latency(run_onnx, inputs)}
    report = {
        "format": "tlstudio-onnx-check/1",
        "task": "image-classification",
        "passed": True,
        "tolerance": TOLERANCE,
        "sample": origin,
        "image_size": size,
        "check": {"max_abs_diff": diff, "label_agreement": agreement, "compared": len(images)},
        "latency": speed,
        "opset": next((o.version for o in onnx.load(str(path)).opset_import if o.domain in ("", "ai.onnx")), None),
        "size_mb": round(path.stat().st_size / 1e6, 2),
        "inputs": ["pixel_values"],
        "hardware": f"{platform.machine() or 'CPU'}, {os.cpu_count()} threads, torch using {torch.get_num_threads()}",
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
        "files": ["model.onnx", "verification.json"],
    }
    atomic_write_json(folder / "verification.json", report)
    return report


def _verification_images(source: ModelSource, size: int) -> tuple[list, str]:
    """The run's validation images when they still exist, else generated test patterns."""
    import numpy as np

    from ..vision.images import open_image

    images = []
    for record in source.validation_rows(limit=VERIFY_IMAGES * 4):
        path = record.get("image")
        if isinstance(path, str) and Path(path).is_file():
            try:
                images.append(open_image(path))
            except TlStudioError:
                continue
        if len(images) >= VERIFY_IMAGES:
            break
    if len(images) >= 2:
        return images, f"{len(images)} of the run's validation images"
    from PIL import Image

    rng = np.random.default_rng(0)
    patterns = [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(16)]
    return patterns, "16 random test images (the folder holds no validation images)"


def _latency(run, inputs) -> dict:
    import time

    run(inputs[:1])
    count = min(16, len(inputs))
    start = time.perf_counter()
    for i in range(count):
        run(inputs[i : i + 1])
    one = (time.perf_counter() - start) / count
    start = time.perf_counter()
    run(inputs[:32])
    many = (time.perf_counter() - start) / min(32, len(inputs))
    return {"batch_1_ms_per_image": round(one * 1000, 3), "batch_32_ms_per_image": round(many * 1000, 3)}


def image_onnx_section(report: dict) -> str:
    check, speed = report["check"], report["latency"]
    lines = [
        f"`onnx/model.onnx` (opset {report['opset']}, input `pixel_values` of shape (batch, 3, "
        f"{report['image_size']}, {report['image_size']}), exported with torch {report['versions']['torch']}) "
        f"was run in onnxruntime {report['versions']['onnxruntime']} on {report['sample']} and compared with "
        f"the fp32 PyTorch model: largest logit difference {check['max_abs_diff']:.2e} (tolerance "
        f"{report['tolerance']:g}), label agreement {check['label_agreement']:.1%}.",
        "",
        f"Speed on this machine's CPU ({report['hardware']}), milliseconds per image:",
        "",
        "| runtime | one image at a time | batches of 32 |",
        "|---|---|---|",
    ]
    for name, title in (("pytorch", "PyTorch (fp32)"), ("onnx", "onnxruntime (fp32)")):
        lines.append(
            f"| {title} | {speed[name]['batch_1_ms_per_image']:.2f} | {speed[name]['batch_32_ms_per_image']:.2f} |"
        )
    return "\n".join(lines + ["", "Preprocessing (resize, scale to 0-1, normalize) is in `preprocessor_config.json`."])


def export_image_bundle(source_path, options: ExportOptions, sink, cancel=None) -> ExportResult:
    """A .zip with the model, a predict.py (onnxruntime + PIL, or transformers) and its requirements."""
    from .bundle import write_predict_script, zip_folder

    _refuse_int8(options)
    source = open_model_folder(source_path)
    output = Path(options.output).expanduser()
    if output.suffix.lower() != ".zip":
        raise ConfigError(f"a bundle is a .zip file; {output} does not end in .zip.", "Pass --output NAME.zip.")
    output = check_output(output, force=options.force, source=source.path)
    # EfficientNet-Lite is not a transformers architecture: its portable form is the ONNX one.
    native = source.config.get("model_type") != "tlstudio-efficientnet-lite"
    variant = (
        "onnx" if options.with_onnx or not native or (source.path / "onnx" / "model.onnx").is_file() else "pytorch"
    )
    with tempfile.TemporaryDirectory(prefix="tlstudio-bundle-") as tmp:
        root = Path(tmp) / output.stem
        sink.emit(StageChanged("exporting", f"collecting the model for {output.name}"))
        copy_model_folder(source, root / "model", include_onnx=False)
        report = (
            build_image_onnx(source, root / "model" / "onnx", sink=sink, cancel=cancel) if variant == "onnx" else None
        )
        script = TEMPLATES / ("predict_image_onnx.py" if variant == "onnx" else "predict_image_transformers.py")
        write_predict_script(root, script.name)
        (root / "requirements.txt").write_text("\n".join(REQUIREMENTS[variant]) + "\n", encoding="utf-8")
        (root / "labels.json").write_text(
            json.dumps({"labels": source.labels}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (root / "bundle.json").write_text(
            json.dumps({"format": "tlstudio-bundle/1", "task": source.task, "runtime": variant}, indent=2) + "\n",
            encoding="utf-8",
        )
        card_file = root / "model" / "README.md"
        card = card_file.read_text(encoding="utf-8") if card_file.is_file() else f"# {source.name}\n"
        if report:
            card = upsert_section(card, "## ONNX", image_onnx_section(report))
            card_file.write_text(card, encoding="utf-8")
        needs = "onnxruntime, numpy and pillow" if variant == "onnx" else "transformers, torch and pillow"
        usage = "\n".join(
            [
                f"This bundle's `predict.py` needs only {needs}. In the unzipped folder:",
                "",
                "```bash",
                "pip install -r requirements.txt",
                "python predict.py photo.jpg another.png",
                "python predict.py --json *.png",
                "```",
            ]
        )
        (root / "README.md").write_text(upsert_section(card, "## Using this bundle", usage), encoding="utf-8")
        with staged_file(output, force=options.force) as staged:
            members = zip_folder(root, staged)
    return ExportResult(
        "bundle",
        output,
        members,
        verification=report,
        notes=["unzip it and run: pip install -r requirements.txt && python predict.py IMAGE"],
    )
