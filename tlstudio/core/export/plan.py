"""What an export will write, before it is written: the app's preview, the user's card, the loading snippet.

The desktop app shows the files an export will hold and the model card with
the user's own words (description, intended use, limitations, licence) before
anything is written; :func:`plan_export` computes that without touching disk.
The same words reach the written card through ``ExportOptions.card_fields``
(``hf_folder.card_with_fields``: it lives beside ``copy_model_folder``, which writes the card, so this
module imports ``hf_folder`` and never the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import ExportOptions
from .source import open_model_folder

# What each format adds beside the model's own files (name, what it is); sizes are known only after writing.
FORMAT_EXTRAS = {
    "onnx": [
        ("onnx/model.onnx", "the model for onnxruntime, verified against PyTorch"),
        ("onnx/verification.json", "the check's figures and timings"),
    ],
    "bundle": [
        ("predict.py", "runs the model with only transformers (or onnxruntime)"),
        ("requirements.txt", "what predict.py needs"),
        ("labels.json", "the label map"),
    ],
    "run-bundle": [
        ("train.py", "plain transformers training script (no tlstudio)"),
        ("accelerate_config.yaml", "multi-GPU / multi-node settings"),
        ("data/", "the training data with SHA-256 checksums"),
        ("requirements.txt", "pinned versions"),
        ("README.md", "accelerate, torchrun and Slurm lines"),
    ],
}
FORMAT_TITLES = {
    "hf": "Hugging Face folder",
    "onnx": "ONNX (verified)",
    "bundle": "Portable zip bundle",
    "run-bundle": "Run bundle for a cluster",
}


@dataclass(frozen=True)
class ExportPlan:
    source: Path
    output: Path
    format: str
    task: str
    files: tuple[tuple[str, int | None], ...]  # (path in the export, bytes or None when made by the export)
    card: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def known_bytes(self) -> int:
        return sum(size or 0 for _, size in self.files)


def supported_formats(task: str) -> dict[str, str | None]:
    """Each format, and why it cannot export ``task`` (None when it can)."""
    from ..predictors.runtime import runs_on_onnx
    from . import adapters
    from .run_bundle import TRAIN_SCRIPTS

    reasons: dict[str, str | None] = {"hf": None}
    reasons["onnx"] = None if runs_on_onnx(task) else "ONNX export is available for text classifiers only so far."
    reasons["bundle"] = (
        None
        if task in adapters._ADAPTERS
        else f"Portable bundles exist for {', '.join(adapters._ADAPTERS)} models so far."
    )
    reasons["run-bundle"] = (
        None if task in TRAIN_SCRIPTS else f"Run bundles exist only for {', '.join(TRAIN_SCRIPTS)} runs so far."
    )
    return reasons


def plan_export(source_path, options: ExportOptions) -> ExportPlan:
    """What ``export(source_path, options)`` would write; raises the same errors it would, writing nothing."""
    from ..errors import ConfigError
    from .hf_folder import card_with_fields, model_files
    from .staging import check_output

    source = open_model_folder(source_path, require_task=False)
    reason = supported_formats(source.task).get(options.format, f"unknown format '{options.format}'.")
    if reason:
        raise ConfigError(reason, "The Hugging Face folder works for every task.")
    output = Path(options.output).expanduser()
    if options.format == "bundle" and output.suffix.lower() != ".zip":
        output = output.with_name(output.name + ".zip")
    output = check_output(output, force=options.force, source=source.path)
    stem = output.stem if options.format == "bundle" else output.name
    card = card_with_fields(source, options.card_fields, stem)
    if card is None:
        readme = source.path / "README.md"
        card = readme.read_text(encoding="utf-8") if readme.is_file() else f"# {stem}\n"
    notes: list[str] = []
    if options.format == "run-bundle":
        files = [(name, None) for name, _ in FORMAT_EXTRAS["run-bundle"]]
        notes.append("The run bundle re-runs the training elsewhere; it carries the data and settings, not this model.")
        return ExportPlan(source.path, output, options.format, source.task, tuple(files), card, tuple(notes))
    prefix = "model/" if options.format == "bundle" else ""
    files = []
    for relative in model_files(source):
        if relative.parts[0] == "onnx" and options.format == "hf":
            continue
        if relative.parts[0] == "onnx" or relative.name == "README.md":
            continue  # remade by the export
        files.append((prefix + relative.as_posix(), (source.path / relative).stat().st_size))
    files.append((prefix + "README.md", len(card.encode("utf-8"))))
    if options.format == "onnx" or (options.format == "bundle" and (options.with_onnx or options.quantize)):
        files += [(prefix + name, None) for name, _ in FORMAT_EXTRAS["onnx"]]
        if options.quantize:
            files.append((prefix + "onnx/model_int8.onnx", None))
        notes.append("Converting and verifying the ONNX model takes a minute or two on a CPU.")
    if options.format == "bundle":
        from .adapters import adapter_for

        writes_labels = getattr(adapter_for(source.task), "writes_labels", True)
        files += [(name, None) for name, _ in FORMAT_EXTRAS["bundle"] if writes_labels or name != "labels.json"]
    return ExportPlan(source.path, output, options.format, source.task, tuple(files), card, tuple(notes))


def usage_snippet(destination: str | Path, task: str, run_record: dict | None = None) -> str:
    """Python that uses the export without tlstudio, as the task's model card shows it."""
    from ..tasks import get_task

    destination = Path(destination)
    if destination.suffix == ".zip":
        return (
            f"# unzip {destination.name}, then in its folder:\n"
            'pip install -r requirements.txt\npython predict.py "Write a sentence here."\n'
        )
    record = run_record if run_record and run_record.get("config") else {"config": {"task": task}}
    try:
        lines = get_task(task).card_usage(record, str(destination))
    except Exception:  # a folder from elsewhere whose task tlstudio does not know: the generic loader
        lines = []
    code = [line for line in _code_block(lines)]
    if code:
        return "\n".join(code) + "\n"
    return (
        "from transformers import AutoModel, AutoTokenizer\n\n"
        f'tokenizer = AutoTokenizer.from_pretrained(r"{destination}")\n'
        f'model = AutoModel.from_pretrained(r"{destination}")\n'
    )


def _code_block(lines: list[str]):
    inside = False
    for line in lines:
        if line.startswith("```"):
            if inside:
                return
            inside = True
            continue
        if inside:
            yield line


def record_export(
    source: str | Path, destination: str | Path, format: str, card_fields: dict[str, str] | None = None
) -> None:
    """Note the export in the run's run.json, so the runs list knows where the model went (and the app shows
    this model's own card words the next time it is exported)."""
    from ..errors import TlStudioError
    from ..runs.folder import RunFolder

    run = RunFolder(source)
    if not run.run_file.is_file():
        return
    try:
        record = run.read_run()
        exports = list(record.get("exports") or [])
        entry = {
            "path": str(destination),
            "format": format,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if card_fields:
            entry["card"] = {key: str(value) for key, value in card_fields.items() if value}
        exports.append(entry)
        run.update_run(exports=exports)
    except (TlStudioError, OSError):
        pass  # the export itself succeeded; a read-only run folder is no reason to fail it
