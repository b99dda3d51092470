"""``tlstudio health DATA``: the data-health report, on the command line.

Class balance, empty and unlabelled rows, exact and near duplicates, texts
with conflicting labels, train/validation leakage under the split a run would
make; optionally likely label errors (``--label-errors``) and, with
``--slice-column``, the labels per slice and (with ``--run``) a finished
run's scores per slice.
"""

from __future__ import annotations

import argparse
import json

from ..api import CancelToken


def add_health_parser(commands) -> None:
    from .flags import add_sheet_flag

    health = commands.add_parser(
        "health",
        help="check a dataset before training: balance, duplicates, leakage",
        description="Report class balance, duplicates, conflicting labels and "
        "train/validation leakage; optionally likely label errors and "
        "metrics per slice of a column.",
    )
    health.add_argument("data", metavar="DATA", help="the data file")
    health.add_argument("--text-column", help="column of texts (default: suggested from the data)")
    health.add_argument("--label-column", help="column of labels (default: suggested from the data)")
    health.add_argument("--split-column", help="column naming each row's split, as for training")
    add_sheet_flag(health, "")
    health.add_argument("--eval-fraction", type=float, default=0.1, help="validation share, as for training")
    health.add_argument("--seed", type=int, default=42, help="split seed, as for training")
    health.add_argument("--no-near", action="store_true", help="skip the near-duplicate search (faster)")
    health.add_argument(
        "--label-errors",
        action="store_true",
        help="also list likely label errors (5-fold out-of-fold predictions; slower)",
    )
    health.add_argument("--slice-column", help="column to compare slices of (e.g. a source or a category)")
    health.add_argument("--run", metavar="DIR", help="a finished run whose validation scores to show per slice")
    health.add_argument("--top", type=int, default=10, help="slices shown (the largest; default 10)")
    health.add_argument("--json", action="store_true", help="print the report as JSON")


def cmd_health(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import RunConfig
    from ..api import choose_column, refuse_nested_cells
    from ..api import dataset_health
    from ..api import read_table
    from ..api import suggest_roles

    table = read_table(args.data, sheet=args.sheet)
    roles = suggest_roles(table.frame, given={"text": args.text_column, "label": args.label_column})
    text, _ = choose_column(table, args.text_column, roles["text"], "--text-column")
    label, _ = choose_column(table, args.label_column, roles["label"], "--label-column")
    refuse_nested_cells(table, label, "--label-column", "single labels")  # the report is about one class a row
    config = RunConfig(
        data=args.data,
        text_column=text,
        label_column=label,
        split_column=args.split_column,
        eval_fraction=args.eval_fraction,
        seed=args.seed,
        sheet=args.sheet,
    )
    report = dataset_health(table, config, near=not args.no_near, cancel=cancel)
    result: dict = {
        "file": str(table.path),
        "rows": len(table),
        "text_column": text,
        "label_column": label,
        "class_counts": report.basic.label_counts,
        "labelled": report.basic.labelled,
        "unlabelled": report.basic.unlabelled,
        "empty_text": report.basic.empty_text,
        "findings": [
            {"level": f.level, "kind": f.kind, "text": f.text, "rows": [r + 1 for r in f.rows]} for f in report.findings
        ],
    }
    if args.label_errors:
        result["label_errors"] = _label_errors(table, text, label, cancel)
    if args.slice_column:
        result["slices"] = _slices(table, label, args, cancel)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_report(result)
    return 0


def _label_errors(table, text: str, label: str, cancel) -> list[dict]:
    from ..api import label_errors_in_columns

    texts = table.frame[text].tolist()
    found = label_errors_in_columns(texts, table.frame[label].tolist(), cancel=cancel, limit=50)
    return [
        {
            "row": c.position + 1,
            "given": c.given,
            "suggested": c.suggested,  # rows numbered from 1, as printed
            "suggested_probability": round(c.suggested_probability, 4),
            "text": str(texts[c.position])[:120],
        }
        for c in found
    ]


def _slices(table, label: str, args, cancel) -> dict:
    from ..api import require_column
    from ..api import label_balance_by_slice, run_slice_metrics

    column = require_column(table, args.slice_column, "--slice-column")
    balances, warnings = label_balance_by_slice(table.frame[column].tolist(), table.frame[label].tolist(), top=args.top)
    out: dict = {
        "column": column,
        "labels": [{"value": b.value, "rows": b.rows, "label_counts": b.label_counts} for b in balances],
        "shortcuts": warnings,
    }
    if args.run:
        report = run_slice_metrics(args.run, column, top=args.top)
        out["metrics"] = [
            {"value": s.value, "rows": s.rows, "accuracy": round(s.accuracy, 4), "macro_f1": round(s.macro_f1, 4)}
            for s in [report.overall, *report.slices]
        ]
        out["gap"] = report.gap_text()
    return out


def print_report(result: dict) -> None:
    """The report as text; ``--json`` prints ``result`` itself."""
    from .output import top_rows

    counts = result["class_counts"]
    total = sum(counts.values()) or 1
    print(
        f"{result['file']}: {result['rows']:,} rows; text '{result['text_column']}', label '{result['label_column']}'"
    )
    shown, more = top_rows(counts, key=lambda v: v)
    print(
        f"classes ({len(counts):,}): "
        + " · ".join(f"{_cut(k)} {v:,} ({v / total:.0%})" for k, v in shown.items())
        + (f" · … and {more:,} more (all in --json)" if more else "")
    )
    for finding in result["findings"]:
        rows = finding["rows"]
        shown = f" (rows {', '.join(map(str, rows[:8]))}{' …' if len(rows) > 8 else ''})" if rows else ""
        print(f"{finding['level']}: {finding['text']}{shown}")
    for error in result.get("label_errors", [])[:20]:
        print(
            f"label error? row {error['row']}: '{error['given']}' looks like '{error['suggested']}' "
            f"({error['suggested_probability']:.0%}): {error['text']}"
        )
    slices = result.get("slices")
    if slices:
        print(f"labels by '{slices['column']}' (largest {len(slices['labels'])}):")
        for item in slices["labels"]:
            print(
                f"  {_cut(item['value']):<30} {item['rows']:>6,}  "
                + ", ".join(f"{k} {v}" for k, v in item["label_counts"].items())
            )
        for warning in slices["shortcuts"]:
            print(f"warning: {warning}")
        if "metrics" in slices:
            print(f"validation scores by '{slices['column']}':")
            print(f"  {'value':<30} {'rows':>6} {'accuracy':>9} {'macro-F1':>9}")
            for item in slices["metrics"]:
                print(
                    f"  {_cut(item['value']):<30} {item['rows']:>6,} {item['accuracy']:>9.1%} {item['macro_f1']:>9.3f}"
                )
            print(slices["gap"])


def _cut(value: str, width: int = 30) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"
