"""Which device a run uses and in which number format.

'auto' picks a GPU when torch can use one, and the fastest precision the
hardware runs natively: bf16 on GPUs that have it (Ampere and newer) and on
CPUs with bf16 matrix instructions (AVX512-BF16 or AMX), fp16 on older GPUs,
else fp32.  On a CPU without native bf16, bf16 is emulated and slower than
fp32, so it is not chosen there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class DeviceChoice:
    device: str  # "cpu", "cuda:0", "mps"
    precision: str  # "fp32" | "bf16" | "fp16"
    name: str  # human-readable, e.g. "NVIDIA H100 (cuda:0)" or "CPU (16 threads)"
    notes: tuple[str, ...] = ()


def cpu_has_native_bf16() -> bool:
    import torch

    capability = str(torch.backends.cpu.get_cpu_capability()).upper()
    return "AMX" in capability or "BF16" in capability


def available_devices() -> list[dict]:
    """Every device a run could use, for the app's device picker."""
    import torch

    devices = [{"id": "cpu", "name": f"CPU ({torch.get_num_threads()} threads)", "precisions": _cpu_precisions()}]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            precisions = ["fp32", "fp16"] + (["bf16"] if torch.cuda.is_bf16_supported() else [])
            devices.append({
                "id": f"cuda:{index}",
                "name": f"{props.name} (cuda:{index}, {props.total_memory / 2**30:.0f} GiB)",
                "precisions": precisions,
                "memory_bytes": props.total_memory,
            })
    return devices


def _cpu_precisions() -> list[str]:
    return ["fp32", "bf16"] if cpu_has_native_bf16() else ["fp32"]


def choose_device(device: str = "auto", precision: str = "auto") -> DeviceChoice:
    import torch

    notes: list[str] = []
    cuda_ok = torch.cuda.is_available()
    if device == "auto":
        device = "cuda:0" if cuda_ok else "cpu"
    elif device.startswith("cuda"):
        index = int(device.split(":")[1]) if ":" in device else 0
        if not cuda_ok:
            notes.append(f"{device} was asked for but torch cannot use a GPU here; training on the CPU instead.")
            device = "cpu"
        elif index >= torch.cuda.device_count():
            raise ConfigError(f"device {device} does not exist; this machine has {torch.cuda.device_count()} GPU(s).")
        else:
            device = f"cuda:{index}"
    elif device == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        notes.append("mps was asked for but is not available; training on the CPU instead.")
        device = "cpu"

    if device.startswith("cuda"):
        bf16 = torch.cuda.is_bf16_supported()
        supported = ("fp32", "fp16", "bf16") if bf16 else ("fp32", "fp16")
        best = "bf16" if bf16 else "fp16"
        props = torch.cuda.get_device_properties(int(device.split(":")[1]))
        name = f"{props.name} ({device})"
    elif device == "mps":
        supported, best, name = ("fp32",), "fp32", "Apple GPU (mps)"
    else:
        supported = tuple(_cpu_precisions())
        best = "bf16" if "bf16" in supported else "fp32"
        name = f"CPU ({torch.get_num_threads()} threads)"
    if precision == "auto":
        precision = best
    elif precision not in supported:
        notes.append(f"{precision} is not supported on {name}; using {best} instead.")
        precision = best
    return DeviceChoice(device, precision, name, tuple(notes))
