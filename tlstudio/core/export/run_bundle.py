"""The ``run-bundle`` format: a run handed to a cluster's own distributed tools.

tlstudio does not schedule jobs across machines; ``accelerate``, ``torchrun``
and Slurm do that well.  This writes a folder they can run with plain
transformers (no tlstudio on the cluster)::

    run.json                 the settings (and the original tlstudio config, for the record)
    train.py                 self-contained training script
    accelerate_config.yaml   multi-GPU data parallel on one node; edit for more
    data/train.jsonl         the exact train/validation split of the run
    data/validation.jsonl
    data_manifest.json       each data file's SHA-256 (train.py checks them)
    backbone/                the pretrained model (safetensors), so no download is needed
    requirements.txt         the versions this run was made with, pinned
    README.md, slurm.sbatch  how to launch it
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..config import RunConfig
from ..errors import ConfigError, TlStudioError
from ..files import sha256_of
from ..progress import Message, StageChanged
from ..runs.folder import METRICS_FILE, RUN_FILE, find_run_file, record_in_file
from ..runs.record import RunRecord
from . import ExportOptions, ExportResult
from .run_bundle_docs import accelerate_config, readme, slurm_script
from .staging import TOKENIZER_FILES, check_output, staged_folder

TEMPLATES = Path(__file__).resolve().parent / "templates"
TRAIN_SCRIPTS = {"text-classification": "train_text_classification.py"}
BACKBONE_FILES = (
    "config.json",
    "*.safetensors",
    "model.safetensors.index.json",
    *TOKENIZER_FILES,
)
PINNED = ("torch", "transformers", "accelerate", "safetensors", "tokenizers", "numpy")


def read_run_config(source: Path) -> tuple[RunConfig, RunRecord | None]:
    """The config of a run folder, its run.json, or a saved config file; and the run record when there is one."""
    file = find_run_file(source)
    if not file.is_file():
        raise ConfigError(f"{source} holds no {RUN_FILE}.", f"Pass a run folder or a {RUN_FILE} file.")
    config = RunConfig.load(file)
    return config, record_in_file(file) if file.suffix == ".json" else None


def check_supported(config: RunConfig) -> None:
    """Refuse, in one message, a run the bundle's train.py cannot reproduce.

    train.py trains one label per text or text pair with plain transformers; the other tasks and
    label modes need tlstudio's own data reading, losses and metrics, which the bundle must not import.
    """
    kind = None
    if config.task not in TRAIN_SCRIPTS:
        kind = f"'{config.task}' runs"
    elif config.multi_label:
        kind = "multi-label runs"
    elif config.regression:
        kind = "regression runs"
    elif config.long_texts == "windows":
        kind = "runs that read long texts in windows"
    if kind:
        raise TlStudioError(
            f"run bundles are made for single-label text classification (one text or a text pair per row); "
            f"{kind} cannot be exported as one yet.",
            "Train this run with tlstudio itself on the other machine (tlstudio train --config run.json), "
            "or export the trained model with --format hf.",
        )


def export_run_bundle(source_path, options: ExportOptions, sink, cancel=None) -> ExportResult:
    from ..backbones import resolve_backbone
    from ..tasks import get_task

    source = Path(source_path).expanduser().resolve()
    config, record = read_run_config(source)
    check_supported(config)
    output = check_output(Path(options.output), force=options.force, source=source if source.is_dir() else None)
    expected = record.data_sha256 if record is not None else None
    if expected and Path(config.data).is_file() and sha256_of(config.data) != expected:
        sink.emit(Message("warning", f"{config.data} has changed since the run; the bundle holds its current content."))
    sink.emit(StageChanged("loading data", config.data))
    task = get_task(config.task)
    data = task.prepare(config, sink)
    backbone = resolve_backbone(config.backbone)
    with staged_folder(output, force=options.force) as staging:
        sink.emit(StageChanged("exporting", f"writing the run bundle to {output}"))
        files = _write_data(staging, data)
        manifest = {
            "format": "tlstudio-data-manifest/1",
            "files": [
                {
                    "path": f,
                    "sha256": sha256_of(staging / f),
                    "bytes": (staging / f).stat().st_size,
                    "rows": len((staging / f).read_text(encoding="utf-8").splitlines()),
                }
                for f in files
            ],
            "source": {
                "path": str(Path(config.data).resolve()),
                "sha256": sha256_of(config.data),
                **{key: value for key, value in data.columns.items() if value},
                "split": data.summary.get("split"),
            },
        }
        _write_json(staging / "data_manifest.json", manifest)
        copied = _copy_backbone(backbone.path, staging / "backbone")
        _write_json(staging / RUN_FILE, _settings(config, data, backbone, files))
        (staging / "train.py").write_text(train_script(config.task), encoding="utf-8")
        (staging / "requirements.txt").write_text(_requirements(), encoding="utf-8")
        (staging / "accelerate_config.yaml").write_text(accelerate_config(), encoding="utf-8")
        (staging / "slurm.sbatch").write_text(slurm_script(output.name), encoding="utf-8")
        (staging / "README.md").write_text(readme(output.name, config, data, backbone), encoding="utf-8")
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    notes = [
        f"copied {len(copied)} backbone file(s) and {sum(e['rows'] for e in manifest['files'])} data rows",
        f"launch it with: accelerate launch --config_file accelerate_config.yaml train.py (see {output}/README.md)",
    ]
    return ExportResult("run-bundle", output, written, notes=notes)


# The script's own names for the run's files, filled in as it is written so the bundle's train.py and
# tlstudio never disagree about them.
SCRIPT_NAMES = {"__RUN_FILE__": RUN_FILE, "__METRICS_FILE__": METRICS_FILE}


def train_script(task: str) -> str:
    """The bundle's train.py for ``task``, with the run folder's file names written into it."""
    text = (TEMPLATES / TRAIN_SCRIPTS[task]).read_text(encoding="utf-8")
    for placeholder, name in SCRIPT_NAMES.items():
        text = text.replace(json.dumps(placeholder), json.dumps(name))
    return text


def _write_data(folder: Path, data) -> list[str]:
    (folder / "data").mkdir()
    written = []
    for name, examples in (("train", data.train), ("validation", data.eval)):
        path = f"data/{name}.jsonl"
        pairs = examples.pairs if examples.pairs is not None else [None] * len(examples.texts)
        with open(folder / path, "w", encoding="utf-8", newline="\n") as handle:
            for text, pair, label, row in zip(examples.texts, pairs, examples.targets, examples.rows):
                record = {"text": text, "text_pair": pair, "label": label, "row": row}
                if pair is None:
                    del record["text_pair"]
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def _copy_backbone(source: Path, target: Path) -> list[str]:
    target.mkdir()
    copied = []
    for pattern in BACKBONE_FILES:
        for item in sorted(source.glob(pattern)):
            if item.is_file() and not (target / item.name).exists():
                shutil.copyfile(item, target / item.name)
                copied.append(item.name)
    return copied


def _settings(config: RunConfig, data, backbone, files: list[str]) -> dict:
    keys = (
        "epochs",
        "max_steps",
        "batch_size",
        "learning_rate",
        "warmup_ratio",
        "weight_decay",
        "gradient_accumulation_steps",
        "max_length",
        "seed",
        "eval_strategy",
        "eval_steps",
        "logging_steps",
        "save_total_limit",
        "early_stopping_patience",
        "precision",
    )
    return {
        "format": "tlstudio-run-bundle/1",
        "task": config.task,
        "labels": data.label_names,
        "text_pairs": data.train.pairs is not None,
        "backbone": "backbone",
        "base_model": backbone.base_model,
        "data": {"train": files[0], "validation": files[1]},
        "class_weights": data.class_weights,
        "hyperparameters": {key: getattr(config, key) for key in keys},
        "tlstudio_config": config.to_dict(),
    }


def _requirements() -> str:
    from importlib.metadata import PackageNotFoundError, version

    lines = [
        "# The versions this bundle was made with. On a GPU machine pip picks torch's CUDA build.",
        "# To use another CUDA version, install torch first as its site describes, then the rest.",
    ]
    for package in PINNED:
        try:
            lines.append(f"{package}=={version(package).split('+')[0]}")
        except PackageNotFoundError:
            pass
    return "\n".join(lines) + "\n"


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
