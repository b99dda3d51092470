"""The ``hf`` format: a clean, standard Hugging Face model folder.

Only what a colleague needs is copied: config, safetensors weights, tokenizer
files, the model card and tlstudio's JSON records.  Checkpoints (optimizer
state, RNG pickles), pickled weights and ``eval_predictions.jsonl`` (which holds
the user's own validation texts) stay behind.
"""

from __future__ import annotations

import fnmatch
import json
import ntpath
import shutil
from pathlib import Path

from ..errors import TlStudioError
from ..files import FILE_MODE
from ..progress import StageChanged
from ..runs.folder import METRICS_FILE, RUN_FILE
from . import ExportOptions, ExportResult
from .source import ModelSource, open_model_folder
from .staging import TOKENIZER_FILES, check_output, staged_folder

# Files of a standard model folder; anything else (checkpoints/, *.bin, *.pt, logs, data) is left out.
KEEP = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "model-*-of-*.safetensors",
    "model.safetensors.index.json",
    "adapter_config.json",
    "adapter_model.safetensors",
    *TOKENIZER_FILES,
    "*.tiktoken",
    "chat_template.jinja",
    "preprocessor_config.json",
    "processor_config.json",
    "README.md",
    RUN_FILE,
    METRICS_FILE,
    "trainer_state.json",
    "training_args.json",
)
# The ONNX files an earlier ``onnx`` export put beside the model travel with it.
KEEP_ONNX = ("model.onnx", "model.onnx.data", "model_int8.onnx", "model_int8.onnx.data", "verification.json")
NEVER = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib")
# tlstudio's and the Trainer's records name the author's folders (data file, run folder, checkpoints): a copy for
# colleagues keeps only the last part of each path.
RECORDS = (RUN_FILE, "training_args.json", "trainer_state.json")


def model_files(source: ModelSource) -> list[Path]:
    """The files of ``source`` a clean export carries, as paths relative to it."""
    kept = []
    for item in sorted(source.path.iterdir()):
        if item.is_file() and any(fnmatch.fnmatch(item.name, pattern) for pattern in KEEP):
            kept.append(Path(item.name))
    onnx_dir = source.path / "onnx"
    if onnx_dir.is_dir():
        kept += [Path("onnx") / name for name in KEEP_ONNX if (onnx_dir / name).is_file()]
    adapter_dir = source.path / "adapter"  # a LoRA run's adapter alone, beside the merged model
    if (adapter_dir / "adapter_config.json").is_file():
        kept += [
            Path("adapter") / item.name
            for item in sorted(adapter_dir.iterdir())
            if item.is_file() and any(fnmatch.fnmatch(item.name, pattern) for pattern in KEEP)
        ]
    for path in kept:
        if path.suffix in NEVER:  # a pattern can never match these, but the promise is worth a check
            raise TlStudioError(f"refusing to export pickle file {path}.")
    return kept


def _without_local_paths(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        return text  # not JSON: copied as it is (the model loads without it)
    return json.dumps(_strip_paths(value), indent=2, ensure_ascii=False) + "\n"


def _strip_paths(value):
    if isinstance(value, dict):
        return {key: _strip_paths(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip_paths(item) for item in value]
    if (
        isinstance(value, str)
        and value
        and (value.startswith(("/", "~")) or ntpath.isabs(value))
        and "\n" not in value
        and len(value) < 4096
    ):
        return ntpath.basename(value.rstrip("/\\")) if "\\" in value else Path(value).name
    return value


def copy_model_folder(
    source: ModelSource,
    target: Path,
    *,
    include_onnx: bool = True,
    card_fields: dict[str, str] | None = None,
    name: str | None = None,
) -> list[str]:
    """Copy the clean model files into ``target``; return their relative paths.

    ``card_fields`` (the user's words) re-render a run's model card, naming the model ``name``.
    """
    copied = []
    for relative in model_files(source):
        if relative.parts[0] == "onnx" and not include_onnx:
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative.name in RECORDS:
            destination.write_text(
                _without_local_paths((source.path / relative).read_text(encoding="utf-8")), encoding="utf-8"
            )
        else:
            shutil.copyfile(source.path / relative, destination)
        destination.chmod(FILE_MODE)
        copied.append(relative.as_posix())
    if card_fields:
        card = card_with_fields(source, card_fields, name or target.name)
        if card is not None:
            (target / "README.md").write_text(card, encoding="utf-8")
            (target / "README.md").chmod(FILE_MODE)
            if "README.md" not in copied:
                copied.append("README.md")
    return copied


def card_with_fields(source: ModelSource, fields: dict[str, str] | None, name: str | None = None) -> str | None:
    """The model card rendered again with the user's words, or None when the folder is not a tlstudio run."""
    from ..runs.model_card import render_model_card

    if not source.run.get("config") or not source.metrics:
        return None
    record = dict(source.run)
    if name:  # the card names the model after its new home, not the run it came from
        record["config"] = {**record["config"], "output": name}
    return render_model_card(record, source.metrics, fields or {})


def export_hf_folder(source_path, options: ExportOptions, sink, cancel=None) -> ExportResult:
    source = open_model_folder(source_path, require_task=False)
    output = check_output(Path(options.output), force=options.force, source=source.path)
    sink.emit(StageChanged("exporting", f"copying the model to {output}"))
    with staged_folder(output, force=options.force) as staging:
        files = copy_model_folder(source, staging, card_fields=options.card_fields, name=output.name)
    return ExportResult("hf", output, files)
