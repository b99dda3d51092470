"""Per-text latency of a classifier in PyTorch and onnxruntime, as ``tlstudio predict`` runs them.

    python bench/onnx_speed.py ONNX_EXPORT_DIR [--texts 512] [--repeats 3] [--threads N]

ONNX_EXPORT_DIR is the output of ``tlstudio export RUN --format onnx [--quantize int8]``.
Texts come from its own validation rows when the run's eval_predictions.jsonl
is beside it (pass --texts-from RUN), else from tlstudio's sample reviews.
Prints the median of the repeats, in milliseconds per text, for one text at a
time and for batches of 64 (the batch ``tlstudio predict`` uses).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path


def texts_for(args) -> list[str]:
    if args.texts_from:
        rows = [json.loads(line) for line in open(Path(args.texts_from) / "eval_predictions.jsonl", encoding="utf-8")]
        texts = [r["text"] for r in rows]
    else:
        import csv

        from tlstudio.core.samples import sample_path

        texts = [r["text"] for r in csv.DictReader(open(sample_path("sentiment"), encoding="utf-8"))]
    return (texts * (args.texts // max(1, len(texts)) + 1))[: args.texts]


def timed(predictor, texts, batch_size, repeats) -> float:
    predictor.probabilities(texts[:8], batch_size=batch_size)  # warm-up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        if batch_size == 1:
            for text in texts[:128]:
                predictor.probabilities([text], batch_size=1)
            runs.append((time.perf_counter() - start) / min(128, len(texts)))
        else:
            predictor.probabilities(texts, batch_size=batch_size)
            runs.append((time.perf_counter() - start) / len(texts))
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--texts-from", help="a run folder whose validation rows to use")
    parser.add_argument("--texts", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    import torch

    from tlstudio.core.predictors.loading import Classifier
    from tlstudio.core.predictors.onnx import OnnxClassifier

    torch.set_num_threads(args.threads)
    texts = texts_for(args)
    predictors = {
        "pytorch": Classifier(args.model_dir, device="cpu"),
        "onnx": OnnxClassifier(args.model_dir, "onnx", threads=args.threads),
    }
    if (Path(args.model_dir) / "onnx" / "model_int8.onnx").is_file():
        predictors["onnx-int8"] = OnnxClassifier(args.model_dir, "onnx-int8", threads=args.threads)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {args.threads} threads, "
        f"load average {os.getloadavg()[0]:.1f}; {len(texts)} texts, median of {args.repeats}"
    )
    print(f"{'runtime':10} {'1 text (ms/text)':>18} {'batch 64 (ms/text)':>20}")
    for name, predictor in predictors.items():
        one, many = timed(predictor, texts, 1, args.repeats), timed(predictor, texts, 64, args.repeats)
        print(f"{name:10} {one:18.2f} {many:20.2f}")


if __name__ == "__main__":
    main()
