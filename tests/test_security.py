"""Untrusted models run no code: pickles refused (and blocked when allowed), remote code refused,
run files are data whose paths stay inside their run."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, tiny_config, write_sentiment_csv
from tlstudio import cli
from tlstudio.core.backbones import resolve_backbone
from tlstudio.core.errors import PickleWeightsRefused, UnsafeModelError


class _Payload:
    """Unpickling this object opens (creates) the marker file: a stand-in for any code an attacker wants run."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _model_folder_without_weights(source: Path, target: Path) -> Path:
    target.mkdir()
    for item in source.iterdir():
        if item.suffix != ".safetensors":
            shutil.copy(item, target / item.name)
    return target


@pytest.fixture
def evil_model(tmp_path, tiny_backbone):
    """A model folder whose only weights are a pickle that creates ``marker`` when unpickled."""
    import torch

    folder = _model_folder_without_weights(tiny_backbone, tmp_path / "evil-model")
    marker = tmp_path / "pwned"
    torch.save({"bert.embeddings.word_embeddings.weight": _Payload(marker)}, folder / "pytorch_model.bin")
    return folder, marker


def main_in_process(argv):
    handler = signal.getsignal(signal.SIGINT)
    try:
        return cli.main([str(a) for a in argv])
    finally:
        signal.signal(signal.SIGINT, handler)


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_the_malicious_pickle_really_runs_code_when_loaded_unsafely(evil_model):
    # The control: without tlstudio's rules, loading this very file creates the marker (in a separate
    # process, so nothing unsafe happens in the test run itself).
    folder, marker = evil_model
    code = "import sys, torch; torch.load(sys.argv[1], weights_only=False)"
    subprocess.run([sys.executable, "-c", code, folder / "pytorch_model.bin"], check=True, capture_output=True)
    assert marker.exists(), "the payload did not run: this fixture would prove nothing"


def test_pickle_weights_are_refused_by_default_and_blocked_when_allowed(evil_model, tmp_path, capsys):
    folder, marker = evil_model
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)

    with pytest.raises(PickleWeightsRefused, match="stored as a pickle"):  # the app offers "allow" on this one
        resolve_backbone(str(folder))

    assert main_in_process(["train", data, "--backbone", folder, "--output", tmp_path / "run1"]) == 2
    [line] = error_lines(capsys.readouterr().err)
    assert "stored as a pickle" in line and "can run arbitrary code" in line and "--allow-pickle" in line

    # Allowed after the warning: torch's weights-only loader still refuses the payload.
    assert main_in_process(["train", data, "--backbone", folder, "--output", tmp_path / "run2", "--allow-pickle"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"warning: loading pickle weights from .*can run any code on this computer", err)
    [line] = error_lines(err)
    assert "weights-only loader refused them and nothing was run" in line

    for command in (
        ["predict", folder, "some text"],
        ["predict", folder, "some text", "--allow-pickle"],
        ["evaluate", folder, data, "--allow-pickle"],
    ):
        assert main_in_process(command) == 2
        assert len(error_lines(capsys.readouterr().err)) == 1
    assert not marker.exists()


def test_trusted_pickle_weights_load_when_allowed(tmp_path, tiny_backbone, capsys):
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        str(tiny_backbone), num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1}
    )
    folder = _model_folder_without_weights(tiny_backbone, tmp_path / "legacy")
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(folder)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")

    assert main_in_process(["predict", folder, "hello world", "--json"]) == 2
    assert "stored as a pickle" in capsys.readouterr().err
    assert main_in_process(["predict", folder, "hello world", "--json", "--allow-pickle"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)[0]["label"] in ("neg", "pos")
    assert "warning: loading pickle weights" in err


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("auto_map", {"AutoModel": "modeling_evil.EvilModel"}, "asks to run its own Python code"),
        ("_attn_implementation_internal", "kernels-community/evil", "can make loading fetch and run code"),
    ],
)
def test_a_model_asking_for_remote_code_is_refused_through_the_cli(tmp_path, tiny_backbone, key, value, fragment):
    from helpers import run_cli

    folder = tmp_path / "remote-code"
    shutil.copytree(tiny_backbone, folder)
    config = json.loads((folder / "config.json").read_text())
    config[key] = value
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "modeling_evil.py").write_text(f"open({str(tmp_path / 'pwned')!r}, 'w')\n")
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)
    result = run_cli("train", data, "--backbone", folder, "--output", tmp_path / "run")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert fragment in result.stderr.strip().splitlines()[-1]
    with pytest.raises(UnsafeModelError) as info:
        resolve_backbone(str(folder), allow_pickle=True)  # remote code is never allowed, whatever the flags
    assert not isinstance(info.value, PickleWeightsRefused)
    assert not (tmp_path / "pwned").exists()


def test_tlstudio_never_loads_pickles_unsafely_or_enables_remote_code():
    offenders = []
    for path in (REPO / "tlstudio").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in re.findall(r"torch\.load\([^)]*\)", source):
            if "weights_only=True" not in call:
                offenders.append(f"{path.name}: {call}")
        if re.search(r"trust_remote_code\s*=\s*True", source) or re.search(r"\bpickle\.loads?\(", source):
            offenders.append(f"{path.name}: remote code or pickle.load")
    assert offenders == []


def test_run_folder_holds_only_data_files_and_resume_stays_inside_it(tmp_path, tiny_backbone):
    from tlstudio.core.progress import CancelToken, ListSink, StepEnded
    from tlstudio.core.training.engine import resume, train

    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=48)
    run = tmp_path / "run"
    cancel = CancelToken()

    class StopAtStep3(ListSink):
        def emit(self, event):
            if isinstance(event, StepEnded) and event.step == 3:
                cancel.cancel()

    config = tiny_config(data, run, tiny_backbone, epochs=2, batch_size=8, device="cpu", precision="fp32")
    assert train(config, StopAtStep3(), cancel).status == "cancelled"

    # A tampered run: run.json sends the output elsewhere, the checkpoint's state names a "best model" outside.
    elsewhere = tmp_path / "elsewhere"
    record = json.loads((run / "run.json").read_text())
    record["config"]["output"] = str(elsewhere)
    (run / "run.json").write_text(json.dumps(record))
    state_file = run / "checkpoints" / "checkpoint-3" / "trainer_state.json"
    state = json.loads(state_file.read_text())
    state["best_model_checkpoint"] = str(tmp_path / "attacker" / "checkpoint-1")
    state_file.write_text(json.dumps(state))

    assert resume(run).status == "completed"
    assert not elsewhere.exists()
    best = json.loads((run / "trainer_state.json").read_text())["best_model_checkpoint"]
    assert Path(best).parent == (run / "checkpoints").resolve()

    pickles = sorted(
        str(p.relative_to(run)) for p in run.rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".pickle")
    )
    # The Trainer's own optimizer/scheduler/RNG files lived inside checkpoints (the one exception), and the
    # finished run deleted its checkpoints: no pickle is left at all.
    assert pickles == [], pickles


def test_run_json_that_is_not_a_run_record_is_refused(tmp_path):
    from tlstudio.core.errors import ConfigError
    from tlstudio.core.training.engine import resume

    (tmp_path / "run.json").write_text('["not", "a", "run"]')
    with pytest.raises(ConfigError, match="not a tlstudio run record"):
        resume(tmp_path)


def test_checkpoint_links_pointing_out_of_the_run_are_ignored(tmp_path):
    from tlstudio.core.training.checkpoints import complete_checkpoints

    outside = tmp_path / "outside" / "checkpoint-99"
    outside.mkdir(parents=True)
    (outside / "trainer_state.json").write_text("{}")
    root = tmp_path / "run" / "checkpoints"
    (root / "checkpoint-2").mkdir(parents=True)
    (root / "checkpoint-2" / "trainer_state.json").write_text("{}")
    (root / "checkpoint-99").symlink_to(outside, target_is_directory=True)
    assert [p.name for p in complete_checkpoints(root)] == ["checkpoint-2"]


def test_resume_rewrites_a_best_checkpoint_path_that_leaves_the_run(tmp_path):
    from tlstudio.core.training.resume_point import prepare_for_resume

    root = tmp_path / "run" / "checkpoints"
    for step in (4, 8):
        (root / f"checkpoint-{step}").mkdir(parents=True)
    state_file = root / "checkpoint-8" / "trainer_state.json"
    for recorded, best_step, expected in [
        ("/somewhere/else/checkpoint-4", 4, str(root / "checkpoint-4")),  # moved or tampered: point back inside
        ("../../../etc", 6, None),  # no such checkpoint in this run: dropped
        (str(root / "checkpoint-8"), 8, str(root / "checkpoint-8")),
    ]:
        state_file.write_text(
            json.dumps({"global_step": 8, "best_global_step": best_step, "best_model_checkpoint": recorded})
        )
        prepare_for_resume(root / "checkpoint-8", root)
        assert json.loads(state_file.read_text())["best_model_checkpoint"] == expected
