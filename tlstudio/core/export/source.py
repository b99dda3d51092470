"""The model folder an export starts from: a tlstudio run folder or any transformers folder.

A run folder tells more (``run.json``: the task and the run's settings; ``metrics.json``;
``eval_predictions.jsonl``: the validation rows with their labels, used to verify an ONNX
model on the run's own data).  A plain Hugging Face folder works too; its task is read
from ``config.json``'s architecture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backbones import check_model_folder, load_config
from ..errors import ConfigError, TlStudioError
from ..runs.folder import METRICS_FILE, PREDICTIONS_FILE, RUN_FILE


@dataclass
class ModelSource:
    path: Path
    config: dict[str, Any]  # config.json
    task: str
    run: dict[str, Any] = field(default_factory=dict)  # run.json, when the folder is a tlstudio run
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name or "model"

    @property
    def labels(self) -> list[str]:
        id2label = self.config.get("id2label") or {}
        return [str(id2label.get(str(i), id2label.get(i, f"LABEL_{i}"))) for i in range(len(id2label))]

    @property
    def max_length(self) -> int:
        """The longest input the model takes, in tokens (the run's max_length when known)."""
        limit = self.config.get("max_position_embeddings") or 512
        if self.config.get("model_type") in ("roberta", "xlm-roberta", "camembert", "longformer"):
            limit -= 2  # their position ids start after the padding index
        configured = (self.run.get("config") or {}).get("max_length")
        return int(min(limit, configured or 512))

    def validation_rows(self, limit: int = 5000) -> list[dict[str, Any]]:
        """The run's validation rows (``text``, ``label``), or [] when the folder has none."""
        file = self.path / PREDICTIONS_FILE
        if not file.is_file():
            return []
        rows = []
        with open(file, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and isinstance(record.get("text"), str):
                    rows.append(record)
                if len(rows) >= limit:
                    break
        return rows


def open_model_folder(path: str | Path, *, require_task: bool = True) -> ModelSource:
    """Read and safety-check a model folder; ``require_task=False`` accepts any architecture (plain copies)."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise ConfigError(f"model folder {path} does not exist.", "Pass the --output folder of a run.")
    path = path.resolve()
    from ..multitask.folders import refuse_multitask_run

    refuse_multitask_run(path)
    config = check_model_folder(path)
    if require_task:
        # Every export that needs the task also loads the model: a config transformers cannot build is named
        # here, as the source's own config.json, and not later as a staged copy of it.
        load_config(path)
    run = _read_json(path / RUN_FILE)
    metrics = _read_json(path / METRICS_FILE)
    task = (run.get("config") or {}).get("task") or _task_from_architecture(config, path, required=require_task)
    return ModelSource(path, config, task, run, metrics)


def _task_from_architecture(config: dict[str, Any], path: Path, *, required: bool) -> str:
    from ..predictors.folder import task_from_config

    task = task_from_config(config)  # a seq2seq model reads as translation: both generate text alike
    if task or not required:
        return task or "unknown"
    found = ", ".join(config.get("architectures") or []) or "no architecture"
    raise TlStudioError(
        f"tlstudio cannot tell which task the model in {path} does ({found} in config.json).",
        "Export a folder written by tlstudio train, or a classifier, entity tagger or seq2seq model.",
    )


def _read_json(file: Path) -> dict[str, Any]:
    if not file.is_file():
        return {}
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
