"""Transfer-learning techniques compared on news sources with 200 labels (issue 9's study).

    PYTHONPATH=. python bench/techniques_study.py [--datasets ../shared/datasets] [--out /tmp/techniques-study]

On ``news_articles.jsonl`` (label ``source``, 9 outlets) it draws 270
validation rows (30 per outlet) and 200 labelled training rows (stratified);
every other row goes into the training file unlabelled.  Then, all scored on
the same 270 validation rows:

* the labels-needed study (``tlstudio labels-needed``): full fine-tuning from
  the pretrained backbone and from the same architecture with random weights,
  at 50, 100 and 200 labels (the 200-label pretrained run is the "full" row);
* the frozen backbone, LoRA, and domain adaptation then full fine-tuning, at
  200 labels.  Domain adaptation reads the article bodies of the training
  file (the unlabelled rows and the 200 labelled ones); the validation rows
  live in a separate file, so none of their text reaches the masked-LM stage.

The classifier reads headlines (``--text-column title``): article bodies open
with datelines such as "(CNN)" or "MOSCOW, (TASS)" that give the answer away,
and headlines keep the study under 30 minutes on a 2-core CPU.  ``--quick``
runs a reduced version (fewer epochs and adaptation steps) for a busy machine.
It prints one table and writes ``results.json`` and ``results.md`` in --out.
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
from tlstudio.core.studies.labels_needed import labels_needed  # noqa: E402
from tlstudio.core.training.engine import train  # noqa: E402
from tlstudio.cli.output import TuneConsoleSink  # noqa: E402

EVAL_PER_CLASS = 30
LABELLED = 200


def prepare(datasets: Path, out: Path, text_column: str, seed: int) -> tuple[Path, Path]:
    rows = [json.loads(line) for line in (datasets / "news_articles.jsonl").read_text().splitlines() if line.strip()]
    rng = random.Random(seed)
    rng.shuffle(rows)
    evaluation, rest = [], []
    taken: dict[str, int] = {}
    for row in rows:
        if taken.get(row["source"], 0) < EVAL_PER_CLASS:
            taken[row["source"]] = taken.get(row["source"], 0) + 1
            evaluation.append(row)
        else:
            rest.append(row)
    # 200 labelled rows, stratified: round-robin over the outlets.
    by_source: dict[str, list[dict]] = {}
    for row in rest:
        by_source.setdefault(row["source"], []).append(row)
    labelled: list[dict] = []
    depth = 0
    while len(labelled) < LABELLED:
        for source in sorted(by_source):
            if depth < len(by_source[source]) and len(labelled) < LABELLED:
                labelled.append(by_source[source][depth])
        depth += 1
    chosen = {id(r) for r in labelled}
    unlabelled = [r for r in rest if id(r) not in chosen]
    out.mkdir(parents=True, exist_ok=True)

    def line(row, label):
        return json.dumps({"title": row["title"], "text": row["text"], "source": label}, ensure_ascii=False) + "\n"

    train_file = out / "news_train.jsonl"
    train_file.write_text("".join([line(r, r["source"]) for r in labelled] + [line(r, "") for r in unlabelled]))
    eval_file = out / "news_validation.jsonl"
    eval_file.write_text("".join(line(r, r["source"]) for r in evaluation))
    print(
        f"{len(labelled)} labelled, {len(unlabelled)} unlabelled training rows; {len(evaluation)} validation rows "
        f"(text column '{text_column}')"
    )
    return train_file, eval_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/techniques-study"))
    parser.add_argument("--text-column", default="title")
    parser.add_argument("--quick", action="store_true", help="fewer epochs and adaptation steps (a busy machine)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--part",
        choices=("all", "labels", "techniques", "table"),
        default="all",
        help="run one half (two processes can share --out), or only print the table of a finished --out",
    )
    args = parser.parse_args()
    started = time.time()
    if (args.out / "news_train.jsonl").is_file() and args.part != "all":
        train_file, eval_file = args.out / "news_train.jsonl", args.out / "news_validation.jsonl"
    elif args.out.exists() and any(args.out.iterdir()):
        sys.exit(f"{args.out} is not empty; choose another --out")
    else:
        train_file, eval_file = prepare(args.datasets, args.out, args.text_column, args.seed)
    epochs = 4.0 if args.quick else 8.0
    base = RunConfig(
        data=str(train_file),
        eval_data=str(eval_file),
        text_column=args.text_column,
        label_column="source",
        max_length=48 if args.text_column == "title" else 128,
        batch_size=16,
        epochs=epochs,
        seed=args.seed,
        save_total_limit=1,
    )
    sink = TuneConsoleSink()
    results: dict[str, dict] = {}

    t0 = time.time()
    if args.part in ("all", "labels"):
        labels_needed(
            RunConfig(**{**base.to_dict(), "output": str(args.out / "labels-needed")}), [50, 100, LABELLED], sink=sink
        )
    study_minutes = (time.time() - t0) / 60

    techniques = {
        "frozen": dict(strategy="frozen"),
        "lora": dict(strategy="lora"),
        "adapted+full": dict(
            adapt_source="dataset",
            adapt_column="text",
            adapt_max_steps=60 if args.quick else 150,
            adapt_learning_rate=1e-4,
        ),
    }
    for name, options in techniques.items() if args.part in ("all", "techniques") else ():
        config = RunConfig(**{**base.to_dict(), **options, "output": str(args.out / name)})
        print(f"\n=== {name}")
        train(config, sink)
    if args.part in ("labels", "techniques"):
        return
    for folder in sorted((args.out / "labels-needed" / "runs").glob("*-*")):
        if (folder / "metrics.json").is_file():
            results[folder.name] = _row(folder)
    for name in techniques:
        results[name] = _row(args.out / name)
    results["full"] = results[f"pretrained-{LABELLED}"]
    total = (time.time() - started) / 60

    lines = _table(results, study_minutes, total, args)
    print("\n".join(lines))
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    (args.out / "results.json").write_text(
        json.dumps(
            {"results": results, "minutes": round(total, 1), "quick": args.quick, "text_column": args.text_column},
            indent=2,
        )
    )


def _row(folder) -> dict:
    folder = Path(folder)
    metrics = json.loads((folder / "metrics.json").read_text())
    record = json.loads((folder / "run.json").read_text())
    row = {
        "macro_f1": metrics["macro_f1"],
        "accuracy": metrics["accuracy"],
        "trainable_parameters": record["strategy"]["trainable_parameters"],
        "total_parameters": record["strategy"]["total_parameters"],
        "train_seconds": metrics["train_runtime_seconds"],
        "learning_rate": record["config"]["learning_rate"],
    }
    if "adaptation" in record:
        adaptation = record["adaptation"]
        row["adaptation"] = {
            k: adaptation[k] for k in ("steps", "blocks", "held_out_loss_before", "held_out_loss_after")
        }
        row["adaptation"]["texts"] = adaptation["source"]["texts"]
    return row


def _table(results: dict, study_minutes: float, total: float, args) -> list[str]:
    took = f"; {total:.1f} minutes in all" if args.part == "all" else ""
    lines = [
        f"200 labelled headlines, 9 outlets, 270 validation rows; all-MiniLM-L6-v2; "
        f"{'reduced (--quick)' if args.quick else 'full'} settings{took}.",
        "",
        "| technique | macro-F1 | accuracy | trained parameters | learning rate | training time |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("frozen", "full", "lora", "adapted+full"):
        r = results[name]
        share = f"{r['trainable_parameters']:,} ({100 * r['trainable_parameters'] / r['total_parameters']:.1f}%)"
        lines.append(
            f"| {name} | {r['macro_f1']:.3f} | {r['accuracy']:.3f} | {share} | {r['learning_rate']:g} | "
            f"{r['train_seconds']:.0f} s |"
        )
    if "adaptation" in results["adapted+full"]:
        a = results["adapted+full"]["adaptation"]
        lines += [
            "",
            f"Domain adaptation: {a['steps']} masked-LM steps over {a['blocks']} blocks from {a['texts']} "
            f"article bodies; held-out masked-LM loss {a['held_out_loss_before']} -> "
            f"{a['held_out_loss_after']}.",
        ]
    lines += [
        "",
        "Labels needed (full fine-tuning, macro-F1):",
        "",
        "| labels | pretrained | random init | difference |",
        "|---|---|---|---|",
    ]
    for size in (50, 100, LABELLED):
        if f"pretrained-{size}" not in results or f"random-{size}" not in results:
            continue
        p, r = results[f"pretrained-{size}"]["macro_f1"], results[f"random-{size}"]["macro_f1"]
        lines.append(f"| {size} | {p:.3f} | {r:.3f} | {100 * (p - r):+.1f} points |")
    if args.part == "all":
        lines += ["", f"(labels-needed runs: {study_minutes:.1f} minutes)"]
    return lines


if __name__ == "__main__":
    main()
