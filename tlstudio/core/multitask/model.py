"""One shared encoder, one standard transformers model per sub-task.

Each sub-task gets the model its task would train alone
(``AutoModelForSequenceClassification``, ``AutoModelForTokenClassification``)
and all of them use the first one's encoder modules: the same embeddings and
transformer layers, by reference.  Each keeps its own head (and pooler), so a
sub-task's model is exported with its own ``save_pretrained`` as a normal
model folder.  The joint model's state dict lists every shared tensor once
(safetensors refuses shared tensors saved under two names), and loading
accepts that.

``joint/`` (written at the end of a run) holds the joint weights, the tokenizer
and ``multitask.json`` describing each head; passed as ``--backbone`` to a new
multi-task run it restores the encoder and every head whose sub-task has the
same name, type and labels.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import BackboneError

JOINT_FOLDER = "joint"
JOINT_FILE = "multitask.json"
JOINT_FORMAT = "tlstudio-multitask/1"
WEIGHTS = "model.safetensors"


class MultiTaskModel(nn.Module):
    """Routes each batch (``task_id``) to its sub-task's model; the loss is weighted per sub-task in training."""

    # The sub-task models compute a per-batch mean loss: see training/trainer.py loss_uses_item_count.
    accepts_loss_kwargs = False

    def __init__(self, models: dict[str, nn.Module], weights: dict[str, float], loss_functions: dict):
        super().__init__()
        self.names = list(models)
        self.tasks = nn.ModuleDict(models)
        self.shared = share_encoder([models[name] for name in self.names])
        self.weights = dict(weights)
        self.loss_functions = {name: fn for name, fn in loss_functions.items() if fn is not None}
        self._duplicates = _duplicate_names(self)

    def forward(self, task_id, labels=None, **inputs):
        name = self.names[int(task_id)]
        model = self.tasks[name]
        loss_function = self.loss_functions.get(name)
        if loss_function is not None and labels is not None:
            outputs = model(**inputs)
            loss = loss_function(outputs, labels)
        else:
            outputs = model(**inputs, labels=labels)
            loss = outputs.loss
        if loss is not None and self.training:
            loss = loss * self.weights[name]
        return type(outputs)(loss=loss, logits=outputs.logits)

    def model(self, name: str):
        return self.tasks[name]

    def state_dict(self, *args, **kwargs):
        state = super().state_dict(*args, **kwargs)
        prefix = kwargs.get("prefix", "")
        for name in self._duplicates:
            state.pop(prefix + name, None)
        return state

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        result = super().load_state_dict(state_dict, strict=False, assign=assign)
        missing = [k for k in result.missing_keys if k not in self._duplicates]
        if strict and (missing or result.unexpected_keys):
            raise RuntimeError(
                f"joint weights do not fit: missing {missing[:5]}, unexpected {result.unexpected_keys[:5]}"
            )
        return type(result)(missing, result.unexpected_keys)


def share_encoder(models: list[nn.Module]) -> list[str]:
    """Make every model use the first one's encoder modules (all but the pooler); the shared names."""
    owner = models[0].base_model
    shared = [name for name, _ in owner.named_children() if name != "pooler"]
    for other in models[1:]:
        base = other.base_model
        if type(base) is not type(owner):
            raise BackboneError("the sub-task models do not share one architecture.")
        for name in shared:
            setattr(base, name, getattr(owner, name))
    return shared


def _duplicate_names(module: nn.Module) -> set[str]:
    """State-dict names of tensors already listed under an earlier name (the shared encoder)."""
    seen: set[int] = set()
    duplicates: set[str] = set()
    for name, tensor in itertools.chain(
        module.named_parameters(remove_duplicate=False), module.named_buffers(remove_duplicate=False)
    ):
        if id(tensor) in seen:
            duplicates.add(name)
        seen.add(id(tensor))
    return duplicates


def trainable_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def freeze_encoder(model: MultiTaskModel) -> None:
    """The 'frozen' strategy: only the heads (and poolers) learn."""
    owner = model.tasks[model.names[0]].base_model
    for name in model.shared:
        for parameter in getattr(owner, name).parameters():
            parameter.requires_grad = False


# ------------------------------------------------------------------ joint checkpoint
def is_joint_folder(path: str | Path) -> bool:
    return (Path(path).expanduser() / JOINT_FILE).is_file()


def save_joint(model: MultiTaskModel, tokenizer, folder: Path, heads: list[dict[str, Any]], base_model) -> None:
    """Joint weights (shared tensors once), tokenizer and a description of the heads, into ``folder``."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS), metadata={"format": "pt"})
    tokenizer.save_pretrained(folder)
    described = [{**head, "config": model.tasks[head["name"]].config.to_dict()} for head in heads]
    (folder / JOINT_FILE).write_text(
        json.dumps(
            {"format": JOINT_FORMAT, "base_model": base_model, "shared_modules": model.shared, "tasks": described},
            indent=2,
        ),
        encoding="utf-8",
    )


def read_joint(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder).expanduser()
    try:
        record = json.loads((folder / JOINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackboneError(f"{folder / JOINT_FILE} cannot be read ({exc}).") from None
    if record.get("format") != JOINT_FORMAT or not (folder / WEIGHTS).is_file():
        raise BackboneError(f"{folder} is not a tlstudio multi-task checkpoint (no {WEIGHTS} or unknown format).")
    return record


def models_from_joint(folder: Path, record: dict, wanted: list[dict[str, Any]]):
    """Sub-task models for ``wanted`` ({name, task, model_class, kwargs}) built on the joint encoder.

    Returns ``(models, restored, state)``: the models built from the checkpoint's configs, the
    sub-tasks whose head matches (same name, task and labels), and the joint weights renamed for a
    MultiTaskModel of ``wanted`` (the encoder, and those heads) to load non-strictly; the other
    heads start fresh on the trained encoder.
    """
    from safetensors.torch import load_file
    from transformers import AutoConfig

    by_name = {head["name"]: head for head in record["tasks"]}
    template = record["tasks"][0]["config"]
    models, restored = {}, []
    for want in wanted:
        kwargs = dict(want["kwargs"])
        kwargs.pop("ignore_mismatched_sizes", None)
        head = by_name.get(want["name"])
        same = head is not None and head["task"] == want["task"] and head.get("labels") == want["labels"]
        values = dict(head["config"] if same else template)
        values.pop("architectures", None)
        values.update(kwargs)
        model_type = values.pop("model_type")
        config = AutoConfig.for_model(model_type, **values)
        models[want["name"]] = want["model_class"].from_config(config)
        if same:
            restored.append(want["name"])
    state = load_file(str(Path(folder) / WEIGHTS))
    first = record["tasks"][0]["name"]
    prefix = models[wanted[0]["name"]].base_model_prefix
    shared = tuple(f"{prefix}.{name}." for name in record["shared_modules"])
    mapped: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        name, rest = key.split(".", 2)[1], key.split(".", 2)[2]
        if rest.startswith(shared):
            if name == first:
                mapped[f"tasks.{wanted[0]['name']}.{rest}"] = value
        elif name in restored:
            mapped[f"tasks.{name}.{rest}"] = value
    return models, restored, mapped
