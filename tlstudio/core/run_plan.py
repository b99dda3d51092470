"""What a run will be before it starts: the strategy ``auto`` stands for, the sequence length batches really
reach, the memory at its peak and the disk it takes.

Decided here once, so the Model page and ``tlstudio train --dry-run`` show the
same figures for the same settings (they used to be worked out in the page,
and the command line had none).  Nothing here trains or loads a model: the
backbone is described from its files (``model_info``), the data's token
lengths are measured with its tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .memory_estimate import MemoryEstimate
from .model_info import ModelInfo, format_bytes

FP32 = 4


@dataclass(frozen=True)
class RunPlan:
    strategy: str  # what 'auto' resolves to, or the strategy chosen
    sequence_length: int  # the longest batch: max length, or the longest text when that is shorter
    device: str  # 'cpu', 'cuda:0'
    device_name: str
    precision: str  # resolved: fp32, bf16, fp16
    estimate: MemoryEstimate | None  # None: no estimate for this architecture (a CNN) or an unknown size
    memory_warning: str | None = None  # the estimate comes near or above the device's memory
    disk_during: int | None = None  # bytes: checkpoints kept while training plus the finished model
    disk_after: int | None = None  # bytes left once the run has finished (checkpoints deleted unless kept)
    notes: tuple[str, ...] = field(default_factory=tuple)
    no_estimate: str = ""  # why there is no estimate

    def to_dict(self) -> dict[str, Any]:
        estimate = None
        if self.estimate is not None:
            estimate = {"total_bytes": self.estimate.total, **{name: size for name, size in self.estimate.parts()}}
        return {
            "strategy": self.strategy,
            "sequence_length": self.sequence_length,
            "device": self.device,
            "device_name": self.device_name,
            "precision": self.precision,
            "memory": estimate,
            "memory_warning": self.memory_warning,
            "disk_during_bytes": self.disk_during,
            "disk_after_bytes": self.disk_after,
            "notes": list(self.notes),
            "no_estimate": self.no_estimate,
        }

    def lines(self) -> list[str]:
        """The plan in plain words, one line each (the CLI prints these)."""
        where = "GPU memory" if self.device.startswith("cuda") else "RAM"
        lines = [
            f"strategy: {self.strategy}",
            f"device: {self.device_name} in {self.precision}",
            f"longest batch: {self.sequence_length} tokens",
        ]
        if self.estimate is None:
            lines.append(f"memory: {self.no_estimate or 'no estimate'}")
        else:
            lines.append(f"memory: about {format_bytes(self.estimate.total)} of {where} at the peak")
            width = max(len(name) for name, _ in self.estimate.parts())
            lines += [f"  {name:{width}} {format_bytes(size):>10}" for name, size in self.estimate.parts()]
        if self.memory_warning:
            lines.append(f"warning: this run {self.memory_warning}")
        if self.disk_during is not None:
            lines.append(
                f"disk: about {format_bytes(self.disk_during)} while training, "
                f"{format_bytes(self.disk_after or 0)} once finished"
            )
        lines += [f"note: {note}" for note in self.notes]
        return lines


def measured_column(config) -> str | None:
    """The column whose token lengths decide truncation (and the longest batch) for the task."""
    from .tasks import find_task

    task = find_task(config.task)
    return getattr(config, task.length_field if task is not None else "text_column")


def measure_lengths(backbone: str, frame, column: str, cancel=None):
    """Token lengths of ``column`` with ``backbone``'s tokenizer (a sample of a big table)."""
    from .backbones import load_tokenizer, resolve_backbone
    from .data.token_stats import SAMPLE_LIMIT, measure_token_lengths

    tokenizer = load_tokenizer(resolve_backbone(backbone).path)
    texts = frame[column]
    filled = int(texts.notna().sum())
    sampled = len(texts) > SAMPLE_LIMIT
    if sampled:
        # Sample rows before turning them into Python strings: a million-row tolist() holds the GIL long enough
        # to freeze the app's window.
        texts = texts.sample(SAMPLE_LIMIT, random_state=0)
    # Token lists (entity tagging) are measured as the sentence they spell.
    values = [" ".join(map(str, v)) if isinstance(v, list) else v for v in texts.tolist()]
    if sampled:
        return measure_token_lengths(tokenizer, values, cancel=cancel, total_rows=filled)
    return measure_token_lengths(tokenizer, values, cancel=cancel)


def devices() -> list[dict]:
    """Every device a run could use, with its memory (the CPU's is the machine's RAM)."""
    from .memory_estimate import total_memory
    from .hardware import available_devices

    found = available_devices()
    for device in found:
        if device["id"] == "cpu":
            device["memory_bytes"] = total_memory()
    return found


def resolve_device(found: list[dict], wanted: str = "auto") -> dict | None:
    """The device a run would use, as ``hardware.choose_device`` decides it: 'auto' is the first usable
    GPU, else the CPU; 'cuda' is cuda:0; a device that is missing or unusable falls back to the CPU."""
    cpu = next((d for d in found if d["id"] == "cpu"), None)
    usable = [d for d in found if d["id"] != "cpu" and d.get("usable", True)]
    if wanted == "auto":
        return usable[0] if usable else cpu
    wanted = "cuda:0" if wanted == "cuda" else wanted
    return next((d for d in usable if d["id"] == wanted), cpu)


def resolve_precision(device: dict | None, wanted: str = "auto") -> str:
    """'auto' is bf16 where the device runs it, fp16 on a GPU without it, else fp32; a precision the device
    lacks falls back to that choice, as training does."""
    supported = device["precisions"] if device else ["fp32"]
    on_gpu = bool(device) and device["id"] != "cpu"
    best = "bf16" if "bf16" in supported else "fp16" if "fp16" in supported and on_gpu else "fp32"
    return wanted if wanted != "auto" and wanted in supported else best


def plan_run(
    config, info: ModelInfo | None, *, device: dict | None, precision: str, token_lengths=None, no_info_reason: str = ""
) -> RunPlan:
    """The plan for ``config`` on ``device`` in ``precision`` (both resolved), with the data's token lengths when
    they are known."""
    from .memory_estimate import estimate_training_memory, fits, lora_trainable_parameters, training_shape
    from .training.strategy_choice import LORA_ABOVE_PARAMETERS, lora_by_default

    device = device or {"id": "cpu", "name": "CPU"}
    notes: list[str] = []
    length = config.max_length
    if token_lengths is not None and token_lengths.longest and token_lengths.longest < config.max_length:
        length = token_lengths.longest
        notes.append(
            f"The longest text is {token_lengths.longest} tokens, so batches never reach max length "
            f"{config.max_length}."
        )
    base = dict(
        sequence_length=length, device=device["id"], device_name=device.get("name", device["id"]), precision=precision
    )
    if info is None or info.dims is None:
        strategy = "full" if config.strategy == "auto" else config.strategy
        reason = no_info_reason or (
            "no estimate for this architecture: the estimate covers transformer models only"
            if info is not None
            else "no estimate: the backbone's size is not known"
        )
        return RunPlan(strategy=strategy, estimate=None, notes=tuple(notes), no_estimate=reason, **base)
    dims, parameters = training_shape(info.dims, info.parameters or 0, config.task)
    strategy = config.strategy
    if strategy == "auto":
        strategy = "lora" if lora_by_default(config.task, parameters) else "full"
        if strategy == "lora":
            notes.append(
                f"Strategy auto trains LoRA adapters on this backbone: it has more than "
                f"{LORA_ABOVE_PARAMETERS / 1e6:.0f} M parameters (choose 'full' to train every weight)."
            )
    trainable = lora_trainable_parameters(dims, config.lora_rank) if strategy == "lora" else None
    estimate = estimate_training_memory(
        dims,
        parameters,
        batch_size=config.batch_size,
        sequence_length=length,
        device=device["id"],
        precision=precision,
        trainable_parameters=trainable,
    )
    during, after = disk_needed(
        parameters, trainable if trainable is not None else (0 if strategy == "frozen" else parameters), config
    )
    return RunPlan(
        strategy=strategy,
        estimate=estimate,
        memory_warning=fits(estimate, device.get("memory_bytes")),
        disk_during=during,
        disk_after=after,
        notes=tuple(notes),
        **base,
    )


def disk_needed(parameters: int, trainable: int, config) -> tuple[int, int]:
    """Bytes on disk while training and after: each checkpoint holds the weights and AdamW's two moments of the
    trained ones; the newest ``save_total_limit`` and the best are kept until the run ends; the finished model
    is the weights in fp32 safetensors. Finished runs delete their checkpoints unless asked to keep them."""
    weights = parameters * FP32
    checkpoint = weights + 2 * trainable * FP32
    during = checkpoint * (config.save_total_limit + 1) + weights
    after = weights + (checkpoint * (config.save_total_limit + 1) if config.keep_checkpoints else 0)
    return during, after


def plan_for_config(config, cancel=None) -> RunPlan:
    """The plan for a config as the command line has it (``tlstudio train --dry-run``): the backbone described
    from its files, the device and precision resolved, the data's token lengths measured."""
    from .backbones import ALIASES, CONVERTED, resolve_backbone
    from .model_info import describe_model_folder

    name = config.backbone.strip().lower()
    info, reason = None, ""
    if ALIASES.get(name, name) in CONVERTED:
        reason = "no estimate for this architecture: the estimate covers transformer models only"
    else:
        backbone = resolve_backbone(config.backbone)
        info = describe_model_folder(backbone.path, license=backbone.license)
    found = devices()
    device = resolve_device(found, config.device)
    lengths = None
    if info is not None and info.dims is not None and config.data:
        lengths = _data_lengths(config, cancel)
    return plan_run(
        config,
        info,
        device=device,
        precision=resolve_precision(device, config.precision),
        token_lengths=lengths,
        no_info_reason=reason,
    )


def _data_lengths(config, cancel):
    from .data.image_tables import read_image_data
    from .tasks.column_roles import suggest_roles

    table = read_image_data(config.data, sheet=config.sheet)
    column = measured_column(config)
    if not column:
        from .tasks import find_task
        from .tasks.text_classification import mode_name

        task = find_task(config.task)
        # The role the core's suggestions give the measured column (tokens, a source, a text).
        role = task.column_roles.get(task.length_field, "text") if task is not None else "text"
        suggestion = suggest_roles(table.frame, config.task, mode_name(config)).get(role)
        column = suggestion.column if suggestion is not None else None
    if not column or column not in table.frame.columns:
        return None
    return measure_lengths(config.backbone, table.frame, column, cancel=cancel)
