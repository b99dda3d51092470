"""Measure candidate default hyperparameters with the bundled backbone.

The defaults in tlstudio/core/config.py were chosen with this script; the
numbers it printed are in docs/defaults.md.  It trains real runs, so it takes
a while on a CPU (about 3 minutes per rotten-tomatoes run on 2 cores).

    python bench/defaults_study.py --datasets ../shared/datasets --out /tmp/defaults-study [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tlstudio.core.config import RunConfig  # noqa: E402
from tlstudio.core.training.engine import train  # noqa: E402


def skewed_news(datasets: Path, out: Path, seed: int = 0) -> Path:
    """600 headlines from three US outlets at 65/25/10, a small skewed dataset like users bring.

    Headlines only, and outlets that cover the same stories: article bodies carry
    datelines such as "(CNN)" that make the task trivially easy.
    """
    rows = [json.loads(line) for line in (datasets / "news_articles.jsonl").read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    chosen = []
    for source, count in (("abcnews", 390), ("huffingtonpost", 150), ("cnn", 60)):
        pool = [r for r in rows if r["source"] == source]
        chosen += rng.sample(pool, count)
    rng.shuffle(chosen)
    path = out / "news_headlines_skewed_600.jsonl"
    path.write_text("".join(json.dumps({"text": r["title"], "source": r["source"]}) + "\n" for r in chosen))
    return path


def experiments(datasets: Path, out: Path):
    rt = str(datasets / "rotten_tomatoes.csv")
    for lr in (5e-5, 1e-4, 2e-4):
        yield (
            f"rt-150-lr{lr:g}",
            dict(data=rt, text_column="text", label_column="label", max_steps=150, learning_rate=lr),
        )
    news = str(skewed_news(datasets, out))
    # Everything else at its default, as a user who changes nothing would run it.
    for lr, weighting in ((2e-4, "auto"), (2e-4, "off"), (1e-4, "auto")):
        yield (
            f"headlines-skewed-80-lr{lr:g}-w{weighting}",
            dict(
                data=news,
                text_column="text",
                label_column="source",
                max_steps=80,
                learning_rate=lr,
                class_weighting=weighting,
            ),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/defaults-study"))
    parser.add_argument("--only", help="run only experiments whose name contains this")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / "results.jsonl"
    for name, overrides in experiments(args.datasets, args.out):
        if args.only and args.only not in name:
            continue
        output = args.out / name
        if (output / "metrics.json").exists():
            metrics = json.loads((output / "metrics.json").read_text())
        else:
            started = time.time()
            metrics = train(RunConfig(output=str(output), seed=42, **overrides)).metrics
            metrics["wall_seconds"] = round(time.time() - started, 1)
        row = {
            "name": name,
            **{
                k: metrics.get(k)
                for k in ("accuracy", "macro_f1", "majority_accuracy", "majority_macro_f1", "wall_seconds")
            },
        }
        print(json.dumps(row), flush=True)
        with open(results_file, "a") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
