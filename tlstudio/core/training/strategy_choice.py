"""What the ``auto`` strategy (the default) trains: LoRA adapters on a large generative model, else everything.

Fully fine-tuning a causal language model keeps four copies of every weight
(the weights, their gradients and AdamW's two moments: 16 bytes a parameter in
fp32), so a 1 B-parameter model needs 16 GB before its activations, more than
most workstation GPUs have.  LoRA trains well under 1 % of the weights and
reaches most of full fine-tuning's quality on such models, so above
:data:`LORA_ABOVE_PARAMETERS` ``auto`` picks it; smaller models (GPT-2 small,
the encoders the other tasks use) train in full.  A user who wants otherwise
chooses the strategy by name.

Resolved once when a run starts (``engine.train``), before the measured
defaults are filled in, so a LoRA run also gets LoRA's learning rate; run.json
records the strategy used.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

LORA_ABOVE_PARAMETERS = 500_000_000


def lora_by_default(task: str, parameters: int | None) -> bool:
    return task == "text-generation" and bool(parameters) and parameters > LORA_ABOVE_PARAMETERS


def backbone_parameters(folder: Path) -> int:
    """Parameters in a model folder, read from the safetensors headers (pickles: estimated from their size)."""
    from ..model_info import count_parameters

    parameters = count_parameters(folder)[0]
    if parameters:
        return parameters
    pickles = [p for p in folder.glob("*.bin") if p.is_file()]
    return sum(p.stat().st_size for p in pickles) // 4  # fp32; an fp16 pickle is under-counted, never over


def resolve_auto(config, *, allow_pickle: bool = False):
    """``(config with the strategy auto stands for, a sentence saying so or None)``."""
    if config.strategy != "auto":
        return config, None
    if config.task != "text-generation":
        return dataclasses.replace(config, strategy="full"), None
    from ..backbones import resolve_backbone

    parameters = backbone_parameters(resolve_backbone(config.backbone, allow_pickle=allow_pickle).path)
    if lora_by_default(config.task, parameters):
        return dataclasses.replace(config, strategy="lora"), (
            f"strategy auto: training LoRA adapters, because the backbone has {parameters / 1e9:.2f} B parameters "
            f"(more than {LORA_ABOVE_PARAMETERS / 1e6:.0f} M): full fine-tuning would need about "
            f"{16 * parameters / 1e9:.0f} GB for weights, gradients and optimizer state alone. Choose the 'full' "
            "strategy to train every weight."
        )
    return dataclasses.replace(config, strategy="full"), None
