"""Translation and summarization: training, generated-text metrics beside the copy baseline, a standalone export."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from helpers import heavy, run_cli, tiny_config, write_translation_csv
from tlstudio.core.progress import ListSink, Message
from tlstudio.core.training.engine import train

STANDALONE_GENERATE = (
    "import sys, json\n"
    "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n"
    "tok = AutoTokenizer.from_pretrained(sys.argv[1])\n"
    "model = AutoModelForSeq2SeqLM.from_pretrained(sys.argv[1])\n"
    "batch = tok(['The red cat is here.'], return_tensors='pt', return_token_type_ids=False)\n"
    "out = model.generate(**batch)\n"
    "assert 'tlstudio' not in sys.modules\n"
    "print(json.dumps(tok.batch_decode(out, skip_special_tokens=True)))"
)


def seq2seq_config(data, output, backbone, **overrides):
    values = dict(
        task="translation",
        text_column=None,
        label_column=None,
        source_column="en",
        target_column="fr",
        epochs=2,
        batch_size=16,
        learning_rate=3e-3,
        num_beams=2,
        max_new_tokens=12,
        max_length=32,
    )
    values.update(overrides)
    return tiny_config(data, output, backbone, **values)


def test_warm_started_encoder_decoder_exports_a_folder_generate_works_with(tmp_path, tiny_task_backbone):
    data = write_translation_csv(tmp_path / "pairs.csv", rows=80)
    sink = ListSink()
    result = train(seq2seq_config(data, tmp_path / "run", tiny_task_backbone), sink)
    assert result.status == "completed"
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["task"] == "translation"
    for key in ("bleu", "chrf", "copy_bleu", "copy_chrf"):  # flat, with the copy-the-source baseline beside
        assert isinstance(metrics[key], float) and 0 <= metrics[key] <= 100
    assert metrics["generation"]["rows"] == 8 and len(metrics["examples"]) == 5
    assert set(metrics["examples"][0]) == {"source", "reference", "generated"}
    notes = " ".join(e.text for e in sink.events if isinstance(e, Message))
    assert "encoder only" in notes and "thousands of steps" in notes  # a warm-started decoder needs long training
    assert "strips accents" in notes  # the uncased vocabulary cannot write "café"
    generation = json.loads((tmp_path / "run" / "generation_config.json").read_text())
    assert {"decoder_start_token_id", "eos_token_id", "pad_token_id"} <= set(generation)
    assert generation["num_beams"] == 2 and generation["max_new_tokens"] == 12
    card = (tmp_path / "run" / "README.md").read_text()
    assert "AutoModelForSeq2SeqLM" in card and "copying the source" in card and "Limitations" in card
    records = (tmp_path / "run" / "eval_predictions.jsonl").read_text().splitlines()
    assert len(records) == 8 and set(json.loads(records[0])) == {"row", "source", "reference", "generated"}

    done = subprocess.run(
        [sys.executable, "-c", STANDALONE_GENERATE, str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    [text] = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(text, str)

    from tlstudio.core.predictors.loading import GeneratedText, load_predictor

    generator = load_predictor(tmp_path / "run")
    [answer] = generator.predict(["The old dog is there."], num_beams=1, max_new_tokens=5)
    assert isinstance(answer, GeneratedText) and len(answer.text.split()) <= 5


@heavy
def test_t5_summarization_through_the_cli(tmp_path, tiny_t5):
    data = tmp_path / "docs.jsonl"
    rows = [
        {"document": f"The {c} cat is here. It sat on the {m} mat all day long.", "summary": f"The {c} cat sat."}
        for c in ("red", "small", "old", "good")
        for m in ("red", "old", "small")
    ] * 4
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run_cli(
        "train",
        data,
        "--task",
        "summarization",
        "--backbone",
        tiny_t5,
        "--epochs",
        "1",
        "--batch-size",
        "16",
        "--learning-rate",
        "3e-3",
        "--num-beams",
        "1",
        "--max-new-tokens",
        "8",
        "--generation-eval-rows",
        "4",
        "--output",
        tmp_path / "run",
    )
    assert result.returncode == 0, result.stderr
    assert "using column 'document' as the source" in result.stderr
    assert "rouge1" in result.stdout and "copying the source" in result.stdout
    assert "encoder only" not in result.stderr  # T5 is a real seq2seq model: no warm start
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert {"rouge1", "rouge2", "rougeL", "rougeLsum", "copy_rouge1"} <= set(metrics)

    result = run_cli("predict", tmp_path / "run", "The red cat is here. It sat all day.", "--num-beams", "1", "--json")
    assert result.returncode == 0, result.stderr
    [answer] = json.loads(result.stdout)
    assert answer["text"] == "The red cat is here. It sat all day." and isinstance(answer["generated"], str)

    result = run_cli("evaluate", tmp_path / "run", data, "--max-rows", "3", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows"] == 3 and "rouge1" in report and report["source_column"] == "document"

    out = tmp_path / "summaries.csv"
    assert run_cli("predict", tmp_path / "run", "--input", data, "--output", out).returncode == 0
    assert out.read_text().splitlines()[0] == "document,summary,prediction"

    # The bundle's model/ is the clean hf folder, generation settings included; its predict.py generates
    # what tlstudio does.
    zip_path = tmp_path / "summarizer.zip"
    result = run_cli("export", tmp_path / "run", "--format", "bundle", "--output", zip_path)
    assert result.returncode == 0, result.stderr
    zipfile.ZipFile(zip_path).extractall(tmp_path)
    assert not (tmp_path / "summarizer" / "labels.json").exists()
    generation = json.loads((tmp_path / "summarizer" / "model" / "generation_config.json").read_text())
    assert generation["max_new_tokens"] == 8
    texts = ["The red cat is here. It sat all day.", "The old cat is here. It sat on the small mat all day long."]
    bundled = subprocess.run(
        [sys.executable, "predict.py", "--json", *texts],
        cwd=tmp_path / "summarizer",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bundled.returncode == 0, bundled.stderr
    reference = json.loads(run_cli("predict", tmp_path / "run", *texts, "--json").stdout)
    assert [r["generated"] for r in json.loads(bundled.stdout)] == [r["generated"] for r in reference]
    result = run_cli("export", tmp_path / "run", "--format", "bundle", "--with-onnx", "--output", tmp_path / "o.zip")
    assert result.returncode == 2 and "ONNX export is available for text classification only" in result.stderr


def test_generation_flags_are_refused_for_a_classification_run(tmp_path, sentiment_csv):
    result = run_cli("train", sentiment_csv, "--num-beams", "3", "--output", tmp_path / "out")
    assert result.returncode == 2 and "num_beams is a setting for translation and summarization" in result.stderr
