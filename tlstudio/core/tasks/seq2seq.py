"""What translation and summarization share: a source column, a target column, and generated text.

Training evaluates the validation loss (cheap); at the end of a run the
model generates text for the validation split (capped by
``generation_eval_rows``, since beam search is slow on a CPU) and the task's
metrics compare it with the references, beside the copy-the-source
baseline and a few example outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..data.columns import choose_column, require_column
from ..data.readers import read_table
from .column_roles import suggest_roles
from ..data.table import list_numbers
from ..errors import DataError
from ..metrics import generation as gen_metrics
from ..progress import Message
from .base import Task, TaskData, emit_notes, metric_rows
from .classification_rows import cell_text
from .encoding import encode_texts
from .record_split import split_records

EXAMPLES = 5


@dataclass
class Pairs:
    sources: list[str]
    targets: list[str]
    rows: list[int]

    def take(self, positions: list[int]) -> "Pairs":
        return Pairs(*([values[p] for p in positions] for values in (self.sources, self.targets, self.rows)))


@dataclass
class Seq2SeqData(TaskData):
    train: Pairs | None = None
    eval: Pairs | None = None


def read_pairs(table, source_column: str, target_column: str, sink) -> Pairs:
    sources, targets, rows, skipped = [], [], [], []
    for number, (source, target) in enumerate(
        zip(table.frame[source_column].tolist(), table.frame[target_column].tolist()), start=1
    ):
        source, target = cell_text(source).strip(), cell_text(target).strip()
        if not source or not target:
            skipped.append(number)
            continue
        sources.append(source)
        targets.append(target)
        rows.append(number)
    if not sources:
        raise DataError(
            f"{table.path} has no rows with both a '{source_column}' and a '{target_column}'.",
            "Check the column names with --source-column and --target-column.",
        )
    if skipped:
        sink.emit(
            Message(
                "warning",
                f"{table.path}: skipped {len(skipped)} row(s) with an empty source or target "
                f"(data row(s) {list_numbers(skipped)}).",
            )
        )
    return Pairs(sources, targets, rows)


class Seq2SeqTask(Task):
    pipeline_task = None  # transformers 5 removed the translation and summarization pipelines
    metric_for_best = "loss"
    greater_is_better = False
    metric_title = ""
    input_kind = "text"
    is_sequence_to_sequence = True
    generates_text = True
    column_roles = {"source_column": "source", "target_column": "target"}
    predict_field = "source_column"
    length_field = "source_column"
    evaluation_view = "generation"
    label_type = "text"
    data_checks = "that every row has a source and a target"
    has_backbone_notes = True
    notes_sample_field = "target_column"  # the texts the model must learn to write
    # The target is a shorter version of the source (a summary): the longer of two text columns is the source.
    shortens_text = False
    # How the vocabulary note reads for the task: whether lower case alone lowers the score, what scores it, and
    # what to choose instead.
    case_matters = True
    scored_by = ""
    vocabulary_advice = "Choose a backbone whose vocabulary covers the texts' language."

    def backbone_notes(self, tokenizer, backbone: str, path, sample_texts: list[str] | None) -> list[str]:
        from .notes import WARM_START_NOTE
        from .seq2seq_model import is_seq2seq_backbone

        notes = [] if is_seq2seq_backbone(path) else [WARM_START_NOTE]
        note = self.vocabulary_note(tokenizer, sample_texts) if sample_texts else None
        return notes + ([note] if note else [])

    def vocabulary_note(self, tokenizer, texts: list[str]) -> str | None:
        from .notes import vocabulary_note

        return vocabulary_note(
            tokenizer, texts, case_matters=self.case_matters, scored_by=self.scored_by, advice=self.vocabulary_advice
        )

    def predictor_class(self):
        from ..predictors.generator import TextGenerator

        return TextGenerator

    def score(self, generated: list[str], references: list[str], sources: list[str]) -> dict[str, float]:
        raise NotImplementedError

    # ------------------------------------------------------------------ data
    def choose_columns(self, table, source: str | None, target: str | None) -> tuple[str, str, list[str]]:
        suggestions = suggest_roles(table.frame, self.name)
        source, note_s = choose_column(table, source, suggestions["source"], "--source-column")
        target, note_t = choose_column(table, target, suggestions["target"], "--target-column")
        if source == target:
            raise DataError(
                f"the source and target columns are both '{source}'.",
                "Name different columns with --source-column and --target-column.",
            )
        return source, target, [n for n in (note_s, note_t) if n]

    def prepare(self, config, sink) -> Seq2SeqData:
        table = read_table(config.data, sheet=config.sheet)
        emit_notes(sink, table.warnings)
        source, target, notes = self.choose_columns(table, config.source_column, config.target_column)
        emit_notes(sink, notes, "info")
        pairs = read_pairs(table, source, target, sink)
        summary: dict[str, Any] = {"rows": len(table), "pairs": len(pairs.sources)}

        def read_eval(eval_table):
            require_column(eval_table, source, "--source-column (in the eval file)")
            require_column(eval_table, target, "--target-column (in the eval file)")
            return read_pairs(eval_table, source, target, sink)

        train, evaluation, summary["split"] = split_records(config, table, pairs, read_eval, sink)
        summary["train_size"], summary["eval_size"] = len(train.sources), len(evaluation.sources)
        summary["notes"] = []
        return Seq2SeqData(
            columns={"source_column": source, "target_column": target}, summary=summary, train=train, eval=evaluation
        )

    def build_datasets(self, tokenizer, data: Seq2SeqData, config, sink):
        from datasets import Dataset

        from ..backbones import resolve_backbone
        from .seq2seq_model import decoder_start_id

        start = decoder_start_id(resolve_backbone(config.backbone).path, tokenizer)
        note = self.vocabulary_note(tokenizer, data.train.targets)
        if note:
            sink.emit(Message("warning", note))
            data.summary["notes"].append(note)
        prefix = config.source_prefix or ""
        stats: dict[str, Any] = {}
        datasets = []
        for split, pairs in (("train", data.train), ("eval", data.eval)):
            sources = encode_texts(tokenizer, [prefix + s for s in pairs.sources], config.max_length)
            targets = encode_texts(tokenizer, pairs.targets, config.max_new_tokens + 1)
            labels = strip_start_token(targets.features["input_ids"], start)
            stats[f"{split}_truncated"] = sources.truncated
            stats[f"{split}_targets_truncated"] = targets.truncated
            stats[f"{split}_tokens"] = sum(sources.lengths) + sum(map(len, labels))
            columns = {
                "input_ids": sources.features["input_ids"],
                "attention_mask": sources.features["attention_mask"],
                "labels": labels,
                "length": sources.lengths,
            }
            datasets.append(Dataset.from_dict(columns))
        for kind, what, flag in (("", "sources", "--max-length"), ("targets_", "targets", "--max-new-tokens")):
            total = stats[f"train_{kind}truncated"] + stats[f"eval_{kind}truncated"]
            if total:
                sink.emit(
                    Message(
                        "warning",
                        f"{total} {what} are longer than {flag} allows and were truncated; "
                        f"raise {flag} to keep more of them.",
                    )
                )
        return datasets[0], datasets[1], stats

    def data_collator(self, tokenizer, pad_to_multiple_of: int | None):
        from transformers import DataCollatorForSeq2Seq

        return DataCollatorForSeq2Seq(tokenizer, label_pad_token_id=-100, pad_to_multiple_of=pad_to_multiple_of)

    # ----------------------------------------------------------------- model
    def load_model(self, backbone, tokenizer, data, config, sink, *, allow_pickle: bool = False):
        from .notes import WARM_START_NOTE
        from .seq2seq_model import load_seq2seq

        model, warm_started = load_seq2seq(backbone.path, tokenizer, config, allow_pickle=allow_pickle)
        if warm_started:
            sink.emit(Message("warning", WARM_START_NOTE))
            data.summary["notes"].append(WARM_START_NOTE)
        data.summary["warm_started_encoder_decoder"] = warm_started
        return model

    # --------------------------------------------------------------- metrics
    def final_report(self, model, tokenizer, data: Seq2SeqData, config, sink, cancel=None, eval_outputs=None):
        from ..predictors.generator import generate_texts

        count = len(data.eval.sources)
        if config.generation_eval_rows:
            count = min(count, config.generation_eval_rows)
        sink.emit(
            Message(
                "info",
                f"generating text for {count} of {len(data.eval.sources)} validation rows "
                f"({config.num_beams} beam(s), up to {config.max_new_tokens} new tokens).",
            )
        )
        sources, references = data.eval.sources[:count], data.eval.targets[:count]
        generated = generate_texts(
            model,
            tokenizer,
            [(config.source_prefix or "") + s for s in sources],
            max_length=config.max_length,
            batch_size=max(4, config.batch_size // 2),
            cancel=cancel,
        )
        report = self.report(generated, references, sources)
        report["generation"] = {
            "rows": count,
            "num_beams": config.num_beams,
            "max_new_tokens": config.max_new_tokens,
            "length_penalty": config.length_penalty,
        }
        report["notes"] = list(data.summary.get("notes", []))
        records = [
            {"row": row, "source": s, "reference": r, "generated": g}
            for row, s, r, g in zip(data.eval.rows, sources, references, generated)
        ]
        return report, records

    def report(self, generated: list[str], references: list[str], sources: list[str]) -> dict:
        report = self.score(generated, references, sources)
        report.update(gen_metrics.length_stats(generated, references))
        report["scale"] = "0-100"
        report["examples"] = [
            {"source": s, "reference": r, "generated": g}
            for s, r, g in list(zip(sources, references, generated))[:EXAMPLES]
        ]
        return report

    # ------------------------------------------------------------ evaluate
    def evaluate(self, predictor, table, columns: dict, sink, cancel=None) -> tuple[dict, list[dict]]:
        source, target, _ = self.choose_columns(table, columns.get("source_column"), columns.get("target_column"))
        pairs = read_pairs(table, source, target, sink)
        generated = predictor.generate(pairs.sources, cancel=cancel)
        report = self.report(generated, pairs.targets, pairs.sources)
        report.update(
            rows=len(pairs.sources), source_column=source, target_column=target, generation=predictor.settings
        )
        records = [
            {"row": row, "source": s, "reference": r, "generated": g}
            for row, s, r, g in zip(pairs.rows, pairs.sources, pairs.targets, generated)
        ]
        return report, records

    # ------------------------------------------------------------ model card
    def card_data(self, record: dict) -> list[str]:
        warm = record.get("data", {}).get("warm_started_encoder_decoder")
        return ["- Model: an encoder-decoder warm-started from the backbone on both sides"] if warm else []

    def card_results(self, record: dict, metrics: dict) -> list[str]:
        names = {key: key for key in self.headline_metrics}
        lines = [
            f"Generated text for {metrics.get('generation', {}).get('rows', '?')} validation rows, "
            "scores on a 0-100 scale.",
            "",
            "| metric | model | copying the source |",
            "|---|---|---|",
        ]
        for key in names:
            if isinstance(metrics.get(key), (int, float)):
                copy = metrics.get(f"copy_{key}")
                lines.append(
                    f"| {key} | {metrics[key]:.2f} | {copy:.2f} |"
                    if isinstance(copy, (int, float))
                    else f"| {key} | {metrics[key]:.2f} | |"
                )
        lines += metric_rows(metrics, {"eval_loss": "Validation loss"}) + [""]
        for example in metrics.get("examples", [])[:3]:
            lines += [
                f"- **Source:** {example['source']}",
                f"  **Reference:** {example['reference']}",
                f"  **Generated:** {example['generated']}",
            ]
        return lines + [""]

    def card_metrics(self, record: dict, metrics: dict) -> list[dict]:
        return [
            {"type": key, "value": round(metrics[key], 2), "name": key}
            for key in self.headline_metrics
            if isinstance(metrics.get(key), (int, float))
        ]

    def card_usage(self, record: dict, model_path: str) -> list[str]:
        prefix = record["config"].get("source_prefix") or ""
        return [
            "```python",
            "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer",
            "",
            f'tokenizer = AutoTokenizer.from_pretrained("{model_path}")',
            f'model = AutoModelForSeq2SeqLM.from_pretrained("{model_path}")',
            f'inputs = tokenizer(["{prefix}Write the text here."], return_tensors="pt", return_token_type_ids=False)',
            "outputs = model.generate(**inputs)  # beams and lengths come from generation_config.json",
            "print(tokenizer.batch_decode(outputs, skip_special_tokens=True))",
            "```",
            "",
        ]


def strip_start_token(label_ids: list[list[int]], start: int | None) -> list[list[int]]:
    """Drop a leading [CLS] from targets when the decoder is started with that same token.

    The decoder's input at the first step is the decoder-start token, so a target that also began with
    it would teach the model to write it again.
    """
    return [ids[1:] if ids and ids[0] == start else ids for ids in label_ids]
