"""Entity tagging: the data shapes users bring, BIO handling, training, export through pipeline(), prediction."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from helpers import heavy, run_cli, tiny_config, write_entities_jsonl
from tlstudio.core.data.readers import read_table
from tlstudio.core.errors import DataError
from tlstudio.core.progress import ListSink, Message
from tlstudio.core.tasks.tagging_rows import read_tag_rows, tags_from_spans, to_bio

CONLL = """-DOCSTART- -X- O O

Anna NNP B-NP B-PER
flew VBD B-VP O
to TO B-PP O
New NNP B-NP B-LOC
York NNP I-NP I-LOC
. . O O

Orbitel NNP B-NP B-ORG
hired VBD B-VP O
Sara NNP B-NP B-PER
"""


def tiny_ner_config(data, output, backbone, **overrides):
    values = dict(task="token-classification", text_column=None, label_column=None, epochs=8, learning_rate=5e-3)
    values.update(overrides)
    return tiny_config(data, output, backbone, **values)


@pytest.mark.parametrize("suffix", [".conll", ".txt", ".iob"])
def test_conll_files_read_as_sentences_of_tokens_and_tags(tmp_path, suffix):
    path = tmp_path / f"train{suffix}"
    path.write_text(CONLL, encoding="utf-8")
    table = read_table(path)
    assert table.format == "conll" and table.columns == ["tokens", "tags"]
    assert table.frame["tokens"].tolist() == [["Anna", "flew", "to", "New", "York", "."], ["Orbitel", "hired", "Sara"]]
    assert table.frame["tags"].tolist()[1] == ["B-ORG", "O", "B-PER"]  # the last column is the tag
    assert table.where(2) == "sentence 2 (line 10)"


def test_a_csv_named_txt_is_still_a_table(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("text,label\nnice one,pos\nawful one,neg\n", encoding="utf-8")
    assert read_table(path).format == "csv"


@pytest.mark.parametrize(
    "tags, expected",
    [
        (["B-PER", "I-PER", "O", "I-LOC"], ["B-PER", "I-PER", "O", "B-LOC"]),  # BIO with a stray I-
        (["I-PER", "I-PER", "O", "I-LOC"], ["B-PER", "I-PER", "O", "B-LOC"]),  # IO
        (["PER", "PER", "O", "LOC"], ["B-PER", "I-PER", "O", "B-LOC"]),  # bare types
        (["B-PER", "E-PER", "S-LOC", "S-LOC"], ["B-PER", "I-PER", "B-LOC", "B-LOC"]),  # BIOES keeps two entities
        (["U-ORG", "B-PER", "L-PER"], ["B-ORG", "B-PER", "I-PER"]),  # BILOU
    ],
)
def test_tag_schemes_become_bio(tags, expected):
    assert to_bio(tags)[0] == expected


def test_spans_become_word_tags():
    text = "Maria Lopez flew to Lisbon's airport."
    tokens, tags, cut = tags_from_spans(text, [{"start": 0, "end": 11, "label": "PER"}, [20, 26, "LOC"]], "row 1")
    assert tokens == ["Maria", "Lopez", "flew", "to", "Lisbon", "'s", "airport", "."]
    assert tags == ["B-PER", "I-PER", "O", "O", "B-LOC", "O", "O", "O"] and cut == 0
    with pytest.raises(DataError, match="does not fit the text"):
        tags_from_spans(text, [{"start": 30, "end": 99, "label": "LOC"}], "row 1")


def test_bad_rows_are_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"tokens": ["a", "b"], "tags": ["O", "O"]}\n{"tokens": ["Anna", "ran"], "tags": ["B-PER"]}\n')
    with pytest.raises(DataError, match=r"data row 2: 2 tokens but 1 tags"):
        read_tag_rows(read_table(path), "tokens", "tags", ListSink())
    path.write_text('{"tokens": ["Anna", "ran"], "tags": [3, 0]}\n')
    with pytest.raises(DataError, match="holds numbers, not tag names"):
        read_tag_rows(read_table(path), "tokens", "tags", ListSink())


def test_training_reports_entity_metrics_and_exports_a_pipeline_model(tmp_path, tiny_task_backbone):
    data = write_entities_jsonl(tmp_path / "entities.jsonl", rows=200)
    sink = ListSink()
    from tlstudio.core.training.engine import train

    result = train(tiny_ner_config(data, tmp_path / "run", tiny_task_backbone), sink)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert result.status == "completed" and metrics["task"] == "token-classification"
    assert {"f1", "precision", "recall", "accuracy"} <= set(metrics)  # headline figures flat at the top
    assert set(metrics["per_type"]) == {"LOC", "ORG", "PER"}
    assert metrics["f1"] > 0.8  # template entities are easy
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["id2label"]["0"] == "O" and set(config["label2id"]) == {
        "O",
        "B-LOC",
        "I-LOC",
        "B-ORG",
        "I-ORG",
        "B-PER",
        "I-PER",
    }
    assert any(isinstance(e, Message) and "uncased" in e.text for e in sink.events)  # capitals matter for names
    record = json.loads((tmp_path / "run" / "eval_predictions.jsonl").read_text().splitlines()[0])
    assert {"tokens", "tags", "predicted", "entities", "predicted_entities"} <= set(record)
    card = (tmp_path / "run" / "README.md").read_text()
    assert 'aggregation_strategy="first"' in card and "| LOC |" in card and "uncased" in card

    code = (
        "import sys, json\n"
        "from transformers import pipeline\n"
        "tagger = pipeline('token-classification', model=sys.argv[1], aggregation_strategy='simple')\n"
        "out = tagger('Sara works for Kappa in Oslo .')\n"
        "assert 'tlstudio' not in sys.modules\n"
        "print(json.dumps([[o['entity_group'], o['word']] for o in out]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "run")], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    groups = json.loads(done.stdout.strip().splitlines()[-1])
    assert ["PER", "sara"] in groups and ["LOC", "oslo"] in groups

    from tlstudio.core.predictors.loading import TaggedText, load_predictor

    tagger = load_predictor(tmp_path / "run")
    [tagged] = tagger.predict(["Sara works for Kappa in Oslo."])
    assert isinstance(tagged, TaggedText)
    found = {(e.text, e.label) for e in tagged.entities}
    assert ("Sara", "PER") in found and ("Oslo", "LOC") in found
    assert all(tagged.text[e.start : e.end] == e.text and 0 < e.score <= 1 for e in tagged.entities)


@heavy
def test_cli_trains_on_conll_without_column_flags_then_predicts_and_evaluates(tmp_path, tiny_task_backbone):
    import random

    from helpers import make_tagged_sentence

    rng = random.Random(4)
    lines = []
    for _ in range(160):
        tokens, tags = make_tagged_sentence(rng)
        lines += [f"{token}\t{tag}" for token, tag in zip(tokens, tags)] + [""]
    data = tmp_path / "train.conll"
    data.write_text("\n".join(lines), encoding="utf-8")
    result = run_cli(
        "train",
        data,
        "--task",
        "token-classification",
        "--backbone",
        tiny_task_backbone,
        "--epochs",
        "6",
        "--learning-rate",
        "5e-3",
        "--batch-size",
        "16",
        "--output",
        tmp_path / "run",
    )
    assert result.returncode == 0, result.stderr
    assert "entity type" in result.stdout and "f1" in result.stdout

    result = run_cli("predict", tmp_path / "run", "Anna flew to Paris on Monday.", "--json")
    assert result.returncode == 0, result.stderr
    [answer] = json.loads(result.stdout)
    assert {"start", "end", "label", "score", "text"} <= set(answer["entities"][0])

    result = run_cli("evaluate", tmp_path / "run", data, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["task"] == "token-classification" and report["rows"] == 160 and report["f1"] > 0.5

    entities = write_entities_jsonl(tmp_path / "new.jsonl", rows=5, seed=9)
    out = tmp_path / "tags.jsonl"
    result = run_cli("predict", tmp_path / "run", "--input", entities, "--output", out)
    assert result.returncode == 0, result.stderr
    first = json.loads(out.read_text().splitlines()[0])
    assert len(first["predicted_tags"]) == len(first["tokens"])  # pre-split tokens get one tag each

    # The portable bundle's predict.py (transformers only) finds the entities tlstudio's predictor finds.
    zip_path = tmp_path / "tagger.zip"
    result = run_cli("export", tmp_path / "run", "--format", "bundle", "--output", zip_path)
    assert result.returncode == 0, result.stderr
    zipfile.ZipFile(zip_path).extractall(tmp_path)
    assert json.loads((tmp_path / "tagger" / "labels.json").read_text())["labels"][0] == "O"
    texts = ["Anna flew to Paris on Monday.", "Marco Rossi works for Orbitel in New York."]
    bundled = subprocess.run(
        [sys.executable, "predict.py", "--json", *texts],
        cwd=tmp_path / "tagger",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bundled.returncode == 0, bundled.stderr
    reference = json.loads(run_cli("predict", tmp_path / "run", *texts, "--json").stdout)
    spans = [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in json.loads(bundled.stdout)]
    assert spans == [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in reference]
    assert any(spans)
    result = run_cli("export", tmp_path / "run", "--format", "onnx", "--output", tmp_path / "onnx")
    assert result.returncode == 2 and "ONNX export is available for text classification only" in result.stderr


def test_token_flags_on_a_classification_run_are_refused(tmp_path, sentiment_csv):
    result = run_cli("train", sentiment_csv, "--tokens-column", "text", "--output", tmp_path / "out")
    assert result.returncode == 2 and "tokens_column is a setting for token-classification" in result.stderr


def test_a_tagger_that_finds_almost_no_entities_or_far_too_many_says_so():
    from tlstudio.core.metrics.entities import entity_count_warning

    assert "found no entities at all" in entity_count_warning(130, 0)
    assert "tags every word O" in entity_count_warning(130, 0)
    assert "only 12 entities where the validation split holds 130" in entity_count_warning(130, 12)
    assert "predicted 3,857 entities where the validation split holds 130" in entity_count_warning(130, 3857)
    # Near the truth, no entities to find, or a handful of extra predictions on a tiny split: no warning.
    for fine in ((130, 100), (130, 300), (0, 0), (0, 5), (3, 12)):
        assert entity_count_warning(*fine) is None, fine


def test_a_short_tagging_run_warns_and_a_trained_one_does_not(tmp_path, tiny_task_backbone):
    from tlstudio.core.training.engine import train

    data = write_entities_jsonl(tmp_path / "entities.jsonl", rows=200)
    short, trained = ListSink(), ListSink()
    # Six steps: the tagger has learnt that most words are O and nothing else yet (the short-run failure).
    train(tiny_ner_config(data, tmp_path / "short", tiny_task_backbone, max_steps=6), short)
    train(tiny_ner_config(data, tmp_path / "trained", tiny_task_backbone), trained)

    def warnings(sink):
        return [e.text for e in sink.of_type(Message) if e.level == "warning" and "the tagger" in e.text]

    assert warnings(short) and not warnings(trained)
    notes = json.loads((tmp_path / "short" / "metrics.json").read_text())["notes"]
    assert warnings(short)[0] in notes  # the Evaluate page shows the metrics' notes
