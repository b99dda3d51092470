"""Damaged or hostile model files and checkpoints: one plain ``error:`` line (exit 2), never a traceback.

Model folders: a cut-short or junk ``model.safetensors``, a corrupt ``tokenizer.json``, odd ``config.json``
contents, and ``auto_map`` (a pointer to remote code) in a tokenizer or processor config, whether the folder
is a backbone (``tlstudio train --backbone``) or a trained model (``predict``/``evaluate``/``export``).

Checkpoints: a resume passes over a checkpoint whose pickles carry a payload (torch's weights-only loader
refuses them; tlstudio must say which file, never suggest turning that loader off) or whose weights or
trainer state are damaged, and continues from the newest intact one with a warning saying so.

A backbone whose own weights hold NaN makes the loss NaN at once: the stop names the tensor instead of
advising a lower learning rate.

The session fixtures (``tiny_backbone``, ``trained_run``) are shared: every test damages a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import cli_in_process, tiny_config, write_sentiment_csv
from tlstudio.core.errors import DamagedModelError, UnsafeModelError
from tlstudio.core.progress import CancelToken, ListSink, Message, RunStarted, StepEnded
from tlstudio.core.training import checkpoints, resume_point

# 48 rows -> 43 training rows; batch 8 -> 6 steps per epoch, 12 in all.
FAST = dict(epochs=2, batch_size=8, logging_steps=1, device="cpu", precision="fp32", checkpoint_steps=2)


class _Payload:
    """Unpickling this opens (creates) the marker file: a stand-in for any code an attacker wants run."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def main_in_process(argv) -> int:
    return cli_in_process(argv)


def refused(capsys, argv) -> str:
    """Run ``tlstudio ARGV``; it must exit 2 with exactly one ``error:`` line and no traceback. Returns the line."""
    code = main_in_process(argv)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "Traceback" not in out + err and "weights_only=False" not in out + err
    assert "unexpected problem" not in err
    [line] = [text for text in err.splitlines() if text.startswith("error:")]
    return line


@pytest.fixture
def backbone(tmp_path, tiny_backbone) -> Path:
    return Path(shutil.copytree(tiny_backbone, tmp_path / "backbone"))


@pytest.fixture
def model(tmp_path, trained_run) -> Path:
    """A copy of the trained run's model folder (its checkpoints left out)."""
    return Path(shutil.copytree(trained_run, tmp_path / "model", ignore=shutil.ignore_patterns("checkpoints")))


@pytest.fixture
def data(tmp_path) -> Path:
    return write_sentiment_csv(tmp_path / "reviews.csv", rows=48)


def edit_json(file: Path, change) -> None:
    value = json.loads(file.read_text())
    value = change(value)
    file.write_text(json.dumps(value))


def truncate(file: Path, keep: float = 0.8) -> None:
    content = file.read_bytes()
    file.write_bytes(content[: int(len(content) * keep)])


# What each damage does to a model folder, and a fragment of the one error line it must give.
DAMAGE = {
    "weights cut short": (lambda f: truncate(f / "model.safetensors"), "model.safetensors is damaged: it is cut short"),
    "weights header cut short": (lambda f: truncate(f / "model.safetensors", 0.001), "model.safetensors is damaged"),
    "weights junk": (
        lambda f: (f / "model.safetensors").write_bytes(b"not safetensors at all " * 50),
        "model.safetensors is damaged",
    ),
    "tokenizer.json not JSON": (
        lambda f: truncate(f / "tokenizer.json", 0.5),
        "tokenizer.json is damaged: it is not valid JSON",
    ),
    "tokenizer.json not a tokenizer": (lambda f: (f / "tokenizer.json").write_text("{}"), "the tokenizer in"),
    "config.json a list": (
        lambda f: (f / "config.json").write_text("[1, 2]"),
        "config.json does not hold a JSON object (it holds a list)",
    ),
    "config.json wrong type": (
        lambda f: edit_json(f / "config.json", lambda c: {**c, "hidden_size": "big"}),
        "config.json is not a usable model config: Validation error for field 'hidden_size'",
    ),
    "config.json unknown model_type": (
        lambda f: edit_json(f / "config.json", lambda c: {**c, "model_type": "nonsuch"}),
        "config.json names the architecture 'nonsuch' (model_type)",
    ),
    "config.json no model_type": (
        lambda f: edit_json(f / "config.json", lambda c: {k: v for k, v in c.items() if k != "model_type"}),
        "config.json does not say which architecture the model is",
    ),
    "config.json architectures a number": (
        lambda f: edit_json(f / "config.json", lambda c: {**c, "architectures": 5}),
        "'architectures' must be a list of class names, not 5",
    ),
    "config.json sizes do not match the weights": (
        lambda f: edit_json(f / "config.json", lambda c: {**c, "hidden_size": 64, "intermediate_size": 128}),
        "the weights do not have the sizes config.json gives",
    ),
}


# --------------------------------------------------------------------------- damaged model files


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_backbone_is_one_plain_error_naming_the_file(backbone, data, tmp_path, capsys, damage):
    change, fragment = DAMAGE[damage]
    change(backbone)
    line = refused(capsys, ["train", data, "--backbone", backbone, "--output", tmp_path / "run", "--device", "cpu"])
    assert fragment in line and str(backbone) in line, line


MODEL_DAMAGE = [
    "weights cut short",
    "tokenizer.json not JSON",
    "tokenizer.json not a tokenizer",
    "config.json wrong type",
    "config.json unknown model_type",
    "config.json sizes do not match the weights",
]


# A PyTorch bundle copies the weights without building the model, so sizes that do not match go unseen there.
@pytest.mark.parametrize(
    "command, damage",
    [
        (command, damage)
        for command in ("predict", "evaluate", "export-onnx", "export-bundle")
        for damage in MODEL_DAMAGE
        if not (command == "export-bundle" and damage == "config.json sizes do not match the weights")
    ],
)
def test_a_damaged_trained_model_is_one_plain_error_naming_the_file(model, data, tmp_path, capsys, damage, command):
    change, fragment = DAMAGE[damage]
    change(model)
    argv = {
        "predict": ["predict", model, "hello world"],
        "evaluate": ["evaluate", model, data],
        "export-onnx": ["export", model, "--format", "onnx", "--output", tmp_path / "out"],
        "export-bundle": ["export", model, "--format", "bundle", "--output", tmp_path / "out.zip"],
    }[command]
    line = refused(capsys, argv)
    assert fragment in line and str(model) in line, line
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.zip").exists()


@pytest.mark.parametrize(
    "damage",
    [
        "weights cut short",
        "weights junk",
        "tokenizer.json not JSON",
        "config.json a list",
        "config.json architectures a number",
    ],
)
def test_a_plain_copy_export_refuses_damaged_files_instead_of_copying_them(model, tmp_path, capsys, damage):
    change, fragment = DAMAGE[damage]
    change(model)
    line = refused(capsys, ["export", model, "--format", "hf", "--output", tmp_path / "out"])
    assert fragment in line, line
    assert not (tmp_path / "out").exists()


def test_the_checks_read_each_unchanged_file_once(model, monkeypatch):
    from tlstudio.core import backbones

    backbones.check_model_folder(model)
    opened = []
    monkeypatch.setattr(backbones, "safetensors_problem", lambda file: opened.append(file))
    backbones.check_model_folder(model)
    assert opened == []  # unchanged since the first check
    truncate(model / "model.safetensors")
    monkeypatch.undo()
    with pytest.raises(DamagedModelError, match="model.safetensors is damaged"):
        backbones.check_model_folder(model)


# --------------------------------------------------------------------------- remote code outside config.json


@pytest.mark.parametrize("file", ["tokenizer_config.json", "preprocessor_config.json", "processor_config.json"])
def test_a_backbone_whose_tokenizer_or_processor_asks_for_remote_code_is_refused(
    backbone, data, tmp_path, capsys, file
):
    from tlstudio.core.backbones import resolve_backbone

    target = backbone / file
    settings = json.loads(target.read_text()) if target.is_file() else {}
    settings["auto_map"] = {
        "AutoTokenizer": ["tokenization_evil.EvilTokenizer", None],
        "AutoImageProcessor": "image_processing_evil.EvilProcessor",
    }
    target.write_text(json.dumps(settings))
    (backbone / "tokenization_evil.py").write_text(f"open({str(tmp_path / 'pwned')!r}, 'w')\n")
    line = refused(capsys, ["train", data, "--backbone", backbone, "--output", tmp_path / "run"])
    assert "asks to run its own Python code" in line and f"auto_map in {file}" in line, line
    with pytest.raises(UnsafeModelError):
        resolve_backbone(str(backbone), allow_pickle=True)  # never allowed, whatever the flags
    assert not (tmp_path / "pwned").exists()


def test_a_trained_model_whose_tokenizer_asks_for_remote_code_is_neither_run_nor_exported(model, tmp_path, capsys):
    from tlstudio.core.backbones import load_tokenizer

    edit_json(
        model / "tokenizer_config.json",
        lambda c: {**c, "auto_map": {"AutoTokenizer": ["tokenization_evil.EvilTokenizer", None]}},
    )
    for argv in (
        ["predict", model, "hello world"],
        ["export", model, "--format", "hf", "--output", tmp_path / "out"],
        ["export", model, "--format", "bundle", "--output", tmp_path / "out.zip"],
    ):
        line = refused(capsys, argv)
        assert "auto_map in tokenizer_config.json" in line, line
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.zip").exists()
    with pytest.raises(UnsafeModelError, match="auto_map in tokenizer_config.json"):
        load_tokenizer(model)  # the loader itself refuses too, whoever calls it


# --------------------------------------------------------------------------- NaN in the backbone's weights


def poison(folder: Path, tensor: str, value: float) -> None:
    from safetensors.torch import load_file, save_file

    weights = load_file(str(folder / "model.safetensors"))
    weights[tensor][0] = value
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})


def test_nan_in_the_backbone_is_named_instead_of_blaming_the_learning_rate(backbone, data, tmp_path, capsys):
    poison(backbone, "embeddings.LayerNorm.weight", float("nan"))
    line = refused(
        capsys,
        [
            "train",
            data,
            "--backbone",
            backbone,
            "--output",
            tmp_path / "run",
            *[f"--{k.replace('_', '-')}={v}" for k, v in FAST.items()],
        ],
    )
    assert "the backbone's weights hold NaN values in embeddings.LayerNorm.weight" in line, line
    assert "backbone file is damaged" in line and "model.safetensors" in line
    assert "Lower the learning rate" not in line


def test_non_finite_weights_finds_infinity_too(backbone):
    from tlstudio.core.training.faults import non_finite_weights

    assert non_finite_weights(backbone) is None
    poison(backbone, "encoder.layer.1.output.dense.bias", float("inf"))
    assert non_finite_weights(backbone) == ("model.safetensors", "encoder.layer.1.output.dense.bias", "infinite")


# --------------------------------------------------------------------------- damaged checkpoints on resume


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory, tiny_backbone) -> Path:
    """A run stopped at step 3, with checkpoint-2 and checkpoint-3 (tests resume copies of it)."""
    from tlstudio.core.training.engine import train

    folder = tmp_path_factory.mktemp("stopped")
    data = write_sentiment_csv(folder / "reviews.csv", rows=48)
    cancel = CancelToken()

    class StopAtStep3(ListSink):
        def emit(self, event):
            if isinstance(event, StepEnded) and event.step == 3:
                cancel.cancel()

    assert train(tiny_config(data, folder / "run", tiny_backbone, **FAST), StopAtStep3(), cancel).status == "cancelled"
    assert [p.name for p in checkpoints.complete_checkpoints(folder / "run" / "checkpoints")] == [
        "checkpoint-2",
        "checkpoint-3",
    ]
    return folder / "run"


@pytest.fixture
def run(stopped_run, tmp_path) -> Path:
    return Path(shutil.copytree(stopped_run, tmp_path / "run"))


def payload_pickle(file: Path, marker: Path) -> None:
    import torch

    torch.save({"state": {}, "param_groups": [_Payload(marker)]}, file)


CHECKPOINT_DAMAGE = {
    "optimizer.pt payload": (
        lambda c, m: payload_pickle(c / "optimizer.pt", m),
        "optimizer.pt is unsafe: it holds more than plain tensors",
    ),
    "scheduler.pt payload": (lambda c, m: payload_pickle(c / "scheduler.pt", m), "scheduler.pt is unsafe"),
    "rng_state.pth payload": (lambda c, m: payload_pickle(c / "rng_state.pth", m), "rng_state.pth is unsafe"),
    "optimizer.pt cut short": (lambda c, m: truncate(c / "optimizer.pt"), "optimizer.pt is damaged: it cannot be read"),
    "weights cut short": (
        lambda c, m: truncate(c / "model.safetensors"),
        "model.safetensors is damaged: it is cut short",
    ),
    "trainer_state.json junk": (
        lambda c, m: (c / "trainer_state.json").write_text("{junk"),
        "trainer_state.json is damaged (not valid JSON",
    ),
    "trainer_state.json not a state": (
        lambda c, m: edit_json(c / "trainer_state.json", lambda s: {**s, "injected": True}),
        "trainer_state.json is not a trainer state (unknown entries: injected)",
    ),
}


@pytest.mark.parametrize("damage", list(CHECKPOINT_DAMAGE))
def test_resume_passes_over_a_damaged_or_unsafe_checkpoint_to_the_newest_intact_one(run, tmp_path, damage):
    from tlstudio.core.training.engine import resume

    change, fragment = CHECKPOINT_DAMAGE[damage]
    marker = tmp_path / "pwned"
    change(run / "checkpoints" / "checkpoint-3", marker)
    sink = ListSink()
    result = resume(run, sink)
    assert result.status == "completed" and result.step == 12
    assert sink.of_type(RunStarted)[0].resumed_from_step == 2
    [warning] = [m.text for m in sink.of_type(Message) if "passed over" in m.text]
    assert f"checkpoint-3: {fragment}" in warning and "resuming from checkpoint-2 (step 2)" in warning, warning
    assert "weights_only=False" not in warning
    assert not marker.exists()
    assert json.loads((run / "run.json").read_text())["resumed_from"] == "checkpoint-2"
    # Saving step 3 again replaced the bad checkpoint: whatever checkpoints the finished run keeps read back.
    assert all(
        resume_point.checkpoint_problem(p) is None for p in checkpoints.complete_checkpoints(run / "checkpoints")
    )


def test_resume_through_the_cli_warns_about_the_unsafe_file_and_continues(run, tmp_path, capsys):
    marker = tmp_path / "pwned"
    payload_pickle(run / "checkpoints" / "checkpoint-3" / "optimizer.pt", marker)
    assert main_in_process(["train", "--resume", run]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "weights_only=False" not in err
    [line] = [text for text in err.splitlines() if "passed over" in text]
    assert line.startswith("warning:") and "checkpoint-3: optimizer.pt is unsafe" in line
    assert not marker.exists()


def test_resume_stops_with_one_clear_message_when_no_checkpoint_is_intact(run, tmp_path, capsys):
    marker = tmp_path / "pwned"
    payload_pickle(run / "checkpoints" / "checkpoint-3" / "rng_state.pth", marker)
    truncate(run / "checkpoints" / "checkpoint-2" / "model.safetensors")
    line = refused(capsys, ["train", "--resume", run])
    assert "none of its checkpoints is intact" in line
    assert "checkpoint-3: rng_state.pth is unsafe" in line and "checkpoint-2: model.safetensors is damaged" in line
    assert "tlstudio train --config" in line and "do not load it any other way" in line
    assert not marker.exists()
    assert json.loads((run / "run.json").read_text())["status"] == "stopped"  # untouched: nothing was run


def test_a_damaged_best_checkpoint_is_forgotten_not_loaded_at_the_end(tmp_path):
    root = tmp_path / "run" / "checkpoints"
    for step in (2, 4):
        (root / f"checkpoint-{step}").mkdir(parents=True)
    (root / "checkpoint-2" / "model.safetensors").write_bytes(b"cut")
    state_file = root / "checkpoint-4" / "trainer_state.json"
    state_file.write_text(
        json.dumps({"global_step": 4, "best_global_step": 2, "best_model_checkpoint": str(root / "checkpoint-2")})
    )
    resume_point.prepare_for_resume(root / "checkpoint-4", root)
    assert json.loads(state_file.read_text())["best_model_checkpoint"] is None
