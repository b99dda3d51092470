"""Domain adaptation: continued masked-language-model pre-training before fine-tuning.

Stage 1 of a two-stage run.  The backbone learns to restore masked words in
unlabelled text from the user's domain: the training file's text column
(training and unlabelled rows; the validation rows never, neither by row nor
by identical text) or a folder of ``.txt`` files.  A backbone without a
masked-LM head (the bundled one ships none) gets a fresh head.  The adapted
backbone goes to ``RUN/adapted-backbone/``, a model folder that any later run
can pick as its backbone, and stage 2 fine-tunes from it.  Its
``adaptation.json`` is written last, so a folder without it is an unfinished
stage: a resumed run continues the stage from ``RUN/adaptation/``'s
checkpoint, or starts it again.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import shutil
from pathlib import Path
from typing import Any

from ..data.columns import require_column
from ..data.readers import read_table
from ..errors import DataError, RunCancelled
from ..files import atomic_write_json
from ..progress import Message, StageChanged

ADAPTED_FOLDER = "adapted-backbone"
STAGE_FOLDER = "adaptation"
RECORD_FILE = "adaptation.json"
HELD_OUT_SHARE = 0.05  # of the text blocks, to measure the masked-LM loss before and after
MAX_HELD_OUT = 200


def in_progress(run_path: Path) -> bool:
    """True when a run stopped during its adaptation stage, with a checkpoint to continue from."""
    from .checkpoints import last_checkpoint

    return last_checkpoint(Path(run_path) / STAGE_FOLDER / "checkpoints") is not None


def finished_record(run_path: Path) -> dict | None:
    try:
        return json.loads((Path(run_path) / ADAPTED_FOLDER / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------------------ the text


def _as_text(cell) -> str:
    if isinstance(cell, (list, tuple)):
        return " ".join(str(c) for c in cell)
    if cell is None or (isinstance(cell, float) and cell != cell):
        return ""
    return str(cell).strip()


def evaluation_texts(data) -> set[str]:
    """Every text of the validation split, whatever the task keeps it as."""
    split = getattr(data, "eval", None)
    found: set[str] = set()
    for name in ("texts", "pairs", "sources", "targets", "tokens"):
        for value in getattr(split, name, None) or []:
            if isinstance(value, str) or isinstance(value, (list, tuple)):
                found.add(_as_text(value))
    return found - {""}


def unlabelled_texts(config, data) -> tuple[list[str], dict[str, Any]]:
    """The adaptation texts and where they came from; validation texts are always left out."""
    held_out = evaluation_texts(data)
    if config.adapt_source == "folder":
        texts, source = _folder_texts(Path(config.adapt_path).expanduser()), {"folder": str(config.adapt_path)}
        skipped_rows = 0
    else:
        table = read_table(config.data)
        default = next(
            (data.columns.get(k) for k in ("text_column", "tokens_column", "source_column") if data.columns.get(k)),
            None,
        )
        column = require_column(table, config.adapt_column or default or "", "--adapt-column")
        # Validation rows of this same file (a split, not a separate --eval-data file) are skipped by number.
        eval_rows = set() if config.eval_data else set(getattr(data.eval, "rows", []) or [])
        texts = [
            _as_text(cell)
            for number, cell in enumerate(table.frame[column].tolist(), start=1)
            if number not in eval_rows
        ]
        skipped_rows = len(eval_rows)
        source = {"file": str(config.data), "column": column}
    kept = [t for t in texts if t and t not in held_out]
    source.update(
        texts=len(kept),
        validation_rows_skipped=skipped_rows,
        identical_to_validation_skipped=sum(1 for t in texts if t and t in held_out),
    )
    if not kept:
        where = config.adapt_path if config.adapt_source == "folder" else f"{config.data}, column '{column}'"
        raise DataError(
            f"no unlabelled text for domain adaptation in {where}.",
            "Point --adapt-path at a folder of .txt files, or --adapt-column at a column with text.",
        )
    return kept, source


def _folder_texts(folder: Path) -> list[str]:
    if folder.is_file():
        files = [folder]
    elif folder.is_dir():
        files = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    else:
        raise DataError(f"the adaptation text folder {folder} does not exist.", "Check --adapt-path.")
    if not files:
        raise DataError(f"{folder} holds no .txt files.", "Put the unlabelled text in .txt files there.")
    texts = []
    for path in files:
        content = path.read_text(encoding="utf-8", errors="replace")
        # Paragraphs, so that a validation text pasted into a file is found and left out.
        texts += [p.strip() for p in content.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return texts


def text_blocks(tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    """Texts joined and cut into full blocks of ``max_length`` tokens (no padding wasted on short texts)."""
    prefix, suffix = _special_tokens(tokenizer)
    size = max(8, max_length - len(prefix) - len(suffix))
    separator = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
    stream: list[int] = []
    for ids in tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]:
        stream += ids + separator
    blocks = [stream[i : i + size] for i in range(0, len(stream), size)]
    if len(blocks) > 1 and len(blocks[-1]) < size // 4:
        blocks.pop()  # a scrap at the end teaches little
    return [prefix + block + suffix for block in blocks]


def _special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """The ids a tokenizer puts before and after one text ([CLS] and [SEP] for BERT)."""
    bare = tokenizer("word", add_special_tokens=False)["input_ids"]
    full = tokenizer("word")["input_ids"]
    for start in range(len(full) - len(bare) + 1):
        if full[start : start + len(bare)] == bare:
            return full[:start], full[start + len(bare) :]
    return [], []


# ------------------------------------------------------------------------------ the stage


def adapt(config, data, backbone, run, choice, sink, cancel, *, allow_pickle: bool = False):
    """Run (or continue, or reuse) the adaptation stage; returns the adapted backbone and its record."""
    target = run.path / ADAPTED_FOLDER
    done = finished_record(run.path)
    if done is not None:
        sink.emit(Message("info", f"domain adaptation already done; fine-tuning from {target}."))
        return _adapted(backbone, target), done

    from transformers import AutoModelForMaskedLM, DataCollatorForLanguageModeling, TrainingArguments

    from ..backbones import load_model, load_tokenizer
    from .callbacks import ProgressCallback
    from .resume_point import newest_intact_checkpoint, skipped_warning
    from .trainer import StudioTrainer

    texts, source = unlabelled_texts(config, data)
    tokenizer = load_tokenizer(backbone.path)
    if tokenizer.mask_token_id is None:
        raise DataError(
            "the backbone's tokenizer has no mask token, so it cannot learn masked-language modelling.",
            "Use a BERT-like backbone for domain adaptation, or turn --adapt-source off.",
        )
    blocks = text_blocks(tokenizer, texts, config.max_length)
    rng = random.Random(config.seed)
    rng.shuffle(blocks)
    held = min(MAX_HELD_OUT, math.ceil(len(blocks) * HELD_OUT_SHARE)) if len(blocks) > 1 else 0
    held_out, train_blocks = blocks[:held], blocks[held:]
    sink.emit(
        StageChanged(
            "domain adaptation",
            f"stage 1 of 2: masked-language modelling on {len(texts)} texts "
            f"({len(train_blocks)} blocks of up to {config.max_length} tokens)",
        )
    )
    model = load_model(AutoModelForMaskedLM, backbone.path, allow_pickle=allow_pickle)
    fresh = _has_no_mlm_head(backbone.path)
    if fresh:
        sink.emit(Message("info", "the backbone ships no masked-LM head; a fresh one is trained with it."))

    from datasets import Dataset

    def dataset(rows):
        return Dataset.from_dict({"input_ids": rows, "length": [len(r) for r in rows]})

    stage = run.path / STAGE_FOLDER
    args = TrainingArguments(
        output_dir=str(stage / "checkpoints"),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size * 2,
        num_train_epochs=config.adapt_epochs,
        max_steps=config.adapt_max_steps or -1,
        learning_rate=config.adapt_learning_rate,
        weight_decay=0.01,
        warmup_steps=0.06,
        lr_scheduler_type="linear",
        eval_strategy="no",
        save_strategy="epoch",
        logging_strategy="steps",
        logging_steps=max(1, math.ceil(len(train_blocks) / config.batch_size * config.adapt_epochs / 50)),
        seed=config.seed,
        bf16=choice.precision == "bf16",
        fp16=choice.precision == "fp16",
        use_cpu=choice.device == "cpu",
        remove_unused_columns=False,
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=True,
        train_sampling_strategy="group_by_length",
        length_column_name="length",
    )
    from .run_parts import DropColumns

    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=config.mlm_probability, seed=config.seed)
    progress = ProgressCallback(
        sink,
        cancel,
        run_info={
            "train_size": len(train_blocks),
            "eval_size": len(held_out),
            "device": choice.name,
            "precision": choice.precision,
            "output_dir": str(run.path),
        },
        examples_per_step=config.batch_size,
        tokens_per_example=config.max_length,
    )
    trainer = StudioTrainer(
        model=model,
        args=args,
        train_dataset=dataset(train_blocks),
        eval_dataset=dataset(held_out) if held_out else None,
        processing_class=tokenizer,
        data_collator=DropColumns(collator),
        callbacks=[progress],
        checkpoint_limit=1,
    )
    before = _loss(trainer) if held_out else None
    checkpoint, skipped = newest_intact_checkpoint(stage / "checkpoints")
    if skipped:
        sink.emit(Message("warning", f"domain adaptation: {skipped_warning(skipped, checkpoint)}"))
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    if progress.cancelled:
        raise RunCancelled()
    after = _loss(trainer) if held_out else None
    record = {
        "base_backbone": str(backbone.path),
        "base_model": backbone.base_model,
        "source": source,
        "blocks": len(train_blocks),
        "held_out_blocks": len(held_out),
        "max_length": config.max_length,
        "steps": trainer.state.global_step,
        "epochs": config.adapt_epochs,
        "learning_rate": config.adapt_learning_rate,
        "mlm_probability": config.mlm_probability,
        "fresh_mlm_head": fresh,
        "held_out_loss_before": before,
        "held_out_loss_after": after,
    }
    _save(trainer.model, tokenizer, target, record)
    shutil.rmtree(stage, ignore_errors=True)
    if before is not None:
        sink.emit(
            Message(
                "info",
                f"domain adaptation: masked-LM loss on held-out unlabelled text {before:.3f} -> "
                f"{after:.3f}; adapted backbone saved in {target}.",
            )
        )
    sink.emit(StageChanged("training", "stage 2 of 2: fine-tuning the adapted backbone"))
    return _adapted(backbone, target), record


def _loss(trainer) -> float:
    return round(float(trainer.evaluate()["eval_loss"]), 4)


def _has_no_mlm_head(path: Path) -> bool:
    from safetensors import safe_open

    weights = Path(path) / "model.safetensors"
    if not weights.is_file():
        return False
    with safe_open(str(weights), "pt") as handle:
        return not any(k.startswith(("cls.", "lm_head.")) for k in handle.keys())


def _save(model, tokenizer, target: Path, record: dict) -> None:
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging))
    tokenizer.save_pretrained(str(staging))
    (staging / "README.md").write_text(
        "# Domain-adapted backbone\n\nThe backbone after continued masked-language-model pre-training on "
        f"{record['source']['texts']} unlabelled texts ({record['steps']} steps), saved by tlstudio. Pick this "
        "folder as the backbone of a run (`--backbone` this folder) to fine-tune from it.\n",
        encoding="utf-8",
    )
    atomic_write_json(staging / RECORD_FILE, record)  # last: its presence marks a finished stage
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _adapted(backbone, target: Path):
    return dataclasses.replace(
        backbone,
        path=target,
        source="adapted",
        name=str(target),
        title=f"{backbone.title or backbone.name}, domain-adapted",
    )
