"""Fine-tuning strategies with tiny models: what trains, what is exported, and resume."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import tiny_config, write_entities_jsonl, write_translation_csv
from tlstudio.core.config import RunConfig
from tlstudio.core.errors import ConfigError
from tlstudio.core.progress import CancelToken, ListSink, Message, StepEnded
from tlstudio.core.training.engine import resume, train


def _tensors(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _classifier(backbone, labels=2):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(str(backbone), num_labels=labels)


class CancelAt(ListSink):
    def __init__(self, step, cancel):
        super().__init__()
        self.step, self.cancel = step, cancel

    def emit(self, event):
        super().emit(event)
        if isinstance(event, StepEnded) and event.step == self.step:
            self.cancel.cancel()


def test_layer_wise_rates_fall_with_depth(tiny_backbone):
    from tlstudio.core.training import strategies

    model = _classifier(tiny_backbone)
    config = RunConfig(strategy="llrd", layer_lr_decay=0.5)
    plan = strategies.apply(model, config, ListSink())
    groups = plan.optimizer_groups(model, {n for n, _ in model.named_parameters() if "bias" not in n}, 1e-3, 0.01)
    rate = {id(p): g["lr"] for g in groups for p in g["params"]}
    params = dict(model.named_parameters())
    # two layers: the head at the full rate, the top layer at half, the embeddings at an eighth
    assert rate[id(params["classifier.weight"])] == pytest.approx(1e-3)
    assert rate[id(params["bert.pooler.dense.weight"])] == pytest.approx(1e-3)
    assert rate[id(params["bert.encoder.layer.1.attention.self.query.weight"])] == pytest.approx(5e-4)
    assert rate[id(params["bert.encoder.layer.0.output.dense.weight"])] == pytest.approx(2.5e-4)
    assert rate[id(params["bert.embeddings.word_embeddings.weight"])] == pytest.approx(1.25e-4)
    assert sum(len(g["params"]) for g in groups) == len(params)


def test_frozen_backbone_trains_only_the_head(tmp_path, tiny_backbone, sentiment_csv):
    sink = ListSink()
    result = train(tiny_config(sentiment_csv, tmp_path / "run", tiny_backbone, strategy="frozen", max_steps=6), sink)
    assert result.status == "completed"
    before = {f"bert.{k}": v for k, v in _tensors(tiny_backbone).items()}
    after = _tensors(tmp_path / "run")
    layer = "bert.encoder.layer.0.attention.self.query.weight"
    assert (after[layer] == before[layer]).all()
    assert (after["bert.embeddings.word_embeddings.weight"] == before["bert.embeddings.word_embeddings.weight"]).all()
    assert not (after["bert.pooler.dense.weight"] == before["bert.pooler.dense.weight"]).all()
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    head = 32 * 32 + 32 + 2 * 32 + 2  # pooler and classifier of the tiny BERT
    assert record["strategy"]["trainable_parameters"] == head
    assert result.metrics["trainable_parameters"] == head
    assert any(isinstance(e, Message) and "1,122 of" in e.text for e in sink.events)


def test_lora_resumes_and_exports_a_plain_model_with_the_adapter_beside_it(tmp_path, tiny_backbone, sentiment_csv):
    run = tmp_path / "run"
    cancel = CancelToken()
    config = tiny_config(sentiment_csv, run, tiny_backbone, strategy="lora", max_steps=6)
    assert train(config, CancelAt(3, cancel), cancel).status == "cancelled"
    assert (run / "checkpoints" / "checkpoint-3" / "adapter_model.safetensors").is_file()
    result = resume(run)
    assert result.status == "completed" and result.step == 6
    record = json.loads((run / "run.json").read_text())
    assert record["strategy"]["trainable_parameters"] < 0.15 * record["strategy"]["total_parameters"]
    assert not [k for k in _tensors(run) if "lora" in k or "modules_to_save" in k]
    assert (run / "adapter" / "adapter_config.json").is_file()
    assert (run / "adapter" / "adapter_model.safetensors").is_file()
    # The merged export, loaded by plain transformers, and the base model plus the adapter agree.
    code = (
        "import sys, json, torch\n"
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        "from peft import PeftModel\n"
        "run, base = sys.argv[1], sys.argv[2]\n"
        "tok = AutoTokenizer.from_pretrained(run)\n"
        "batch = tok(['the food was great and lovely', 'awful and terrible service'], return_tensors='pt',"
        " padding=True)\n"
        "merged = AutoModelForSequenceClassification.from_pretrained(run).eval()\n"
        "adapted = PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(base, num_labels=2),"
        " run + '/adapter').eval()\n"
        "with torch.no_grad():\n"
        "    a, b = merged(**batch).logits, adapted(**batch).logits\n"
        "print(json.dumps({'close': bool(torch.allclose(a, b, atol=1e-4)), 'labels': "
        "[merged.config.id2label[i] for i in a.argmax(-1).tolist()]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(run), str(tiny_backbone)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["close"] and set(answer["labels"]) <= {"positive", "negative"}

    from tlstudio.core.export import ExportOptions, export

    export(run, ExportOptions("hf", str(tmp_path / "exported")))  # the adapter travels with the merged model
    assert (tmp_path / "exported" / "model.safetensors").is_file()
    assert (tmp_path / "exported" / "adapter" / "adapter_model.safetensors").is_file()


def test_gradual_unfreezing_resumes_exactly_in_its_stage(tmp_path, tiny_backbone, sentiment_csv):
    options = dict(strategy="gradual", max_steps=8, logging_steps=1, eval_strategy="steps", eval_steps=4)
    sink = ListSink()
    train(tiny_config(sentiment_csv, tmp_path / "whole", tiny_backbone, **options), sink)
    stages = [e.text for e in sink.of_type(Message) if e.text.startswith("gradual unfreezing")]
    assert [t.split(" from ")[0] for t in stages] == [
        "gradual unfreezing: stage 2 of 3",
        "gradual unfreezing: stage 3 of 3",
    ]
    cancel = CancelToken()
    first = train(tiny_config(sentiment_csv, tmp_path / "split", tiny_backbone, **options), CancelAt(5, cancel), cancel)
    assert first.status == "cancelled" and first.step == 5  # in stage 2: the top layer trains, not the lowest
    assert resume(tmp_path / "split").status == "completed"
    whole, split = _tensors(tmp_path / "whole"), _tensors(tmp_path / "split")
    for name in (
        "bert.embeddings.word_embeddings.weight",
        "bert.encoder.layer.0.output.dense.weight",
        "classifier.weight",
    ):
        assert (whole[name] - split[name]).abs().max() < 1e-5, name


@pytest.mark.parametrize("task", ["token-classification", "translation"])
def test_lora_and_frozen_work_for_tagging_and_seq2seq(tmp_path, tiny_task_backbone, task):
    data = (
        write_entities_jsonl(tmp_path / "e.jsonl")
        if task == "token-classification"
        else write_translation_csv(tmp_path / "t.csv", rows=60)
    )
    extra = {} if task == "token-classification" else dict(num_beams=1, max_new_tokens=8, generation_eval_rows=4)
    # Frozen differs by task only for seq2seq (the encoder is frozen, the decoder trains).
    for strategy in ("lora", "frozen") if task == "translation" else ("lora",):
        run = tmp_path / strategy
        config = tiny_config(
            data,
            run,
            tiny_task_backbone,
            task=task,
            text_column=None,
            label_column=None,
            strategy=strategy,
            max_steps=4,
            **extra,
        )
        assert train(config).status == "completed"
        record = json.loads((run / "run.json").read_text())
        assert record["strategy"]["trainable_parameters"] < record["strategy"]["total_parameters"]
        assert not [k for k in _tensors(run) if "lora" in k]
    if task == "translation":
        # A warm-started decoder's cross-attention starts random: LoRA trains it in full rather than adapting it.
        lora = json.loads((tmp_path / "lora" / "run.json").read_text())["strategy"]
        assert lora["fully_trained_modules"] == ["crossattention"]
        before, after = _tensors(tiny_task_backbone), _tensors(tmp_path / "frozen")
        name = "encoder.layer.1.output.dense.weight"
        assert (after["encoder." + name] == before[name]).all()  # the frozen encoder
        assert not (after["decoder.bert." + name] == before[name]).all()  # the decoder trained


def test_strategy_is_a_flag_and_validated():
    from tlstudio.cli.commands import build_parser
    from tlstudio.cli.flags import config_from_args

    args = build_parser().parse_args(["train", "d.csv", "--output", "o", "--strategy", "lora", "--lora-rank", "4"])
    config = config_from_args(args).with_task_defaults()
    assert (config.strategy, config.lora_rank, config.learning_rate) == ("lora", 4, 5e-4)
    with pytest.raises(ConfigError, match="gradual_stages"):
        RunConfig(data="d.csv", output="o", strategy="gradual", gradual_stages=1).validate()
    assert (
        RunConfig(data="d", output="o", strategy="frozen", learning_rate=3e-5).with_task_defaults().learning_rate
        == 3e-5
    )  # a rate the user chose wins over the strategy's default
