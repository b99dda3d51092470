"""Opening a trained model folder: which task it does, and the settings it was trained with.

A tlstudio run folder says so in ``run.json``; any other transformers export
is recognised from ``config.json`` (its architecture), so models trained
elsewhere can be tried and evaluated too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backbones import check_model_folder
from ..errors import TlStudioError
from ..runs.folder import RunFolder


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    config: dict[str, Any]  # config.json
    task: str
    run_config: dict[str, Any] = field(default_factory=dict)  # run.json's config, when a tlstudio run made it
    task_known: bool = True  # False when guessed from the architecture (translation vs summarization)
    # The user accepted pickle weights for this folder (after being shown backbones.PICKLE_RISK).
    allow_pickle: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # run.json's data section: the columns training resolved

    @property
    def problem_type(self) -> str | None:
        return self.config.get("problem_type")

    @property
    def trained_columns(self) -> dict[str, str]:
        """The columns the run read, by RunConfig field (``tokens_column``...).

        The run's settings name the columns the user chose; the data section adds those training
        picked itself (a CoNLL file's ``tokens``, a suggested text column), so a file shaped like
        the training data is predicted and evaluated without column flags.
        """
        columns = {key: str(value) for key, value in self.data.items() if key.endswith("_column") and value}
        columns.update({key: str(value) for key, value in self.run_config.items() if key.endswith("_column") and value})
        return columns


def open_model_folder(path: str | Path, *, allow_pickle: bool = False) -> ModelFolder:
    path = Path(path).expanduser()
    if not path.is_dir():
        raise TlStudioError(f"model folder {path} does not exist.", "Pass the --output folder of a run.")
    from ..multitask.folders import refuse_multitask_run

    refuse_multitask_run(path)
    config = check_model_folder(path, allow_pickle=allow_pickle)
    # A damaged run.json leaves the folder a plain model folder: its task is read from config.json instead.
    record = RunFolder(path).record_or_none()
    run_config: dict[str, Any] = dict(record.config) if record is not None else {}
    data: dict[str, Any] = dict(record.data) if record is not None else {}
    task = run_config.get("task")
    if task:
        return ModelFolder(path, config, task, run_config, allow_pickle=allow_pickle, data=data)
    guessed = task_from_config(config)
    if guessed is None:
        architecture = (config.get("architectures") or [config.get("model_type", "unknown")])[0]
        raise TlStudioError(
            f"the model in {path} is a {architecture}, which tlstudio cannot run as a trained task model.",
            "Choose a folder holding a classifier, an entity tagger or a translation/summarization model.",
        )
    return ModelFolder(
        path, config, guessed, run_config, task_known=guessed != "translation", allow_pickle=allow_pickle
    )


def task_from_config(config: dict[str, Any]) -> str | None:
    architectures = config.get("architectures") or []
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return "text-classification"
    if any(a.endswith("ForTokenClassification") for a in architectures):
        return "token-classification"
    if any(a.endswith("ForImageClassification") for a in architectures):
        return "image-classification"
    if any(a.endswith("ForCausalLM") or a.endswith("LMHeadModel") for a in architectures):
        return "text-generation"
    if config.get("is_encoder_decoder") or any(
        a.endswith("ForConditionalGeneration") or a == "EncoderDecoderModel" for a in architectures
    ):
        return "translation"  # or summarization: the folder does not say; both generate text
    return None


def inference_max_length(folder: ModelFolder, tokenizer, model_config) -> int:
    """The training max_length when known, else the most the model and tokenizer take (at most 512)."""
    if folder.run_config.get("max_length"):
        return int(folder.run_config["max_length"])
    limit = min(512, getattr(tokenizer, "model_max_length", 512) or 512)
    positions = getattr(model_config, "max_position_embeddings", None)
    return min(limit, positions) if positions else limit
