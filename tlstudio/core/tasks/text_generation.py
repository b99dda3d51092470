"""Text generation: adapting a causal language model (GPT-2, Llama, Qwen, Phi...) to the user's text.

Validation loss and perplexity are measured before training (the starting
point) and at every evaluation; after each evaluation the model continues a
few fixed prompts and the texts go out as :class:`SamplesGenerated` events,
so users watch it learn.  The exported folder loads with
``pipeline("text-generation")``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..data.columns import require_column
from ..data.readers import read_table
from ..errors import BackboneError
from ..progress import Message
from .base import Task, emit_notes, metric_rows
from .lm_data import (
    CausalCollator,
    LMData,
    choose_lm_columns,
    encode_lm,
    read_lm_rows,
    sample_prompts,
    template_of,
)
from .record_split import split_records


class TextGenerationTask(Task):
    name = "text-generation"
    title = "Text generation"
    pipeline_task = "text-generation"
    metric_for_best = "loss"
    greater_is_better = False
    headline_metrics = ("perplexity", "initial_perplexity", "perplexity_drop")
    input_kind = "prompt"
    generates_text = True
    samples_each_epoch = True
    column_roles = {"text_column": "text", "prompt_column": "prompt", "response_column": "response"}
    evaluation_view = "language-model"
    label_type = None  # the text is its own target
    data_checks = "that the rows have text to learn from"

    def predictor_class(self):
        from ..predictors.causal_lm import CausalGenerator

        return CausalGenerator

    # ------------------------------------------------------------------ data
    def prepare(self, config, sink) -> LMData:
        table = read_table(config.data, sheet=config.sheet)
        emit_notes(sink, table.warnings)
        columns, note = choose_lm_columns(
            table, {k: getattr(config, k) for k in ("text_column", "prompt_column", "response_column")}
        )
        if note:
            sink.emit(Message("info", note))
        template = None if "text_column" in columns else template_of(config)
        if template:
            shown = template.replace("\n", "\\n")
            sink.emit(
                Message(
                    "info",
                    f"each row is trained as: {shown} (the loss is on the response only; "
                    "change it with --prompt-template)",
                )
            )
        rows = read_lm_rows(table, columns, template or "", sink)
        summary: dict[str, Any] = {
            "rows": len(table),
            "examples": len(rows.rows),
            "format": "plain text" if template is None else "prompt and response",
        }
        if template:
            summary["template"] = template

        def read_eval(eval_table):
            for column in columns.values():
                require_column(eval_table, column, "the column (in the eval file)")
            return read_lm_rows(eval_table, columns, template or "", sink)

        train, evaluation, summary["split"] = split_records(config, table, rows, read_eval, sink)
        summary["train_size"], summary["eval_size"] = len(train.rows), len(evaluation.rows)
        data = LMData(columns=columns, summary=summary, train=train, eval=evaluation, template=template)
        data.sample_prompts = sample_prompts(config, data)
        return data

    def load_processor(self, path, config):
        from ..backbones import DEFAULT_BACKBONE, load_tokenizer

        model_config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
        architectures = model_config.get("architectures") or []
        causal = any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)
        if str(config.backbone).strip().lower() == DEFAULT_BACKBONE or (architectures and not causal):
            raise BackboneError(
                f"text generation needs a causal language model; {config.backbone} is "
                f"{'an encoder' if not architectures else ', '.join(architectures)}.",
                "Give --backbone a GPT-2, Llama, Qwen, Phi or similar model: a local folder or a Hub id.",
            )
        tokenizer = load_tokenizer(path)
        if tokenizer.eos_token_id is None:
            raise BackboneError(
                f"the tokenizer in {path} has no end-of-text token, so the model could not learn where a text ends.",
                "Choose a model whose tokenizer defines eos_token.",
            )
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token  # padded positions are masked; any token will do
        tokenizer.padding_side = "left"  # generation continues from the right end of every prompt
        return tokenizer

    def build_datasets(self, tokenizer, data: LMData, config, sink):
        from datasets import Dataset

        stats: dict[str, Any] = {}
        datasets = []
        for split, rows in (("train", data.train), ("eval", data.eval)):
            columns, cut, owners = encode_lm(tokenizer, rows, config.max_length)
            stats[f"{split}_truncated"] = cut
            stats[f"{split}_tokens"] = sum(columns["length"])
            stats[f"{split}_examples"] = len(owners)
            datasets.append(Dataset.from_dict(columns))
        cut = stats["train_truncated"] + stats["eval_truncated"]
        if cut and data.template is None:
            sink.emit(
                Message(
                    "info",
                    f"{cut} texts are longer than max_length={config.max_length} tokens and are "
                    "read in consecutive blocks.",
                )
            )
        elif cut:
            sink.emit(
                Message(
                    "warning",
                    f"{cut} prompt/response pairs are longer than max_length="
                    f"{config.max_length} tokens and were truncated; raise --max-length.",
                )
            )
        return datasets[0], datasets[1], stats

    def data_collator(self, tokenizer, pad_to_multiple_of: int | None):
        return CausalCollator(tokenizer.pad_token_id, pad_to_multiple_of)

    def training_overrides(self, config) -> dict[str, Any]:
        # Perplexity before any training is the baseline the improvement is measured against.
        return {"eval_on_start": True}

    # ----------------------------------------------------------------- model
    def model_class(self):
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM

    def load_model(self, backbone, tokenizer, data, config, sink, *, allow_pickle: bool = False):
        model = super().load_model(backbone, tokenizer, data, config, sink, allow_pickle=allow_pickle)
        model.config.pad_token_id = tokenizer.pad_token_id
        generation = model.generation_config
        generation.pad_token_id = tokenizer.pad_token_id
        generation.eos_token_id = generation.eos_token_id or tokenizer.eos_token_id
        generation.max_new_tokens = config.max_new_tokens
        generation.do_sample = config.temperature > 0
        if generation.do_sample:
            generation.temperature, generation.top_p = config.temperature, config.top_p
        return model

    def callbacks(self, data, tokenizer, config, sink, cancel) -> list:
        from .lm_callbacks import SampleAndPerplexity

        return [SampleAndPerplexity(data, tokenizer, config, sink)]

    # --------------------------------------------------------------- metrics
    def final_report(self, model, tokenizer, data: LMData, config, sink, cancel=None, eval_outputs=None):
        from ..predictors.causal_lm import generate_continuations
        from .lm_callbacks import example_losses

        eval_ds = CausalDatasetView(tokenizer, data.eval, config.max_length)
        losses, counts = example_losses(
            model,
            eval_ds.columns,
            CausalCollator(tokenizer.pad_token_id),
            batch_size=max(4, config.batch_size),
            cancel=cancel,
        )
        total = sum(loss * c for loss, c in zip(losses, counts)) / max(1, sum(counts))
        report: dict[str, Any] = {"eval_loss": total, "perplexity": _perplexity(total)}
        initial = data.summary.get("initial_eval_loss")
        if isinstance(initial, float):
            report["initial_eval_loss"] = initial
            report["initial_perplexity"] = _perplexity(initial)
            report["perplexity_drop"] = 1 - report["perplexity"] / report["initial_perplexity"]
        texts = generate_continuations(
            model,
            tokenizer,
            data.sample_prompts,
            max_new_tokens=config.max_new_tokens,
            temperature=config.temperature,
            top_p=config.top_p,
            seed=config.seed,
            cancel=cancel,
        )
        report["samples"] = [{"prompt": p, "text": t} for p, t in zip(data.sample_prompts, texts)]
        if data.template:
            report["template"] = data.template
        sums: dict[int, list[float]] = {}
        for owner, loss, count in zip(eval_ds.owners, losses, counts):
            entry = sums.setdefault(owner, [0.0, 0])
            entry[0] += loss * count
            entry[1] += count
        records = []
        for position, (weighted, count) in sorted(sums.items()):
            loss = weighted / max(1, count)
            record = {
                "row": data.eval.rows[position],
                "text": data.eval.responses[position],
                "loss": loss,
                "perplexity": _perplexity(loss),
            }
            if data.template:
                record["prompt"] = data.eval.prompts[position]
            records.append(record)
        return report, records

    def evaluate(self, predictor, table, columns: dict, sink, cancel=None) -> tuple[dict, list[dict]]:
        """Perplexity of a trained model on a file's texts (``tlstudio evaluate``)."""
        from .lm_callbacks import example_losses

        trained = predictor.folder.run_config
        given = {k: columns.get(k) for k in ("text_column", "prompt_column", "response_column")}
        chosen, _ = choose_lm_columns(table, given)
        template = None if "text_column" in chosen else template_of(trained)
        rows = read_lm_rows(table, chosen, template or "", sink)
        view = CausalDatasetView(predictor.tokenizer, rows, predictor.max_length)
        losses, counts = example_losses(
            predictor.model, view.columns, CausalCollator(predictor.tokenizer.pad_token_id), batch_size=8, cancel=cancel
        )
        total = sum(loss * c for loss, c in zip(losses, counts)) / max(1, sum(counts))
        report = {"eval_loss": total, "perplexity": _perplexity(total), "rows": len(rows.rows), **chosen}
        records = [
            {"row": rows.rows[o], "text": rows.responses[o], "loss": loss, "perplexity": _perplexity(loss)}
            for o, loss in zip(view.owners, losses)
        ]
        return report, records

    # ------------------------------------------------------------ model card
    def card_metrics(self, record: dict, metrics: dict) -> list[dict]:
        return (
            [{"type": "perplexity", "value": round(metrics["perplexity"], 3), "name": "Perplexity"}]
            if isinstance(metrics.get("perplexity"), float)
            else []
        )

    def card_data(self, record: dict) -> list[str]:
        template = record.get("data", {}).get("template")
        if not template:
            return ["- Format: plain text to continue"]
        return ["- Format: prompt and response, joined as:", "", "```text", template, "```"]

    def card_results(self, record: dict, metrics: dict) -> list[str]:
        lines = [
            "| metric | value |",
            "|---|---|",
            *metric_rows(
                metrics,
                {
                    "perplexity": "Validation perplexity",
                    "initial_perplexity": "Perplexity before fine-tuning",
                    "eval_loss": "Validation loss",
                },
            ),
            "",
        ]
        for sample in metrics.get("samples", [])[:3]:
            lines += [f"- **Prompt:** {sample['prompt']!r}", f"  **Generated:** {sample['text']!r}"]
        return lines + [""]

    def card_usage(self, record: dict, model_path: str) -> list[str]:
        template = record.get("data", {}).get("template")
        prompt = (
            json.dumps(template[: template.rindex("{response}")].replace("{prompt}", "Your prompt here."))
            if template
            else '"Once upon a time"'
        )
        return [
            "```python",
            "from transformers import pipeline",
            "",
            f'generator = pipeline("text-generation", model="{model_path}")',
            f"print(generator({prompt}, max_new_tokens=64, return_full_text=False)[0]['generated_text'])",
            "```",
            "",
        ]


class CausalDatasetView:
    """Encoded examples of some rows, with the row each example came from."""

    def __init__(self, tokenizer, rows, max_length: int):
        self.columns, _, self.owners = encode_lm(tokenizer, rows, max_length)


def _perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0))  # capped: an untrained model's loss can overflow exp()
