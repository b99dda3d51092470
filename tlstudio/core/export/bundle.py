"""The ``bundle`` format: one portable .zip a colleague unzips and runs.

Layout inside the zip (under one folder named after it)::

    predict.py          python predict.py "some text" (a class, entities or generated text, by task)
    bundle_text.py      what predict.py reads input and prints answers with (any encoding, no terminal escapes)
    requirements.txt    what predict.py needs, nothing else
    README.md           the model card with metrics, and how to use the bundle
    labels.json         the label map (classifiers and entity taggers)
    bundle.json         the settings predict.py reads (max length, padding token)
    model/              the clean Hugging Face model folder
    model/onnx/         the verified ONNX model(s), in the ONNX variant

The ONNX variant (``--with-onnx``, ``--quantize int8``, or a model folder that
already holds ``onnx/model.onnx``) ships a predict.py that needs only
onnxruntime, tokenizers and numpy; the other one needs transformers and torch.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from ..errors import ConfigError, TlStudioError
from ..progress import StageChanged
from . import ExportOptions, ExportResult
from .adapters import adapter_for
from .card_fields import upsert_section
from .hf_folder import copy_model_folder
from .source import ModelSource, open_model_folder
from .staging import check_output, staged_file

TEMPLATES = Path(__file__).resolve().parent / "templates"
REQUIREMENTS = {
    "pytorch": ["transformers>=5.10,<6", "torch>=2.10", "safetensors>=0.4.3"],
    "onnx": ["onnxruntime>=1.20", "tokenizers>={tokenizers}", "numpy>=1.24"],
}


def export_bundle(source_path, options: ExportOptions, sink, cancel=None) -> ExportResult:
    source = open_model_folder(source_path)
    adapter = adapter_for(source.task)
    output = Path(options.output).expanduser()
    if output.suffix.lower() != ".zip":
        raise ConfigError(f"a bundle is a .zip file; {output} does not end in .zip.", "Pass --output NAME.zip.")
    output = check_output(output, force=options.force, source=source.path)
    if options.with_onnx or options.quantize:
        adapter_for(source.task, onnx=True)  # says plainly which tasks have ONNX bundles
        _check_onnx_bundle(source)
    # A verified onnx/ already in the folder is used when the ONNX predict.py can answer for the model.
    existing = _verified_onnx(source, options.quantize) and _onnx_bundle_problem(source) is None
    variant = "onnx" if options.with_onnx or options.quantize or existing else "pytorch"
    with tempfile.TemporaryDirectory(prefix="tlstudio-bundle-") as tmp:
        root = Path(tmp) / output.stem
        sink.emit(StageChanged("exporting", f"collecting the model for {output.name}"))
        copy_model_folder(
            source,
            root / "model",
            include_onnx=variant == "onnx" and existing,
            card_fields=options.card_fields,
            name=output.stem,
        )
        report = None
        if variant == "onnx" and not existing:
            from .onnx_folder import build_onnx

            report = build_onnx(source, root / "model" / "onnx", quantize=options.quantize, sink=sink, cancel=cancel)
        elif existing:
            report = json.loads((source.path / "onnx" / "verification.json").read_text(encoding="utf-8"))
        _write_bundle_files(root, source, adapter, variant, report)
        with staged_file(output, force=options.force) as staged:
            members = zip_folder(root, staged)
    notes = [
        'unzip it and run: pip install -r requirements.txt && python predict.py "some text" '
        f"(it prints {adapter.prints})"
    ]
    return ExportResult("bundle", output, members, verification=report, notes=notes)


def _onnx_bundle_problem(source: ModelSource) -> str | None:
    """What the ONNX predict.py (one text in, one class out) cannot answer for, or None."""
    run = source.run.get("config") or {}
    return (
        "a multi-label classifier"
        if source.config.get("problem_type") == "multi_label_classification"
        else "a regression model"
        if source.config.get("problem_type") == "regression"
        else "a sentence-pair classifier"
        if run.get("text_pair_column")
        else "a classifier that reads long texts in windows"
        if run.get("long_texts") == "windows"
        else None
    )


def _check_onnx_bundle(source: ModelSource) -> None:
    kind = _onnx_bundle_problem(source)
    if kind:
        raise ConfigError(
            f"the ONNX bundle's predict.py reads single texts with one class each; {source.path} holds {kind}.",
            "Export the bundle without --with-onnx/--quantize: its transformers predict.py handles it.",
        )


def _verified_onnx(source: ModelSource, quantize: str | None) -> bool:
    """Whether the model folder already holds a verified ONNX export that covers the request."""
    folder = source.path / "onnx"
    try:
        report = json.loads((folder / "verification.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    needed = ["model.onnx"] + (["model_int8.onnx"] if quantize else [])
    return bool(report.get("passed")) and all((folder / name).is_file() for name in needed)


def write_predict_script(root: Path, template: str) -> None:
    """A bundle's predict.py, and beside it the helper it imports to read any input and print it safely."""
    for target, name in (("predict.py", template), ("bundle_text.py", "bundle_text.py")):
        (root / target).write_text((TEMPLATES / name).read_text(encoding="utf-8"), encoding="utf-8")


def _write_bundle_files(root: Path, source: ModelSource, adapter, variant: str, report) -> None:
    from ..backbones import load_tokenizer
    from ..errors import DamagedModelError

    write_predict_script(root, adapter.predict_scripts[variant])
    (root / "requirements.txt").write_text("\n".join(_requirements(variant)) + "\n", encoding="utf-8")
    if adapter.writes_labels:
        (root / "labels.json").write_text(
            json.dumps(
                {"labels": source.labels, "id2label": dict(enumerate(source.labels))}, indent=2, ensure_ascii=False
            )
            + "\n",
            encoding="utf-8",
        )
    try:
        tokenizer = load_tokenizer(root / "model")
    except DamagedModelError as exc:  # name the source's own files, not the staged copy's
        raise DamagedModelError(exc.message.replace(str(root / "model"), str(source.path)), exc.hint) from None
    if variant == "onnx" and not (root / "model" / "tokenizer.json").is_file():
        raise TlStudioError(
            f"the tokenizer of {source.path} has no tokenizer.json, which the ONNX predict.py reads.",
            "Export the bundle without --with-onnx (its predict.py uses transformers).",
        )
    settings = {
        "format": "tlstudio-bundle/1",
        "task": source.task,
        "runtime": variant,
        "max_length": source.max_length,
        "pad_token": tokenizer.pad_token,
        "pad_token_id": tokenizer.pad_token_id,
    }
    run = source.run.get("config") or {}
    settings.update(adapter.bundle_settings(run))
    if not adapter.writes_labels:
        # A prefix the model was trained with (T5's "summarize: ") must precede every input.
        settings["source_prefix"] = run.get("source_prefix") or ""
    (root / "bundle.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    card_file = root / "model" / "README.md"
    card = card_file.read_text(encoding="utf-8") if card_file.is_file() else f"# {source.name}\n"
    if report and "## ONNX" not in card:
        from .card_fields import onnx_section

        card = upsert_section(card, "## ONNX", onnx_section(report))
        card_file.write_text(card, encoding="utf-8")
    (root / "README.md").write_text(
        upsert_section(card, "## Using this bundle", _usage(variant, adapter)), encoding="utf-8"
    )


def _requirements(variant: str) -> list[str]:
    from importlib.metadata import version

    major, minor = version("tokenizers").split(".")[:2]
    return [line.format(tokenizers=f"{major}.{minor}") for line in REQUIREMENTS[variant]]


def _usage(variant: str, adapter) -> str:
    needs = "onnxruntime, tokenizers and numpy" if variant == "onnx" else "transformers and torch"
    lines = [
        f"This bundle's `predict.py` needs only {needs} and prints {adapter.prints}. In the unzipped folder:",
        "",
        "```bash",
        "python -m venv .venv && . .venv/bin/activate   # Windows: .venv\\Scripts\\activate",
        "pip install -r requirements.txt",
        'python predict.py "Write a sentence here."',
        "python predict.py --json < texts.txt            # one text per line",
        "```",
        "",
        f"`model/` is a standard Hugging Face folder: {adapter.loads_with}",
    ]
    if variant == "onnx":
        lines += ["The ONNX model is `model/onnx/model.onnx`; `predict.py --int8` uses `model_int8.onnx` when present."]
    return "\n".join(lines)


def zip_folder(root: Path, target: Path) -> list[str]:
    members = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                name = path.relative_to(root.parent).as_posix()
                archive.write(path, name)
                members.append(name)
    return members
