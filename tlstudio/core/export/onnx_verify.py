"""Checking an ONNX export against the PyTorch model it came from, and timing both.

The check runs real texts (the run's validation rows) grouped by token length,
in padded batches and one at a time, through PyTorch (fp32) and onnxruntime.
An export passes when every predicted label agrees and no logit differs by
``TOLERANCE`` or more.  The timing compares per-text latency on the CPU, the
way ``tlstudio predict`` runs each runtime.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

TOLERANCE = 1e-3
LENGTH_BUCKETS = (("short", 1, 16), ("medium", 17, 64), ("long", 65, 10**9))
PER_BUCKET = 64
SINGLE_TEXTS = 8  # per bucket, also run one at a time (no padding)
BATCH = 16
LATENCY_TEXTS = 64  # texts timed one by one
LATENCY_BATCH = 32


@dataclass
class Bucket:
    name: str
    texts: list[str]
    labels: list[str] | None
    tokens: tuple[int, int]  # shortest and longest input in tokens


def sample_buckets(texts, labels, tokenizer, max_length: int) -> list[Bucket]:
    """Up to PER_BUCKET texts per length group, spread evenly over the data, plus inputs of exactly max_length."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the over-long joined texts below are meant to be truncated
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
    buckets = []
    for name, low, high in LENGTH_BUCKETS:
        chosen = [i for i, n in enumerate(lengths) if low <= n <= min(high, max_length - 1)]
        if len(chosen) > PER_BUCKET:
            step = len(chosen) / PER_BUCKET
            chosen = [chosen[int(k * step)] for k in range(PER_BUCKET)]
        if chosen:
            buckets.append(
                Bucket(
                    name,
                    [texts[i] for i in chosen],
                    [labels[i] for i in chosen] if labels else None,
                    (min(lengths[i] for i in chosen), max(lengths[i] for i in chosen)),
                )
            )
    # Texts joined until they overflow, so the longest input the model takes is checked even on short data.
    long_texts, current = [], ""
    for k in range(len(texts) * 64):
        current = f"{current} {texts[k % len(texts)]}".strip()
        if len(tokenizer(current)["input_ids"]) > max_length:
            long_texts.append(current)
            current = ""
            if len(long_texts) == SINGLE_TEXTS:
                break
    if long_texts:
        buckets.append(Bucket("max length", long_texts, None, (max_length, max_length)))
    return buckets


def torch_runner(model, tokenizer, adapter, max_length):
    import torch

    def run(texts):
        with torch.inference_mode():
            return model(**adapter.encode(tokenizer, texts, max_length, tensors="pt")).logits.float().numpy()

    return run


def onnx_runner(session, tokenizer, adapter, max_length):
    import numpy as np

    names = [i.name for i in session.get_inputs()]

    def run(texts):
        encoded = adapter.encode(tokenizer, texts, max_length, tensors="np")
        return session.run(None, {name: encoded[name].astype(np.int64) for name in names})[0]

    return run


def batched(run, texts, batch_size):
    import numpy as np

    return np.concatenate([run(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)])


def compare_runtimes(reference, candidate, buckets, adapter, cancel=None) -> dict:
    """Largest output difference and label agreement per length group, padded batches and single texts."""
    import numpy as np

    rows, worst, agree, total = [], 0.0, 0, 0
    for bucket in buckets:
        _check(cancel)
        singles = bucket.texts[:SINGLE_TEXTS]
        ref = np.concatenate([batched(reference, bucket.texts, BATCH), batched(reference, singles, 1)])
        got = np.concatenate([batched(candidate, bucket.texts, BATCH), batched(candidate, singles, 1)])
        result = adapter.compare(ref, got)
        rows.append(
            {
                "name": bucket.name,
                "tokens": list(bucket.tokens),
                "texts": len(bucket.texts),
                "max_abs_diff": result.max_abs_diff,
                "label_agreement": result.agreement,
            }
        )
        worst = max(worst, result.max_abs_diff)
        agree += round(result.agreement * result.count)
        total += result.count
    return {"buckets": rows, "max_abs_diff": worst, "label_agreement": agree / max(1, total), "compared": total}


def latency(run, texts, cancel=None) -> dict:
    """Milliseconds per text, one text at a time and in batches of LATENCY_BATCH (sorted by length)."""
    run(texts[:2])  # warm-up: first calls allocate and pick kernels
    single = texts[:LATENCY_TEXTS]
    start = time.perf_counter()
    for text in single:
        _check(cancel)
        run([text])
    one = (time.perf_counter() - start) / len(single)
    ordered = sorted(texts, key=len)
    start = time.perf_counter()
    for i in range(0, len(ordered), LATENCY_BATCH):
        _check(cancel)
        run(ordered[i : i + LATENCY_BATCH])
    many = (time.perf_counter() - start) / len(ordered)
    return {
        "batch_1_ms_per_text": round(one * 1000, 3),
        f"batch_{LATENCY_BATCH}_ms_per_text": round(many * 1000, 3),
        "texts": len(ordered),
    }


def labelled(buckets) -> tuple[list[str], list[str]]:
    texts, gold = [], []
    for bucket in buckets:
        if bucket.labels:
            texts += bucket.texts
            gold += bucket.labels
    return texts, gold


def _check(cancel) -> None:
    if cancel is not None and cancel.cancelled:
        from ..errors import RunCancelled

        raise RunCancelled()
