"""The try-it views for the new tasks: an image classifier's probabilities, a streaming generation playground."""

from __future__ import annotations

import threading

import pytest

from image_fixtures import draw, make_tiny_vit
from lm_fixtures import make_tiny_gpt2


@pytest.fixture(scope="module")
def vit_folder(tmp_path_factory):
    import json

    folder = make_tiny_vit(tmp_path_factory.mktemp("vit-try"))
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {"0": "red", "1": "green"}
    config["label2id"] = {"red": 0, "green": 1}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_image_view_shows_the_image_and_every_class_probability(qtbot, vit_folder, tmp_path):
    from tlstudio.ui.views import task_of_model, try_view

    assert task_of_model(vit_folder) == "image-classification"
    view = try_view("image-classification")
    qtbot.addWidget(view)
    view.set_model(vit_folder)
    qtbot.waitUntil(lambda: view.classifier is not None, timeout=60_000)
    image = tmp_path / "sample.png"
    draw("red", 1).save(image)
    view.classify(image)
    qtbot.waitUntil(
        lambda: "sample.png" in view.verdict.text() and "Classifying" not in view.verdict.text(), timeout=60_000
    )
    assert not view.thumbnail.pixmap().isNull()
    assert "Class probabilities" == view.bars.accessibleName()
    assert any(name in view.verdict.text() for name in ("red", "green"))


def test_playground_streams_the_model_text_and_stops_on_request(qtbot, tmp_path):
    from tlstudio.core.predictors.loading import load_predictor
    from tlstudio.ui.views import task_of_model, try_view

    folder = make_tiny_gpt2(tmp_path / "gpt")
    assert task_of_model(folder) == "text-generation"
    view = try_view("text-generation")
    qtbot.addWidget(view)
    view.set_model(folder)
    qtbot.waitUntil(lambda: view.generate_button.isEnabled(), timeout=60_000)
    view.prompt.setPlainText("the cat")
    view.temperature.setValue(0.0)
    view.max_tokens.setValue(8)
    pieces = []
    original = view._on_piece
    view._on_piece = lambda piece: (pieces.append(piece), original(piece))
    view.generate_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)
    assert view.status.text() == "Done." and pieces  # the text arrived as it was written
    expected = load_predictor(folder).generate(["the cat"], temperature=0, max_new_tokens=8)[0]
    assert view.output.toPlainText().strip() == expected
    view.max_tokens.setValue(2000)  # more than the model's 128 positions: capped, not an error
    view.generate_button.click()
    assert view.stop_button.isEnabled()
    view.stop_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)
    assert view.status.text() == "Stopped."
    assert view.generate_button.isEnabled()


def test_data_table_shows_thumbnails_for_an_image_column(qtbot, tmp_path):
    import pandas as pd
    from PySide6.QtCore import Qt

    from tlstudio.ui.qmodels.dataframe_model import DataFrameModel

    (tmp_path / "pics").mkdir()
    draw("green", 2).save(tmp_path / "pics" / "a.png")
    frame = pd.DataFrame({"file": ["pics/a.png", "pics/missing.png"], "label": ["green", "red"]})
    model = DataFrameModel(frame)
    assert model.data(model.index(0, 0), Qt.DecorationRole) is None  # off until an image column is set
    model.set_image_column("file", tmp_path)
    # Decoded on a worker thread: the first ask draws nothing, then the cell is refreshed with the thumbnail.
    with qtbot.waitSignal(model.dataChanged, timeout=30_000) as refreshed:
        assert model.data(model.index(0, 0), Qt.DecorationRole) is None
        model.data(model.index(1, 0), Qt.DecorationRole)
    assert refreshed.args[0].column() == 0
    qtbot.waitUntil(lambda: model.thumbnails_pending == 0, timeout=30_000)
    thumbnail = model.data(model.index(0, 0), Qt.DecorationRole)
    assert thumbnail is not None and not thumbnail.isNull() and max(thumbnail.width(), thumbnail.height()) == 40
    assert model.data(model.index(1, 0), Qt.DecorationRole) is None  # a missing file shows its path only
    assert model.thumbnails_pending == 0  # ... and is not decoded again: the cache remembers it failed
    assert model.data(model.index(0, 1), Qt.DecorationRole) is None
    assert model.data(model.index(0, 0), Qt.DisplayRole) == "pics/a.png"
    # The decoding never ran on the GUI thread.
    from tlstudio.ui.qmodels import thumbnails

    seen = []
    original = thumbnails._Decode.run

    def monkeypatched(self):
        seen.append(threading.current_thread() is threading.main_thread())
        return original(self)

    thumbnails._Decode.run = monkeypatched
    try:
        draw("red", 3).save(tmp_path / "pics" / "b.png")
        model.set_frame(pd.DataFrame({"file": ["pics/b.png"], "label": ["red"]}))
        model.data(model.index(0, 0), Qt.DecorationRole)
        qtbot.waitUntil(lambda: model.thumbnails_pending == 0, timeout=30_000)
    finally:
        thumbnails._Decode.run = original
    assert seen == [False] and model.data(model.index(0, 0), Qt.DecorationRole) is not None


def test_sample_panel_lists_the_newest_evaluation_first(qtbot):
    from tlstudio.core.progress import SamplesGenerated
    from tlstudio.ui.widgets.sample_texts import SampleTexts

    panel = SampleTexts()
    qtbot.addWidget(panel)
    panel.show_samples(SamplesGenerated(0, 0.0, [{"prompt": "the cat", "text": "zq zq <b>"}]))
    panel.show_samples(SamplesGenerated(17, 1.0, [{"prompt": "the cat", "text": "sleeps at home"}]))
    text = panel.browser.toPlainText()
    assert text.index("step 17") < text.index("before training")
    assert "sleeps at home" in text and "<b>" in text  # model output is shown as text, never as markup
    assert panel.accessibleDescription() == "1 samples at step 17"


def test_text_generation_evaluation_shows_perplexity_samples_and_the_hardest_rows(qtbot):
    from tlstudio.ui.views import evaluation_kind, evaluation_view

    report = {
        "task": "text-generation",
        "perplexity": 12.5,
        "initial_perplexity": 300.0,
        "perplexity_drop": 0.96,
        "eval_loss": 2.5,
        "samples": [{"prompt": "the cat", "text": "sleeps at home"}],
    }
    records = [{"row": i, "text": f"text {i}", "loss": 1.0 + i, "perplexity": float(i + 2)} for i in range(4)]
    kind = evaluation_kind("text-generation", report)
    view = evaluation_view(kind)
    qtbot.addWidget(view)
    view.show_report(report, records, "the validation split")
    assert view.overall.rowCount() == 4 and view.breakdown.item(0, 1).text() == "sleeps at home"
    shown = [view.rows_model.index(r, 0).data() for r in range(view.rows_model.rowCount())]
    assert shown == ["3", "2"]  # the harder half, hardest first
