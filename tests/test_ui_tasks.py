"""Every task in the app: the task picker and column roles, typed try-it results, per-task evaluation views,
and the Train page's plain-words notices.  Tiny untrained models built from configs; nothing is trained here."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from helpers import write_entities_jsonl
from tlstudio.core.samples import sample_path

LONG = 60_000


def _load(qtbot, window, path):
    window.open_data(path)
    qtbot.waitUntil(lambda: window.session.table is not None and window.session.table.path == Path(path), timeout=LONG)


def _row_shown(combo) -> bool:
    form = combo.parentWidget().form
    return form.isRowVisible(combo)


def test_entity_data_switches_the_task_and_each_task_shows_its_own_columns_and_settings(qtbot, window, tmp_path):
    data = write_entities_jsonl(tmp_path / "entities.jsonl", rows=40)
    _load(qtbot, window, data)
    config, roles = window.session.config, window.data_page.roles
    assert config.task == "token-classification"  # token and tag lists leave no doubt
    assert (config.tokens_column, config.tags_column) == ("tokens", "tags")
    assert _row_shown(roles.combos["tokens_column"]) and not _row_shown(roles.combos["label_column"])
    chart = window.data_page.label_chart
    qtbot.waitUntil(lambda: chart.title == "Entities per type", timeout=LONG)
    assert set(chart._counts) == {"PER", "LOC", "ORG"}
    model = window.model_page
    assert model.task_combo.currentData() == ("token-classification", False, False)
    assert not model.form.is_shown("num_beams") and "multi_label" not in model.form.names
    qtbot.waitUntil(lambda: "uncased" in model.task_notes.text(), timeout=LONG)  # the bundled backbone's limit

    # Translation: source and target roles, generation settings, the warm-start and accents notes.
    model.select_task("translation")
    _load(qtbot, window, sample_path("translation"))
    qtbot.waitUntil(lambda: window.session.config.source_column == "en", timeout=LONG)
    assert window.session.config.target_column == "fr" and window.session.config.tokens_column is None
    assert _row_shown(roles.combos["source_column"]) and not _row_shown(roles.combos["tokens_column"])
    assert model.form.is_shown("num_beams") and not model.form.is_shown("long_texts")
    qtbot.waitUntil(lambda: "accents" in model.task_notes.text(), timeout=LONG)
    assert "encoder-decoder" in model.task_notes.text()

    # Multi-label classification on a file with a list column: the label column is suggested for that mode.
    rows = [{"text": f"post number {i} about things", "tags": ["sport", "news"][: 1 + i % 2]} for i in range(30)]
    multi = tmp_path / "posts.jsonl"
    multi.write_text("\n".join(json.dumps(r) for r in rows))
    model.select_task("text-classification", multi_label=True)
    _load(qtbot, window, multi)
    config = window.session.config
    assert (config.task, config.multi_label, config.source_column) == ("text-classification", True, None)
    assert (config.text_column, config.label_column) == ("text", "tags")
    assert roles.labels["label_column"].text() == "Labels column"
    assert model.form.is_shown("label_delimiter") and model.form.is_shown("long_texts")
    dataclasses.replace(window.session.config, output="x").validate()  # nothing of the other tasks lingers


def test_try_view_draws_each_kind_of_result(qtbot):
    from tlstudio.core.predictors.loading import Entity, GeneratedText, LabelSet, Prediction, TaggedText, Value
    from tlstudio.ui.views.try_view import TryView

    view = TryView()
    qtbot.addWidget(view)
    view.show_result(Prediction("pos", 0.8, {"pos": 0.8, "neg": 0.2}))
    assert "pos" in view.verdict.text() and view.bars.scores_shown() == {"pos": 0.8, "neg": 0.2}
    assert view.answer.currentWidget() is view.bars
    view.show_result(LabelSet(["sport"], {"sport": 0.9, "news": 0.3}, 0.5))
    assert view.chips.labels_shown() == ["sport"] and not view.chips.isHidden()
    view.show_result(Value(3.25, "rating"))
    assert "rating" in view.verdict.text() and "3.25" in view.verdict.text() and view.chips.isHidden()
    text = "Anna flew to Lisbon."
    view.show_result(TaggedText(text, [Entity(0, 4, "PER", 0.9, "Anna"), Entity(13, 19, "LOC", 0.8, "Lisbon")]))
    assert view.answer.currentWidget() is view.entities
    assert "2</b> entities" in view.verdict.text()
    shown = view.entities.toHtml()
    assert "Anna" in shown and "LOC" in shown and "PER" in shown
    assert view.entities.accessibleDescription() == "Found: Anna (PER), Lisbon (LOC)"
    view.show_result(GeneratedText("bonjour"))
    assert view.generated.toPlainText() == "bonjour" and view.answer.currentWidget() is view.generated


def test_generation_settings_reach_the_model_and_the_latency_is_shown(qtbot):
    from tlstudio.core.predictors.loading import GeneratedText
    from tlstudio.ui.views.try_view import TryView

    class Generator:
        settings = {"num_beams": 4, "max_new_tokens": 32, "length_penalty": 1.0}

        def __init__(self):
            self.calls = []

        def predict(self, texts, **options):
            self.calls.append(options)
            return [GeneratedText(texts[0].upper())]

    view = TryView("translation")
    qtbot.addWidget(view)
    generator = Generator()
    view.model_dir = view.file.model_dir = Path("/model")
    view._on_loaded((view.model_dir, "pytorch", generator))
    assert view.beams.value() == 4 and view.max_new.value() == 32  # the model's own settings first
    view.beams.setValue(2)
    view.input.setPlainText("hello")
    qtbot.waitUntil(lambda: view.generated.toPlainText() == "HELLO", timeout=10_000)
    assert generator.calls[-1] == {"num_beams": 2, "max_new_tokens": 32, "length_penalty": 1.0}
    assert "ms with PyTorch" in view.latency.text()


@pytest.fixture(scope="module")
def tagger_dir(tmp_path_factory, tiny_task_backbone):
    """An untrained tiny entity tagger saved as a run would be (typed output is all these tests need)."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    folder = tmp_path_factory.mktemp("tagger")
    model = AutoModelForTokenClassification.from_pretrained(
        tiny_task_backbone,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_task_backbone).save_pretrained(folder)
    (folder / "run.json").write_text(
        json.dumps(
            {
                "status": "completed",
                "config": {
                    "task": "token-classification",
                    "tokens_column": "tokens",
                    "tags_column": "tags",
                    "max_length": 64,
                },
            }
        )
    )
    (folder / "metrics.json").write_text(json.dumps({"f1": 0.0, "notes": ["the backbone is uncased"]}))
    return folder


def test_trying_an_entity_tagger_highlights_entities_and_pytorch_is_the_only_runtime(qtbot, tagger_dir):
    from tlstudio.ui.views.try_view import TryView

    view = TryView("token-classification")
    qtbot.addWidget(view)
    view.set_model(tagger_dir)
    qtbot.waitUntil(lambda: view.predictor is not None, timeout=LONG)
    assert "PER" in view.verdict.text() and "LOC" in view.verdict.text()
    assert [view.runtime_combo.itemData(i) for i in range(view.runtime_combo.count())] == ["pytorch"]
    assert "uncased" in view.notes.text()
    view.input.setPlainText("Anna flew to Lisbon on Monday.")
    qtbot.waitUntil(lambda: view.answer.currentWidget() is view.entities, timeout=LONG)
    assert "ms with PyTorch" in view.latency.text()


REPORTS = {
    "entities": (
        {
            "f1": 0.5,
            "precision": 0.6,
            "recall": 0.4,
            "accuracy": 0.9,
            "per_type": {
                "LOC": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2},
                "PER": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2},
            },
            "notes": ["the backbone is uncased"],
        },
        [
            {
                "row": 2,
                "text": "Anna flew to Lisbon",
                "tokens": ["Anna", "flew", "to", "Lisbon"],
                "entities": [{"start": 0, "end": 1, "label": "PER"}, {"start": 3, "end": 4, "label": "LOC"}],
                "predicted_entities": [{"start": 0, "end": 1, "label": "PER", "score": 0.9}],
            },
            {
                "row": 3,
                "text": "Tom works",
                "tokens": ["Tom", "works"],
                "entities": [{"start": 0, "end": 1, "label": "PER"}],
                "predicted_entities": [{"start": 0, "end": 1, "label": "PER", "score": 0.8}],
            },
        ],
    ),
    "generation": (
        {
            "bleu": 12.5,
            "chrf": 40.0,
            "copy_bleu": 3.0,
            "copy_chrf": 20.0,
            "rows": 2,
            "generation": {"num_beams": 4, "max_new_tokens": 64},
        },
        [
            {"row": 2, "source": "hello", "reference": "bonjour", "generated": "bonjour"},
            {"row": 3, "source": "thanks", "reference": "merci", "generated": "merci bien"},
        ],
    ),
    "multi-label": (
        {
            "micro_f1": 0.7,
            "macro_f1": 0.6,
            "threshold": 0.4,
            "exact_match": 0.5,
            "per_class": {"sport": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}},
        },
        [
            {"row": 2, "text": "a", "labels": ["sport"], "predicted": ["sport"], "scores": {"sport": 0.9}},
            {"row": 3, "text": "b", "labels": ["news"], "predicted": ["sport"], "scores": {"sport": 0.6}},
        ],
    ),
    "regression": (
        {"mse": 0.5, "mae": 0.4, "mean_baseline_mse": 2.0, "mean_baseline_mae": 1.2, "spearman": 0.8},
        [
            {"row": 2, "text": "a", "label": 1.0, "predicted": 1.1},
            {"row": 3, "text": "b", "label": 3.0, "predicted": 1.0},
        ],
    ),
}


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_each_task_evaluation_shows_its_metrics_and_the_rows_it_got_wrong(qtbot, kind):
    from tlstudio.ui.views import evaluation_kind, evaluation_view

    report, records = REPORTS[kind]
    task = {"entities": "token-classification", "generation": "translation"}.get(kind, "text-classification")
    assert evaluation_kind(task, report) == kind
    view = evaluation_view(kind)
    qtbot.addWidget(view)
    view.show_report(report, records, "the validation split")
    overall = {view.overall.item(r, 0).text(): view.overall.item(r, 1).text() for r in range(view.overall.rowCount())}
    assert len(overall) >= 2
    wrong = [view.rows_model.record(r)["row"] for r in range(view.rows_model.rowCount())]
    assert wrong == {"entities": [2], "regression": [3, 2]}.get(kind, [3])  # regression: the biggest error first
    assert "got 1 of 2" in view.rows_caption.text() or kind == "regression"
    assert view.detail.toPlainText()  # the first wrong row is shown in full
    if kind == "generation":
        compared = [[view.breakdown.item(r, c).text() for c in range(3)] for r in range(view.breakdown.rowCount())]
        assert compared == [["BLEU", "12.500", "3.000"], ["chrF", "40.000", "20.000"]]  # beside the copy baseline
        assert "merci bien" in view.detail.toPlainText()
    if kind == "entities":
        assert [view.breakdown.item(r, 0).text() for r in range(2)] == ["LOC", "PER"]
        assert view.rows_model.record(0)["missed"] == "Lisbon (LOC)" and "uncased" in view.notes.text()
    view.only_wrong.setChecked(False)
    assert view.rows_model.rowCount() == 2


def test_train_page_says_in_plain_words_when_memory_ran_out_or_the_loss_diverged(qtbot, window):
    from tlstudio.core.progress import Message
    from tlstudio.core.training.faults import TrainingDiverged
    from tlstudio.ui.workers.failures import failure_from_exception

    page = window.train_page
    window.controller.message.emit(
        Message(
            "warning",
            "ran out of memory with batch_size 16; continuing with batch_size 8 and gradient_accumulation_steps 2.",
        )
    )
    assert not page.notice.isHidden() and page.notice.text().startswith("Ran out of memory with batch_size 16")
    failure = failure_from_exception(
        TrainingDiverged("training diverged: the loss became NaN at step 12.", "Lower the learning rate.")
    )
    window.controller.run_failed.emit(failure)
    assert "NaN at step 12" in page.notice.text() and "Lower the learning rate" in page.notice.text()
    assert window.train_page.summary.text() == "The run failed."


def test_many_truncated_texts_offer_reading_them_as_windows(qtbot, window, tiny_backbone, tmp_path):
    import csv

    path = tmp_path / "long.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(40):
            writer.writerow([" ".join(["the room was great"] * (3 + i % 20)), "pos" if i % 2 else "neg"])
    window.session.update_config(backbone=str(tiny_backbone), max_length=32)
    _load(qtbot, window, path)
    page = window.data_page
    qtbot.waitUntil(lambda: not page.use_windows.isHidden(), timeout=LONG)
    page.use_windows.click()
    assert window.session.config.long_texts == "windows" and page.use_windows.isHidden()
    assert "overlapping windows" in page.length_summary.text()
    assert window.model_page.form.is_shown("window_overlap")


def test_a_run_the_memory_estimate_says_will_not_fit_is_started_only_when_the_user_says_so(
    qtbot, window, sentiment_csv, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    _load(qtbot, window, sentiment_csv)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda parent, title, text, *a: asked.append(text) or QMessageBox.No)
    )
    window.session.memory_warning = "needs about 9.0 GB but the device has 8.0 GB: lower the batch size."
    window.train_page.start()
    assert asked and "memory estimate" in asked[0] and "9.0 GB" in asked[0]
    assert not window.controller.running and not window.train_page._starting
