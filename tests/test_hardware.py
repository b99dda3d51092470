"""No GPU, or a GPU the installed torch cannot use: the run falls back to the CPU and says why."""

from __future__ import annotations

import warnings

import pytest

from helpers import tiny_config, write_sentiment_csv
from tlstudio.core.progress import ListSink, Message, RunStarted
from tlstudio.core import hardware


@pytest.fixture
def fake_gpu(monkeypatch):
    """torch believes there is one GPU; tests then say what kind."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Old Card")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)

    class Props:
        name = "Old Card"
        total_memory = 4 * 2**30

    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index=0: Props())
    arches = ["sm_50", "sm_60", "sm_70", "sm_80", "sm_90", "compute_90"]
    monkeypatch.setattr(torch.cuda, "get_arch_list", lambda: arches)
    return monkeypatch


def test_a_gpu_older_than_the_torch_build_falls_back_to_cpu(fake_gpu):
    import torch

    fake_gpu.setattr(torch.cuda, "get_device_capability", lambda index=0: (3, 5))
    for asked in ("auto", "cuda", "cuda:0"):
        choice = hardware.choose_device(asked, "auto")
        assert choice.device == "cpu"
        assert "compute capability 5.0 to 9.0" in choice.notes[0] and "3.5" in choice.notes[0]
    [cpu, gpu] = hardware.available_devices()
    assert cpu["usable"] and not gpu["usable"] and gpu["precisions"] == [] and "3.5" in gpu["reason"]


def test_a_gpu_that_fails_its_first_computation_falls_back_to_cpu(fake_gpu):
    import torch

    fake_gpu.setattr(torch.cuda, "get_device_capability", lambda index=0: (8, 6))  # sm_80 binaries run on 8.6
    real_ones = torch.ones

    def ones(*args, device=None, **kwargs):
        if device is not None and str(device).startswith("cuda"):
            raise RuntimeError("CUDA error: no kernel image is available for execution on the device")
        return real_ones(*args, device=device, **kwargs)

    fake_gpu.setattr(torch, "ones", ones)
    choice = hardware.choose_device("auto", "auto")
    assert choice.device == "cpu" and "no kernel image" in choice.notes[0]


def test_a_usable_gpu_is_chosen(fake_gpu):
    import torch

    fake_gpu.setattr(torch.cuda, "get_device_capability", lambda index=0: (9, 0))
    fake_gpu.setattr(hardware, "gpu_problem", lambda index: None)
    choice = hardware.choose_device("auto", "bf16")
    assert choice.device == "cuda:0" and choice.precision == "fp16"  # bf16 is not offered on this card
    assert "bf16 is not supported" in choice.notes[0]


def test_a_driver_torch_cannot_use_is_explained(monkeypatch):
    import torch

    def unavailable():
        warnings.warn("CUDA initialization: The NVIDIA driver on your system is too old (found version 10010).")
        return False

    monkeypatch.setattr(torch.cuda, "is_available", unavailable)
    choice = hardware.choose_device("auto", "auto")
    assert choice.device == "cpu" and "driver on your system is too old" in choice.notes[0]


def test_precisions_the_cpu_lacks_are_neither_offered_nor_used():
    [cpu, *_] = hardware.available_devices()
    assert "fp16" not in cpu["precisions"]
    choice = hardware.choose_device("cpu", "fp16")
    assert choice.precision in cpu["precisions"] and "fp16 is not supported" in choice.notes[0]


def test_training_asked_for_a_gpu_on_a_machine_without_one_runs_on_the_cpu(tmp_path, tiny_backbone, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)
    sink = ListSink()
    from tlstudio.core.training.engine import train

    result = train(tiny_config(data, tmp_path / "run", tiny_backbone, device="cuda", max_steps=2, batch_size=8), sink)
    assert result.status == "completed"
    assert sink.of_type(RunStarted)[0].device.startswith("CPU")
    assert any("training on the CPU instead" in m.text for m in sink.of_type(Message))
