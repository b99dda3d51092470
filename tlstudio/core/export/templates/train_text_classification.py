#!/usr/bin/env python
"""Fine-tune a text classifier (one label per text or text pair): a tlstudio run, with plain transformers.

It runs on its own or under a distributed launcher (see README.md):

    python train.py                                             # one GPU, or the CPU
    accelerate launch --config_file accelerate_config.yaml train.py
    torchrun --nproc-per-node 4 train.py
    torchrun --nproc-per-node 2 train.py                        # a quick check on a CPU-only machine

Everything the run needs sits beside this file: run.json (the settings),
data/ (the exact train/validation split of the original run, checked against
data_manifest.json) and backbone/ (the pretrained model).  The trained model is
written to output/ as a standard Hugging Face folder.  Written by tlstudio; it
does not need tlstudio to run.
"""

import argparse
import hashlib
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    Trainer,
    TrainingArguments,
    set_seed,
)

HERE = Path(__file__).resolve().parent
# The bundle's file names; tlstudio writes its own in their place when it makes the bundle.
RUN_FILE = "__RUN_FILE__"
METRICS_FILE = "__METRICS_FILE__"
RANK = int(os.environ.get("RANK", "0"))
WORLD_SIZE = int(os.environ.get("WORLD_SIZE", "1"))


def say(message):
    if RANK == 0:
        print(message, flush=True)


def check_data(manifest_file):
    """Refuse to train on data that differs from what was exported."""
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        digest = hashlib.sha256()
        with open(HERE / entry["path"], "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != entry["sha256"]:
            sys.exit(
                f"error: {entry['path']} does not match its SHA-256 in {manifest_file.name}; "
                "the data changed since the bundle was made (use --skip-checksums to train anyway)."
            )


def read_rows(path):
    with open(HERE / path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class Encoded(torch.utils.data.Dataset):
    def __init__(self, tokenizer, rows, label2id, max_length):
        pairs = [r["text_pair"] for r in rows] if rows and "text_pair" in rows[0] else None
        self.features = tokenizer([r["text"] for r in rows], pairs, truncation=True, max_length=max_length)
        self.labels = [label2id[r["label"]] for r in rows]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        item = {key: values[index] for key, values in self.features.items()}
        item["labels"] = self.labels[index]
        return item


def compute_metrics(prediction):
    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
    predicted, gold = np.asarray(logits).argmax(-1), np.asarray(prediction.label_ids)
    f1s = []
    for label in np.unique(np.concatenate([gold, predicted])):
        tp = np.sum((predicted == label) & (gold == label))
        precision = tp / max(1, np.sum(predicted == label))
        recall = tp / max(1, np.sum(gold == label))
        f1s.append(0.0 if tp == 0 else 2 * precision * recall / (precision + recall))
    return {"accuracy": float(np.mean(predicted == gold)), "macro_f1": float(np.mean(f1s))}


def weighted_loss(weights):
    weights = torch.tensor(weights, dtype=torch.float32)

    def loss(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"]
        losses = torch.nn.functional.cross_entropy(
            logits, labels, weight=weights.to(logits.device, logits.dtype), reduction="none"
        )
        return losses.sum() / num_items_in_batch if num_items_in_batch is not None else losses.mean()

    return loss


def precision_flags(setting):
    if setting == "fp32" or not torch.cuda.is_available():
        return {}
    if setting in ("auto", "bf16") and torch.cuda.is_bf16_supported():
        return {"bf16": True}
    return {"fp16": True}


def main():
    parser = argparse.ArgumentParser(description="Fine-tune the exported run with transformers.")
    parser.add_argument("--output-dir", default=str(HERE / "output"), help="where the trained model goes")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps (overrides run.json)")
    parser.add_argument("--epochs", type=float, help="override run.json's epochs")
    parser.add_argument(
        "--per-device-batch-size",
        type=int,
        help="examples per process and step (default: run.json's batch size split over processes)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --output-dir")
    parser.add_argument("--skip-checksums", action="store_true", help="train even if data/ changed")
    args = parser.parse_args()

    run = json.loads((HERE / RUN_FILE).read_text(encoding="utf-8"))
    hp = run["hyperparameters"]
    if not args.skip_checksums:
        check_data(HERE / "data_manifest.json")
    set_seed(hp["seed"])
    labels = run["labels"]
    label2id = {name: i for i, name in enumerate(labels)}
    backbone = HERE / run["backbone"]
    tokenizer = AutoTokenizer.from_pretrained(backbone)
    model = AutoModelForSequenceClassification.from_pretrained(
        backbone,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label2id,
        ignore_mismatched_sizes=True,
        use_safetensors=True,
        trust_remote_code=False,
    )
    train_set = Encoded(tokenizer, read_rows(run["data"]["train"]), label2id, hp["max_length"])
    eval_set = Encoded(tokenizer, read_rows(run["data"]["validation"]), label2id, hp["max_length"])

    # The run's batch size was one device's; split it over the processes so the global batch (and with it the
    # learning-rate schedule) stays what it was.
    per_device = args.per_device_batch_size or max(1, math.ceil(hp["batch_size"] / WORLD_SIZE))
    output = Path(args.output_dir)
    say(
        f"training on {WORLD_SIZE} process(es), {per_device} examples per process and step, "
        f"{len(train_set)} training / {len(eval_set)} validation rows"
    )
    training_args = TrainingArguments(
        output_dir=str(output / "checkpoints"),
        per_device_train_batch_size=per_device,
        per_device_eval_batch_size=per_device * 2,
        gradient_accumulation_steps=hp["gradient_accumulation_steps"],
        num_train_epochs=args.epochs or hp["epochs"],
        max_steps=args.max_steps or hp["max_steps"] or -1,
        learning_rate=hp["learning_rate"],
        weight_decay=hp["weight_decay"],
        warmup_steps=hp["warmup_ratio"],
        lr_scheduler_type="linear",
        eval_strategy=hp["eval_strategy"],
        save_strategy=hp["eval_strategy"],
        eval_steps=hp["eval_steps"],
        save_steps=hp["eval_steps"],
        logging_steps=hp["logging_steps"] or 10,
        save_total_limit=hp["save_total_limit"],
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        seed=hp["seed"],
        report_to="none",
        ddp_find_unused_parameters=False,
        # Without a GPU the processes train on the CPU and talk over gloo (accelerate needs telling).
        use_cpu=not torch.cuda.is_available(),
        **precision_flags(hp["precision"]),
    )
    callbacks = [EarlyStoppingCallback(hp["early_stopping_patience"])] if hp["early_stopping_patience"] else []
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
        compute_loss_func=weighted_loss(run["class_weights"]) if run.get("class_weights") else None,
    )
    # A sequence-classification head averages its loss over the batch in front of it, although its forward
    # takes **kwargs; told otherwise, the Trainer would scale gradients up by the accumulation steps and the
    # number of processes.
    trainer.model_accepts_loss_kwargs = False
    trainer.train(resume_from_checkpoint=True if args.resume else None)
    metrics = trainer.evaluate()
    trainer.save_model(str(output))  # writes on the main process only
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(output))
        # save_model also pickles the TrainingArguments; keep the folder pickle-free, as JSON instead.
        (output / "training_args.bin").unlink(missing_ok=True)
        (output / "training_args.json").write_text(training_args.to_json_string(), encoding="utf-8")
        metrics.update(world_size=WORLD_SIZE, global_steps=trainer.state.global_step)
        (output / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        say(
            f"accuracy {metrics.get('eval_accuracy', float('nan')):.4f}, macro F1 "
            f"{metrics.get('eval_macro_f1', float('nan')):.4f}; model saved to {output}"
        )


if __name__ == "__main__":
    main()
