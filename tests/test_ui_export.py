"""The Export page over core/export (verified ONNX with int8, the card the user wrote, Hub push with the token in
the keyring), the try-it page's runtimes, and the question asked before pickle weights are loaded."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import GOOD, FakeHub, FakeKeyring

LONG = 180_000


@pytest.fixture
def run_copy(tmp_path, trained_run):
    """A copy of the finished tiny run: exports note themselves in run.json, and trained_run must stay as it is."""
    return shutil.copytree(trained_run, tmp_path / "run")


def _export(qtbot, page, fmt: str, name: str, **checks) -> None:
    page.choose_format(fmt)
    for box, on in checks.items():
        getattr(page, box).setChecked(on)
    page.name_edit.setText(name)
    qtbot.waitUntil(
        lambda: page.plan is not None and page.plan.format == fmt and page.plan.output.stem == name, timeout=LONG
    )
    page.export_button.click()
    qtbot.waitUntil(lambda: page.result is not None and page.result.format == fmt, timeout=LONG)


def test_onnx_export_shows_its_verification_and_the_try_page_compares_runtimes(
    qtbot, window, run_copy, tmp_path, dialogs
):
    page = window.export_page
    page.parent_field.set_path(tmp_path / "exports", notify=True)
    window.session.open_run(run_copy)
    page.fields["description"].setPlainText("Sorts reviews by mood.")  # the card of the run that is open
    assert all(page.format_buttons[f].isEnabled() for f in ("hf", "onnx", "bundle", "run-bundle"))
    page.choose_format("onnx")
    page.quantize.setChecked(True)
    assert page.options().quantize == "int8"  # the check box asks the core for the int8 model too ...
    page.quantize.setChecked(False)  # ... which is left out here to keep the test quick (test_export covers it)
    _export(qtbot, page, "onnx", "mood-onnx")
    out = tmp_path / "exports" / "mood-onnx"
    assert (out / "onnx" / "model.onnx").is_file()
    text = page.verification.text()
    assert "label agreement 100.0%" in text and "onnxruntime" in text and "PyTorch" in text
    card = (out / "README.md").read_text()
    assert "Sorts reviews by mood." in card and "## ONNX" in card  # the user's words and the check's figures
    assert "pipeline" in page.snippet.text.toPlainText() and str(out) in page.snippet.text.toPlainText()
    record = json.loads((run_copy / "run.json").read_text())
    assert record["exports"][-1] == {**record["exports"][-1], "path": str(out), "format": "onnx"}

    # Try it: the export's runtimes are offered; switching shows how long each one takes.  (A copy of the fp32
    # model stands in for the int8 one: the page treats them alike.)
    shutil.copy(out / "onnx" / "model.onnx", out / "onnx" / "model_int8.onnx")
    window.try_page.set_model(out)
    view = window.try_page.view
    qtbot.waitUntil(lambda: view.predictor is not None, timeout=LONG)
    runtimes = [view.runtime_combo.itemData(i) for i in range(view.runtime_combo.count())]
    assert runtimes == ["pytorch", "onnx", "onnx-int8"]
    view.input.setPlainText("great lovely excellent")
    qtbot.waitUntil(lambda: "ms with PyTorch" in view.latency.text(), timeout=LONG)
    view.runtime_combo.setCurrentIndex(2)
    view.runtime_combo.activated.emit(2)
    qtbot.waitUntil(lambda: "ms with ONNX int8" in view.latency.text(), timeout=LONG)
    assert type(view.predictor).__name__ == "OnnxClassifier" and view.predictor.runtime == "onnx-int8"
    assert set(view.bars.scores_shown()) == {"positive", "negative"}

    # A zip bundle, then the same name again: one clear message, nothing overwritten.
    _export(qtbot, page, "bundle", "mood-zip")
    assert (tmp_path / "exports" / "mood-zip.zip").is_file() and "predict.py" in page.snippet.text.toPlainText()
    assert "Exported to" in page.outcome.text()  # the taken name is not reported as a problem right after
    page.name_edit.setText("mood")
    page.name_edit.setText("mood-zip")
    qtbot.waitUntil(lambda: "already exists" in page.outcome.text(), timeout=LONG)
    assert not page.export_button.isEnabled() and dialogs == []


def test_hub_push_asks_for_the_token_once_and_keeps_it_in_the_keyring(
    qtbot, window, run_copy, monkeypatch, app_settings
):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    FakeHub.uploads = []
    from tlstudio.core.export.hub_push import TokenStore

    window.session.open_run(run_copy)
    push = window.export_page.push
    keyring, asked = FakeKeyring(), []
    push.store, push.api_factory = TokenStore(keyring), FakeHub
    monkeypatch.setattr(push, "ask_token", lambda: asked.append(1) or GOOD)
    push.repo.setText("alice/moods")
    with qtbot.waitSignal(push.pushed, timeout=LONG) as pushed:
        push.button.click()
    assert pushed.args == ["https://hub.example/alice/moods"] and "Pushed" in push.result.text()
    assert keyring.secrets == {("tlstudio", "huggingface-token"): GOOD} and asked == [1]
    with qtbot.waitSignal(push.pushed, timeout=LONG):
        push.button.click()
    assert asked == [1] and len(FakeHub.uploads) == 2  # the stored token was used
    app_settings.store.sync()
    assert GOOD not in open(app_settings.store.fileName(), encoding="utf-8").read()  # never in the settings file


def test_pickle_weights_are_loaded_only_after_the_user_read_the_risk(
    qtbot, tmp_path, trained_run, monkeypatch, dialogs
):
    import torch
    from PySide6.QtWidgets import QMessageBox
    from safetensors.torch import load_file

    from tlstudio.ui import pickle_prompt
    from tlstudio.ui.views.try_view import TryView

    folder = tmp_path / "pickled"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "run.json"):
        shutil.copy(trained_run / name, folder / name)
    torch.save(load_file(trained_run / "model.safetensors"), folder / "pytorch_model.bin")
    questions = []
    answer = [QMessageBox.No]
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda parent, title, text, *args: questions.append(text) or answer[0])
    )
    monkeypatch.setattr(pickle_prompt, "_allowed", set())

    view = TryView()
    qtbot.addWidget(view)
    view.set_model(folder)
    qtbot.waitUntil(lambda: "Cannot load" in view.verdict.text(), timeout=LONG)
    assert len(questions) == 1 and "can run any code" in questions[0] and view.predictor is None

    answer[0] = QMessageBox.Yes
    view.model_dir = None
    view.set_model(folder)
    qtbot.waitUntil(lambda: view.predictor is not None, timeout=LONG)
    assert len(questions) == 2 and pickle_prompt.allowed(folder)
