"""Multi-task against single-task on real data: news outlets (headlines) and review sentiment.

    PYTHONPATH=. nice -n 10 python bench/multitask_study.py [--datasets ../shared/datasets] [--out /tmp/mt-study]

Draws ``--rows`` rows (seeded) from ``news_articles.jsonl`` (headline -> outlet, 9 classes)
and from ``rotten_tomatoes.csv`` (snippet -> fresh/rotten), writes them and a sub-task list
into --out, and trains the bundled backbone on both together with
``compare_single_task`` on: each sub-task is then trained alone with the same settings.
Prints the comparison table and writes ``results.json``.  The data written to --out is
third-party text: it stays there, never in the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tlstudio.core.config import RunConfig  # noqa: E402
from tlstudio.core.training.engine import train  # noqa: E402
from tlstudio.cli.output import ConsoleSink, print_multitask  # noqa: E402


def write_subsets(datasets: Path, out: Path, rows: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    with open(datasets / "news_articles.jsonl", encoding="utf-8") as handle:
        news = [json.loads(line) for line in handle if line.strip()]
    with open(datasets / "rotten_tomatoes.csv", encoding="utf-8", newline="") as handle:
        reviews = list(csv.DictReader(handle))
    news_file, reviews_file = out / "news.csv", out / "reviews.csv"
    for path, picked, text, label in (
        (news_file, rng.sample(news, rows), "title", "source"),
        (reviews_file, rng.sample(reviews, rows), "text", "label"),
    ):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows([row[text], row[label]] for row in picked)
    return news_file, reviews_file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default=str(Path(__file__).resolve().parents[2] / "shared" / "datasets"))
    parser.add_argument("--out", default="/tmp/mt-study")
    parser.add_argument("--rows", type=int, default=600, help="rows drawn from each dataset (a quarter validates)")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    news, reviews = write_subsets(Path(args.datasets), out, args.rows, args.seed)
    subtasks = [
        {"name": "outlet", "data": str(news), "text_column": "text", "label_column": "label"},
        {"name": "sentiment", "data": str(reviews), "text_column": "text", "label_column": "label"},
    ]
    config = RunConfig(
        task="multi-task",
        subtasks=subtasks,
        compare_single_task=True,
        output=str(out / "run"),
        epochs=args.epochs,
        batch_size=16,
        max_length=48,
        eval_fraction=0.25,
        seed=args.seed,
        device="cpu",
    )
    started = time.time()
    result = train(config, ConsoleSink())
    print_multitask(result.metrics, result.output_dir)
    results = {
        "rows_per_dataset": args.rows,
        "epochs": args.epochs,
        "wall_seconds": round(time.time() - started),
        "metrics": {k: v for k, v in result.metrics.items() if k != "tasks"},
    }
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
