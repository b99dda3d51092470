"""Domain adaptation: which text the masked-LM stage reads, the two-stage run, and picking the adapted backbone."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from helpers import tiny_config, write_sentiment_csv
from tlstudio.core.errors import ConfigError
from tlstudio.core.progress import CancelToken, ListSink, NullSink, StageChanged, StepEnded
from tlstudio.core.tasks import get_task
from tlstudio.core.training.adaptation import unlabelled_texts
from tlstudio.core.training.engine import resume, train


def _with_unlabelled_rows(path):
    write_sentiment_csv(path, rows=60)
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for i in range(5):
            writer.writerow([f"an unlabelled review number {i}", ""])
    return path


def test_the_masked_lm_text_never_holds_validation_rows(tmp_path, tiny_backbone):
    data_file = _with_unlabelled_rows(tmp_path / "reviews.csv")
    config = tiny_config(data_file, tmp_path / "run", tiny_backbone, adapt_source="dataset", eval_fraction=0.2)
    data = get_task(config.task).prepare(config, NullSink())
    texts, source = unlabelled_texts(config, data)
    assert not set(texts) & set(data.eval.texts)
    assert set(data.train.texts) <= set(texts)
    assert {f"an unlabelled review number {i}" for i in range(5)} <= set(texts)
    assert source["validation_rows_skipped"] == len(data.eval.texts) == 12

    folder = tmp_path / "domain"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("First paragraph about rooms.\n\nSecond paragraph about food.\n", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(f"A nested file.\n\n{data.eval.texts[0]}\n", encoding="utf-8")
    (folder / "notes.md").write_text("not text for adaptation", encoding="utf-8")
    config = replace(config, adapt_source="folder", adapt_path=str(folder))
    texts, source = unlabelled_texts(config, data)
    assert sorted(texts) == ["A nested file.", "First paragraph about rooms.", "Second paragraph about food."]
    assert source["identical_to_validation_skipped"] == 1


def test_two_stage_run_resumes_in_stage_one_and_saves_a_backbone_to_pick(tmp_path, tiny_backbone, sentiment_csv):
    cancel = CancelToken()

    class StopInStageOne(ListSink):
        def emit(self, event):
            super().emit(event)
            stages = [e.stage for e in self.of_type(StageChanged)]
            if isinstance(event, StepEnded) and stages[-1] == "domain adaptation" and event.step == 2:
                cancel.cancel()

    run = tmp_path / "run"
    config = tiny_config(
        sentiment_csv, run, tiny_backbone, adapt_source="dataset", adapt_epochs=4, max_steps=4, batch_size=2
    )
    first = train(config, StopInStageOne(), cancel)
    assert first.status == "cancelled" and not (run / "adapted-backbone").exists()
    assert json.loads((run / "run.json").read_text())["status"] == "stopped"
    sink = ListSink()
    result = resume(run, sink)
    assert result.status == "completed"
    record = json.loads((run / "adapted-backbone" / "adaptation.json").read_text())
    assert record["fresh_mlm_head"] and record["steps"] > 2
    assert json.loads((run / "run.json").read_text())["adaptation"]["steps"] == record["steps"]
    assert not (run / "adaptation").exists()  # the stage's checkpoints go once the backbone is saved
    assert "domain adaptation" in [e.stage for e in sink.of_type(StageChanged)]

    from transformers import AutoModelForSequenceClassification

    from tlstudio.core.backbones import load_model, resolve_backbone

    picked = resolve_backbone(str(run / "adapted-backbone"))
    model = load_model(AutoModelForSequenceClassification, picked.path, num_labels=2)
    assert model.bert.embeddings.word_embeddings.weight.shape[0] > 100


def test_folder_source_needs_a_path():
    from tlstudio.core.config import RunConfig

    with pytest.raises(ConfigError, match="adapt_path"):
        RunConfig(data="d.csv", output="o", adapt_source="folder").validate()
