"""Which device a run uses and in which number format.

'auto' picks a GPU when torch can use one, and the fastest precision the
hardware runs natively: bf16 on GPUs that have it (Ampere and newer) and on
CPUs with bf16 matrix instructions (AVX512-BF16 or AMX), fp16 on older GPUs,
else fp32.  On a CPU without native bf16, bf16 is emulated and slower than
fp32, so it is not chosen there.

A GPU torch cannot use (a driver too old for the installed CUDA build, or a
card older than the build supports) is never picked: the run falls back to
the CPU and says why.  Precisions a device cannot run are not offered.

A leaf beside the core's other leaves, not inside ``training/``: prediction picks its device here too,
and predictors sit below training.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ConfigError


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
    """Every device a run could use, for the app's device picker.

    A GPU torch cannot use is listed with ``usable: False``, a ``reason`` and
    no precisions, so the picker can show it greyed out with the reason.
    """
    import torch

    devices = [
        {
            "id": "cpu",
            "name": f"CPU ({torch.get_num_threads()} threads)",
            "precisions": _cpu_precisions(),
            "usable": True,
        }
    ]
    cuda_ok, _ = _cuda_available()
    if cuda_ok:
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            problem = gpu_problem(index)
            precisions = [] if problem else ["fp32", "fp16"] + (["bf16"] if torch.cuda.is_bf16_supported() else [])
            devices.append(
                {
                    "id": f"cuda:{index}",
                    "name": f"{props.name} (cuda:{index}, {props.total_memory / 2**30:.0f} GiB)",
                    "precisions": precisions,
                    "memory_bytes": props.total_memory,
                    "usable": problem is None,
                    "reason": problem,
                }
            )
    return devices


def _cuda_available() -> tuple[bool, str | None]:
    """Whether torch can use CUDA, and torch's own explanation when a GPU is there but unusable."""
    import warnings

    import torch

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ok = torch.cuda.is_available()
    # torch warns (rather than fails) when a driver exists but is too old or broken.
    reasons = [str(w.message).strip().splitlines()[0] for w in caught if "CUDA" in str(w.message)]
    return ok, (reasons[0] if reasons and not ok else None)


def gpu_problem(index: int) -> str | None:
    """Why torch cannot run on GPU ``index`` (None when it can): its build lacks kernels for the card, or a
    first tiny computation fails."""
    import torch

    major, minor = torch.cuda.get_device_capability(index)
    built_for = torch.cuda.get_arch_list()
    if built_for and not _arch_supported(major, minor, built_for):
        return (
            f"this torch build supports GPUs of compute capability {_arch_range(built_for)}, and "
            f"{torch.cuda.get_device_name(index)} is {major}.{minor}"
        )
    try:
        torch.ones(1, device=f"cuda:{index}").add_(1).item()
    except RuntimeError as exc:
        return f"a first computation on it failed ({str(exc).strip().splitlines()[0]})"
    return None


def _arch_supported(major: int, minor: int, arch_list: list[str]) -> bool:
    for arch in arch_list:
        kind, _, digits = arch.partition("_")
        if not digits.isdigit():
            continue
        a_major, a_minor = int(digits[:-1]), int(digits[-1])
        if kind == "sm" and a_major == major and a_minor <= minor:
            return True  # same-generation binaries run on later minor revisions
        if kind == "compute" and (a_major, a_minor) <= (major, minor):
            return True  # PTX is compiled for newer cards at load time
    return False


def _arch_range(arch_list: list[str]) -> str:
    versions = sorted({a.partition("_")[2] for a in arch_list if a.partition("_")[2].isdigit()}, key=int)
    shown = [f"{v[:-1]}.{v[-1]}" for v in versions]
    return f"{shown[0]} to {shown[-1]}" if shown else "unknown"


def _cpu_precisions() -> list[str]:
    return ["fp32", "bf16"] if cpu_has_native_bf16() else ["fp32"]


def choose_device(device: str = "auto", precision: str = "auto") -> DeviceChoice:
    import torch

    notes: list[str] = []
    cuda_ok, why_not = _cuda_available()
    if device == "auto":
        if cuda_ok:
            device = "cuda:0"
        elif why_not:
            notes.append(f"a GPU seems to be present but torch cannot use it ({why_not}); training on the CPU.")
            device = "cpu"
        else:
            device = "cpu"
    elif device.startswith("cuda"):
        index = int(device.split(":")[1]) if ":" in device else 0
        if not cuda_ok:
            detail = f" ({why_not})" if why_not else ""
            notes.append(
                f"{device} was asked for but torch cannot use a GPU here{detail}; training on the CPU instead."
            )
            device = "cpu"
        elif index >= torch.cuda.device_count():
            raise ConfigError(f"device {device} does not exist; this machine has {torch.cuda.device_count()} GPU(s).")
        else:
            device = f"cuda:{index}"
    if device.startswith("cuda"):
        problem = gpu_problem(int(device.split(":")[1]))
        if problem:
            notes.append(
                f"{device} cannot be used: {problem}. Training on the CPU instead; installing a torch "
                "build that matches this GPU and its driver would make it usable."
            )
            device = "cpu"
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
