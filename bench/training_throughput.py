"""Training throughput: tlstudio's engine against plain Hugging Face trainers, run after run in one process.

(a) ``tlstudio train`` exactly as the command line runs it (in this process),
(b) the careful hand-written ``transformers.Trainer`` script,
(c) AutoTrain Advanced's defaults re-created with plain transformers
(see ``hf_baselines.py``), on the same rows of rotten_tomatoes.csv with the
bundled backbone, the same max length, epochs and seed.  (a) and (b) both
evaluate and save a checkpoint at the end of every epoch and keep the best.
Each repeat runs a, b, c back to back (a and b swap places every other
repeat) after measuring the machine's fp32 matrix-multiply peak.

Counted by wrapping ``Trainer.training_step`` (the same wrapper for all three):
examples, real tokens (attention mask), tokens computed (with padding) and the
training FLOPs of the encoder's matrix multiplies.  Throughput is over the
whole ``trainer.train()`` call (what the user waits for); FLOP/s is over the
time spent in steps alone (evaluation and checkpoint saving taken out).

    PYTHONPATH=. python bench/training_throughput.py [--quick] [--json]
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import LoadSampler, Section, ratios  # noqa: E402

DATASETS = Path(os.environ.get("TLSTUDIO_DATASETS", Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"))


class StepCounter:
    """Counts what the training steps compute; installed once on ``transformers.Trainer``."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.examples = self.tokens = self.padded_tokens = 0
        self.flops = 0.0
        self.train_seconds = self.log_save_eval_seconds = 0.0
        self.steps = 0

    def install(self) -> None:
        from transformers import Trainer

        step, maybe, train = Trainer.training_step, Trainer._maybe_log_save_evaluate, Trainer.train
        shapes: dict[int, tuple[int, int, int]] = {}

        def model_shape(model) -> tuple[int, int, int]:
            key = id(model)
            if key not in shapes:
                base = getattr(model, "base_model", model)
                encoder = getattr(base, "encoder", base)
                params = sum(p.numel() for p in encoder.parameters())
                config = model.config
                shapes[key] = (params, config.num_hidden_layers, config.hidden_size)
            return shapes[key]

        def training_step(trainer, model, inputs, num_items_in_batch=None):
            ids = inputs["input_ids"]
            batch, length = ids.shape
            params, layers, hidden = model_shape(trainer.model)
            self.examples += batch
            self.padded_tokens += batch * length
            mask = inputs.get("attention_mask")
            self.tokens += int(mask.sum()) if mask is not None else batch * length
            # Forward: 2 FLOPs per weight per token, plus QK^T and AV (2 * 2 * S * h per token per layer);
            # backward twice the forward.
            self.flops += 3 * (2 * params * batch * length + 4 * layers * hidden * batch * length * length)
            self.steps += 1
            return step(trainer, model, inputs, num_items_in_batch)

        def maybe_log_save_evaluate(trainer, *args, **kwargs):
            start = time.perf_counter()
            try:
                return maybe(trainer, *args, **kwargs)
            finally:
                self.log_save_eval_seconds += time.perf_counter() - start

        def timed_train(trainer, *args, **kwargs):
            start = time.perf_counter()
            try:
                return train(trainer, *args, **kwargs)
            finally:
                self.train_seconds += time.perf_counter() - start

        Trainer.training_step = training_step
        Trainer._maybe_log_save_evaluate = maybe_log_save_evaluate
        Trainer.train = timed_train

    def result(self) -> dict:
        step_seconds = max(1e-9, self.train_seconds - self.log_save_eval_seconds)
        return {
            "examples_per_s": self.examples / self.train_seconds,
            "tokens_per_s": self.tokens / self.train_seconds,
            "flops_per_s": self.flops / step_seconds,
            "train_seconds": self.train_seconds,
            "step_seconds": step_seconds,
            "padding_share": 1 - self.tokens / max(1, self.padded_tokens),
            "steps": self.steps,
        }


def matmul_peak(size: int = 1024, repeats: int = 10) -> float:
    """The best fp32 matrix-multiply FLOP/s this process reaches now (same threads as training)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def write_split(folder: Path, train_rows: int, eval_rows: int, seed: int = 0) -> tuple[Path, Path]:
    source = DATASETS / "rotten_tomatoes.csv"
    if not source.is_file():
        raise SystemExit(f"{source} is missing: set TLSTUDIO_DATASETS to the shared datasets folder")
    with open(source, encoding="utf-8", newline="") as handle:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(handle)]
    random.Random(seed).shuffle(rows)
    paths = []
    for name, chunk in (("train.csv", rows[:train_rows]), ("eval.csv", rows[train_rows : train_rows + eval_rows])):
        path = folder / name
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(chunk)
        paths.append(path)
    return paths[0], paths[1]


def run_tlstudio(train_csv: Path, eval_csv: Path, output: Path, epochs: float, batch: int, max_length: int) -> None:
    from tlstudio.cli import main

    argv = [
        "train",
        str(train_csv),
        "--eval-data",
        str(eval_csv),
        "--text-column",
        "text",
        "--label-column",
        "label",
        "--output",
        str(output),
        "--batch-size",
        str(batch),
        "--max-length",
        str(max_length),
        "--epochs",
        str(epochs),
        "--seed",
        "42",
    ]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(argv)
    if code:
        raise RuntimeError(f"tlstudio train failed ({code}): {err.getvalue()[-2000:]}")


def measure(quick: bool = False) -> Section:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers.utils import logging as hf_logging

    import hf_baselines

    hf_logging.set_verbosity_error()
    # 1,024 training rows: enough that length grouping has mega-batches to sort (with 160 it sorted within
    # one batch, i.e. not at all), while a repeat of (a) and (b) stays under a minute each on 2 quiet cores.
    # (c) stops after c_steps steps (its batches all have one shape, so its rate is steady).
    train_rows, eval_rows, repeats, c_steps = (96, 32, 1, 4) if quick else (1024, 64, 3, 8)
    epochs, batch, max_length = 1.0, 32, 128
    counter = StepCounter()
    counter.install()
    runs = {key: [] for key in "abc"}
    peaks, walls = [], {"a": [], "b": []}
    work = Path(tempfile.mkdtemp(prefix="tlstudio-bench-train-"))
    train_csv, eval_csv = write_split(work, train_rows, eval_rows)
    jobs = {
        "a": lambda out: run_tlstudio(train_csv, eval_csv, out, epochs, batch, max_length),
        "b": lambda out: hf_baselines.careful_script(
            train_csv, eval_csv, str(out), batch_size=batch, max_length=max_length, epochs=epochs
        ),
        "c": lambda out: hf_baselines.autotrain_like(train_csv, eval_csv, str(out), epochs=epochs, max_steps=c_steps),
    }
    with LoadSampler() as load:
        for repeat in range(repeats):
            peaks.append(matmul_peak())
            for key in "abc" if repeat % 2 == 0 else "bac":
                counter.reset()
                start = time.perf_counter()
                jobs[key](work / f"{key}{repeat}")
                wall = time.perf_counter() - start
                runs[key].append(counter.result())
                shutil.rmtree(work / f"{key}{repeat}", ignore_errors=True)  # checkpoints: hundreds of MB a run
                if key in walls:
                    walls[key].append(wall)
                print(
                    f"repeat {repeat + 1}/{repeats} ({key}): {runs[key][-1]['examples_per_s']:.1f} examples/s, "
                    f"{wall:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    shutil.rmtree(work, ignore_errors=True)
    section = Section("Training throughput")
    names = {"a": "(a) tlstudio train", "b": "(b) careful Trainer script", "c": "(c) AutoTrain-like defaults"}
    for key, label in names.items():
        section.add(f"{label}: samples/s", "samples/s", [r["examples_per_s"] for r in runs[key]])
        section.add(f"{label}: tokens/s", "tokens/s", [r["tokens_per_s"] for r in runs[key]])
    a, b, c = ([r["examples_per_s"] for r in runs[k]] for k in "abc")
    section.add("a/b samples/s", "ratio", ratios(a, b), (">=", 0.97))
    section.add(
        "a/b tokens/s", "ratio", ratios([r["tokens_per_s"] for r in runs["a"]], [r["tokens_per_s"] for r in runs["b"]])
    )
    section.add("a/c samples/s", "ratio", ratios(a, c), (">=", 6.0))
    section.add("fp32 matmul peak (1024x1024)", "GFLOP/s", [p / 1e9 for p in peaks])
    for key, label in names.items():
        section.add(
            f"{label}: training FLOP/s / peak",
            "%",
            [100 * r["flops_per_s"] / p for r, p in zip(runs[key], peaks)],
            (">=", 40.0) if key == "a" else None,
        )
    section.add("(a) whole run, reading the CSV to the saved model", "s", walls["a"])
    section.add("(b) whole run, reading the CSV to the saved model", "s", walls["b"])
    section.add("a/b whole run time", "ratio", ratios(walls["a"], walls["b"]))
    pad = {k: 100 * sum(r["padding_share"] for r in runs[k]) / len(runs[k]) for k in "abc"}
    section.notes.append(
        f"{train_rows} training rows, {eval_rows} evaluation rows of rotten_tomatoes.csv, bundled all-MiniLM-L6-v2, "
        f"{epochs:g} epoch, max length {max_length}, seed 42; (a) and (b) batch {batch}, (c) batch 8 for its first "
        f"{c_steps} steps (the same rows); evaluation and a checkpoint at the end of the epoch in all three; "
        f"{torch.get_num_threads()} torch threads; precision fp32 (this CPU has no native bf16: "
        f"{'yes' if hf_baselines.native_bf16() else 'no'}). Padding share of the tokens computed: "
        f"a {pad['a']:.0f} %, b {pad['b']:.0f} %, c {pad['c']:.0f} %. {repeats} repeats."
    )
    section.notes.append(
        f"load average (1 min) during this section: median {sorted(load.samples)[len(load.samples) // 2]:.1f}, "
        f"max {max(load.samples):.1f}"
    )
    return section


if __name__ == "__main__":
    result = measure("--quick" in sys.argv)
    print(json.dumps(result.to_dict()) if "--json" in sys.argv else json.dumps(result.to_dict(), indent=1))
