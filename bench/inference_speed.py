"""Inference: one text's latency and batch throughput, tlstudio predict vs ``transformers.pipeline`` vs ONNX.

Trains a small classifier with ``tlstudio train`` (a few steps: speed does not
depend on how well it learned), exports it with ``tlstudio export --format onnx
--quantize int8``, then times on real review texts, one runtime after another in
each repeat: tlstudio's predictor (``load_predictor``, what ``tlstudio predict``
and the Try page use) on PyTorch, on ONNX and on int8 ONNX, against a plain
``transformers.pipeline("text-classification")`` on the same model folder.

    PYTHONPATH=. python bench/inference_speed.py [--quick] [--json]
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from figures import LoadSampler, Section, ratios  # noqa: E402
from hf_baselines import read_rows  # noqa: E402
from training_throughput import write_split  # noqa: E402


def cli(*argv: str) -> None:
    from tlstudio.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(list(argv))
    if code:
        raise RuntimeError(f"tlstudio {argv[0]} failed ({code}): {err.getvalue()[-2000:]}")


def model_folders(work: Path) -> tuple[Path, Path, list[str]]:
    train_csv, eval_csv = write_split(work, 256, 600)
    run, export = work / "run", work / "onnx"
    cli(
        "train",
        str(train_csv),
        "--eval-data",
        str(eval_csv),
        "--text-column",
        "text",
        "--label-column",
        "label",
        "--output",
        str(run),
        "--max-steps",
        "2",
        "--batch-size",
        "16",
        "--max-length",
        "128",
    )
    cli("export", str(run), "--format", "onnx", "--quantize", "int8", "--output", str(export))
    return run, export, read_rows(eval_csv)[0]


class Pipeline:
    def __init__(self, folder: Path):
        from transformers import pipeline

        self.pipe = pipeline("text-classification", model=str(folder), device="cpu")

    def one(self, text: str):
        return self.pipe(text)

    def batch(self, texts: list[str]):
        return self.pipe(texts, batch_size=64, truncation=True, max_length=128)


class Studio:
    def __init__(self, folder: Path, runtime: str):
        from tlstudio.core.predictors.loading import load_predictor

        self.predictor = load_predictor(folder, "cpu", runtime=runtime)

    def one(self, text: str):
        return self.predictor.predict([text], batch_size=1)

    def batch(self, texts: list[str]):
        return self.predictor.predict(texts, batch_size=64)


def time_one(runner, texts: list[str]) -> float:
    """Median milliseconds for one text, over ``texts`` predicted one at a time."""
    times = []
    for text in texts:
        start = time.perf_counter()
        runner.one(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_batch(runner, texts: list[str]) -> float:
    start = time.perf_counter()
    runner.batch(texts)
    return len(texts) / (time.perf_counter() - start)


def measure(quick: bool = False) -> Section:
    import torch

    singles, batch, repeats = (16, 64, 1) if quick else (32, 256, 3)
    work = Path(tempfile.mkdtemp(prefix="tlstudio-bench-infer-"))
    run, export, texts = model_folders(work)
    runners = {
        "tlstudio predict (PyTorch)": Studio(run, "pytorch"),
        "transformers.pipeline": Pipeline(run),
        "tlstudio predict, ONNX": Studio(export, "onnx"),
        "tlstudio predict, int8 ONNX": Studio(export, "onnx-int8"),
    }
    for runner in runners.values():  # warm-up
        runner.one(texts[0])
        runner.batch(texts[:16])
    one = {name: [] for name in runners}
    many = {name: [] for name in runners}
    with LoadSampler() as load:
        for _ in range(repeats):
            for name, runner in runners.items():
                one[name].append(time_one(runner, texts[:singles]))
                many[name].append(time_batch(runner, texts[:batch]))
    shutil.rmtree(work, ignore_errors=True)
    section = Section("Inference")
    base = "transformers.pipeline"
    for name in runners:
        section.add(f"{name}: one text", "ms", one[name])
    for name in runners:
        section.add(f"{name}: batches of 64", "texts/s", many[name])
    for name in runners:
        if name != base:
            section.add(f"{name} / pipeline, batch throughput", "ratio", ratios(many[name], many[base]))
            section.add(f"pipeline / {name}, one-text latency", "ratio", ratios(one[base], one[name]))
    section.notes.append(
        f"all-MiniLM-L6-v2 classifier (2 labels), max length 128, {torch.get_num_threads()} "
        f"threads; one-text figures are the median over {singles} review texts, batch figures "
        f"over {batch} texts; {repeats} repeats, runtimes interleaved. Ratios above 1 favour "
        "tlstudio."
    )
    section.notes.append(f"load average (1 min) during this section: max {max(load.samples):.1f}")
    return section


if __name__ == "__main__":
    result = measure("--quick" in sys.argv)
    print(json.dumps(result.to_dict()) if "--json" in sys.argv else json.dumps(result.to_dict(), indent=1))
