"""Fine-tuning strategies: how much of the backbone a run trains, and how fast each part learns.

* ``full``: every weight trains (the default).
* ``frozen``: the backbone is frozen and only the task head learns (for a
  classifier, the pooler feeding the head too; for seq2seq, the encoder is
  frozen and the decoder trains).
* ``gradual``: the run is cut into ``gradual_stages`` equal parts; the first
  trains the head only, each next one also the next layers down, the last the
  whole backbone.  The stage is a function of the step, so a resumed run
  unfreezes exactly where an uninterrupted one would.
* ``llrd``: everything trains, but a layer ``k`` levels below the head learns
  at ``layer_lr_decay ** k`` times the rate (the embeddings slowest).
* ``lora``: the backbone is frozen and low-rank adapters (``peft``) learn
  beside its attention layers; the head and any weights that start untrained
  train fully.  At the end the adapters are merged into the weights, so the
  exported folder is a plain transformers model; the adapter alone is saved in
  ``adapter/`` beside it.

The engine calls :func:`apply` once the model is loaded and uses the returned
:class:`Plan` for the optimizer, the callbacks and the export.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..progress import Message

ADAPTER_FOLDER = "adapter"
_LAYER = re.compile(r"(?:^|\.)(?:layer|layers|block|h)\.(\d+)\.")


@dataclass
class Layout:
    """Where each backbone weight sits: depth 0 = embeddings, 1..layers = the transformer layers."""

    depth: dict[str, int]  # backbone parameter name -> depth
    layers: int
    head: list[str]  # parameters outside the backbone (task head, pooler, a decoder)


def layout(model) -> Layout:
    """Split a task model's weights into the pretrained backbone (by depth) and the rest."""
    prefix = _backbone_prefix(model)
    depth: dict[str, int] = {}
    head: list[str] = []
    found_layers: dict[str, int | None] = {}
    for name, _ in model.named_parameters():
        if prefix is None or not name.startswith(prefix) or ".pooler." in name:
            head.append(name)
            continue
        match = _LAYER.search(name[len(prefix) :])
        found_layers[name] = int(match.group(1)) if match else None
    layers = 1 + max((i for i in found_layers.values() if i is not None), default=-1)
    for name, index in found_layers.items():
        if index is not None:
            depth[name] = index + 1
        elif "embed" in name or "shared" in name:
            depth[name] = 0
        else:  # a final layer norm or the like: it belongs with the top layer
            depth[name] = layers
    return Layout(depth, layers, head)


def _backbone_prefix(model) -> str | None:
    """Name prefix of the pretrained encoder inside a task model (``bert.``, ``encoder.``...)."""
    if getattr(model.config, "is_encoder_decoder", False):
        encoder = model.get_encoder()
        for name, module in model.named_modules():
            if module is encoder and name:
                return name + "."
        return None
    base = getattr(model, "base_model_prefix", "")
    return base + "." if base and hasattr(model, base) else None


@dataclass
class Plan:
    """What a strategy needs from the engine, and what it reports about itself."""

    name: str
    model: Any
    layout: Layout
    lr_scale: dict[str, float] = field(default_factory=dict)  # parameter name -> learning-rate multiplier
    stages: list[set[str]] = field(default_factory=list)  # gradual: the backbone weights each stage trains
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        trainable, total = count_parameters(self.model)
        if self.stages:
            trainable = self.details["trainable_parameters_at_start"]
        return {
            "name": self.name,
            "trainable_parameters": trainable,
            "total_parameters": total,
            "trainable_share": round(trainable / max(1, total), 6),
            **self.details,
        }

    # -- optimizer -------------------------------------------------------------------
    def optimizer_groups(self, model, decay_names: set[str], learning_rate: float, weight_decay: float):
        """Parameter groups for the optimizer, or None for the Trainer's own (every trainable weight, one rate)."""
        if not self.lr_scale and not self.stages:
            return None
        groups: dict[tuple[float, bool], list] = {}
        for name, parameter in model.named_parameters():
            # Gradual unfreezing: weights frozen now are in the optimizer already, and join in when they
            # get gradients (the optimizer skips a weight without one).
            if not parameter.requires_grad and not self.stages:
                continue
            key = (self.lr_scale.get(name, 1.0), name in decay_names)
            groups.setdefault(key, []).append(parameter)
        return [
            {"params": params, "lr": learning_rate * scale, "weight_decay": weight_decay if decay else 0.0}
            for (scale, decay), params in sorted(groups.items(), key=lambda item: (-item[0][0], not item[0][1]))
        ]

    # -- callbacks -----------------------------------------------------------------
    def callbacks(self, sink) -> list:
        return [gradual_unfreezing(self, sink)] if self.stages else []

    def set_stage(self, stage: int) -> None:
        trainable = self.stages[stage]
        for name, parameter in self.model.named_parameters():
            if name in self.layout.depth:
                parameter.requires_grad_(name in trainable)

    # -- export ----------------------------------------------------------------------
    def finish(self, model, run_path: Path, tokenizer):
        """The model to report on and export: LoRA adapters saved alone, then merged into the weights."""
        if self.name != "lora":
            return model
        adapter = Path(run_path) / ADAPTER_FOLDER
        model.save_pretrained(str(adapter), safe_serialization=True)
        tokenizer.save_pretrained(str(adapter))
        (adapter / "README.md").write_text(_adapter_readme(model), encoding="utf-8")
        return model.merge_and_unload()


def count_parameters(model) -> tuple[int, int]:
    trainable = total = 0
    for parameter in model.parameters():
        total += parameter.numel()
        if parameter.requires_grad:
            trainable += parameter.numel()
    return trainable, total


def apply(model, config, sink) -> Plan:
    """Prepare ``model`` for ``config.strategy``; reports the trainable share through ``sink``."""
    name = config.strategy
    found = layout(model)
    if name != "full" and not found.depth:
        raise ConfigError(
            f"the '{name}' strategy cannot find the backbone's layers in this model ({type(model).__name__}).",
            "Use --strategy full with this backbone.",
        )
    plan = Plan(name, model, found)
    if name == "frozen":
        _freeze(model, found.depth)
    elif name == "llrd":
        top = found.layers + 1
        plan.lr_scale = {n: config.layer_lr_decay ** (top - d) for n, d in found.depth.items()}
        plan.details["layer_lr_decay"] = config.layer_lr_decay
        plan.details["lowest_rate_multiplier"] = round(config.layer_lr_decay**top, 6)
    elif name == "gradual":
        plan.stages = _stages(found, config.gradual_stages)
        plan.set_stage(0)
        plan.details["trainable_parameters_at_start"] = count_parameters(model)[0]
        plan.details["stages"] = config.gradual_stages
    elif name == "lora":
        plan.model = _lora(model, config, found)
        plan.details.update(_lora_details(plan.model, config))
    summary = plan.summary()
    trainable, total = summary["trainable_parameters"], summary["total_parameters"]
    what = {
        "full": "the whole model",
        "frozen": "the task head only (backbone frozen)",
        "gradual": f"the task head at first; the backbone unfreezes in {config.gradual_stages} stages",
        "llrd": f"the whole model, layer-wise learning-rate decay {config.layer_lr_decay:g}",
        "lora": f"LoRA adapters (rank {config.lora_rank}) and the task head",
    }[name]
    sink.emit(
        Message(
            "info",
            f"strategy {name}: training {what}: {trainable:,} of {total:,} parameters "
            f"({100 * trainable / max(1, total):.2f}%).",
        )
    )
    return plan


def _freeze(model, names) -> None:
    for name, parameter in model.named_parameters():
        if name in names:
            parameter.requires_grad_(False)


def _stages(found: Layout, count: int) -> list[set[str]]:
    """Backbone weights trained in each stage: none, then the top layers growing down, then all."""
    stages = [set()]
    for stage in range(1, count - 1):
        lowest = found.layers + 1 - math.ceil(stage * found.layers / (count - 1))
        stages.append({n for n, d in found.depth.items() if d >= max(1, lowest)})
    stages.append(set(found.depth))
    return stages


def gradual_unfreezing(plan: Plan, sink):
    """A TrainerCallback that unfreezes the next stage's layers when the run reaches it."""
    from transformers import TrainerCallback

    class GradualUnfreezing(TrainerCallback):
        def __init__(self):
            self.stage = 0

        def _apply(self, state, announce: bool) -> None:
            stage = min(len(plan.stages) - 1, state.global_step * len(plan.stages) // max(1, state.max_steps))
            if stage == self.stage:
                return
            plan.set_stage(stage)
            self.stage = stage
            if announce:
                trainable, total = count_parameters(plan.model)
                sink.emit(
                    Message(
                        "info",
                        f"gradual unfreezing: stage {stage + 1} of {len(plan.stages)} from step "
                        f"{state.global_step}, {trainable:,} of {total:,} parameters train.",
                    )
                )

        def on_train_begin(self, args, state, control, **kwargs):
            self._apply(state, announce=False)  # a resumed run starts in its stage

        def on_step_begin(self, args, state, control, **kwargs):
            self._apply(state, announce=True)

    return GradualUnfreezing()


# ------------------------------------------------------------------------------ LoRA


# Architectures peft has no default for.
_MORE_TARGETS = {
    "distilbert": ["q_lin", "v_lin"],
    "mpnet": ["q", "v"],
    "albert": ["query", "value"],
    "camembert": ["query", "value"],
    "marian": ["q_proj", "v_proj"],
    "mbart": ["q_proj", "v_proj"],
}


def default_target_modules(model_config) -> list[str]:
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as TARGETS

    model_type = getattr(model_config, "model_type", None)
    if model_type == "encoder-decoder":
        model_type = getattr(model_config.encoder, "model_type", None)
    targets = TARGETS.get(model_type) or _MORE_TARGETS.get(model_type)
    if not targets or isinstance(targets, str):
        raise ConfigError(
            f"tlstudio has no default LoRA layers for a '{model_type}' backbone.",
            "Name the layers to adapt with --lora-target-modules (e.g. query,value).",
        )
    return list(targets)


def _lora(model, config, found: Layout):
    from peft import LoraConfig, TaskType, get_peft_model

    targets = [t.strip() for t in (config.lora_target_modules or "").split(",") if t.strip()] or default_target_modules(
        model.config
    )
    # Weights that start untrained (the task head; a warm-started decoder's cross-attention) cannot
    # be adapted by a low-rank update of random values: they train in full.
    fresh = _untrained_modules(model, found)
    target: Any = targets
    if any("crossattention" in name for name in fresh):
        target = r"^(?!.*crossattention).*\.(" + "|".join(map(re.escape, targets)) + r")$"
    task_type = {"ForSequenceClassification": TaskType.SEQ_CLS, "ForTokenClassification": TaskType.TOKEN_CLS}
    kind = next((t for suffix, t in task_type.items() if type(model).__name__.endswith(suffix)), None)
    if kind is None and getattr(model.config, "is_encoder_decoder", False):
        kind = TaskType.SEQ_2_SEQ_LM
    from transformers.pytorch_utils import Conv1D

    # GPT-2-style Conv1D layers store their weight transposed; peft must be told, or it warns and guesses.
    transposed = any(
        isinstance(module, Conv1D) and name.rsplit(".", 1)[-1] in targets for name, module in model.named_modules()
    )
    lora = LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=target,
        modules_to_save=fresh or None,
        task_type=kind,
        fan_in_fan_out=transposed,
    )
    try:
        with warnings.catch_warnings():
            # peft asks transformers about gradient checkpointing through a name deprecated in v5.
            warnings.simplefilter("ignore", FutureWarning)
            return get_peft_model(model, lora)
    except ValueError as exc:
        raise ConfigError(
            f"LoRA could not be applied: {exc}", "Check --lora-target-modules against the backbone's layer names."
        ) from None


def _untrained_modules(model, found: Layout) -> list[str]:
    """Names of the modules outside the pretrained encoder that must train in full."""
    names = set()
    for name in found.head:
        parts = name.split(".")
        if "crossattention" in parts:
            names.add("crossattention")
        elif "pooler" in parts:
            names.add("pooler")
        elif len(parts) == 2:  # a top-level head such as classifier.weight
            names.add(parts[0])
    if getattr(model.config, "is_encoder_decoder", False):
        names.discard("pooler")  # a warm-started encoder's pooler is never used by the decoder
        names.discard("lm_head")  # tied to the embeddings in most seq2seq models; the decoder's LoRA adapts it
        names.discard("shared")
    return sorted(names)


def _lora_details(model, config) -> dict[str, Any]:
    peft_config = model.peft_config["default"]
    targets = peft_config.target_modules
    return {
        "lora_rank": config.lora_rank,
        "lora_alpha": config.lora_alpha,
        "lora_dropout": config.lora_dropout,
        "lora_target_modules": sorted(targets) if isinstance(targets, (set, list)) else str(targets),
        "fully_trained_modules": sorted(set(peft_config.modules_to_save or [])),
        "adapter_folder": ADAPTER_FOLDER,
    }


def _adapter_readme(model) -> str:
    peft_config = model.peft_config["default"]
    base = type(model.get_base_model()).__name__
    return "\n".join(
        [
            "# LoRA adapter",
            "",
            "The adapter alone, as trained by tlstudio. The folder above holds the same model with the adapter merged "
            "into its weights, which is what most people want: it loads with `pipeline()` and needs no peft.",
            "",
            f"- Base model: `{peft_config.base_model_name_or_path}` (class `{base}`)",
            f"- Rank {peft_config.r}, alpha {peft_config.lora_alpha}, dropout {peft_config.lora_dropout}",
            f"- Layers trained in full and stored here too: {', '.join(sorted(set(peft_config.modules_to_save or []))) or 'none'}",
            "",
            "```python",
            "from peft import PeftModel",
            f"from transformers import {base}",
            "",
            f'base = {base}.from_pretrained("BASE_MODEL"'
            + (", num_labels=NUM_LABELS)" if "Classification" in base else ")"),
            'model = PeftModel.from_pretrained(base, "adapter")',
            "```",
            "",
        ]
    )
