"""``tlstudio tune`` and ``tlstudio labels-needed``: commands that train many runs and compare them."""

from __future__ import annotations

import argparse
import json
import sys

from ..api import config_fields
from ..api import ConfigError
from ..api import CancelToken
from .exit_codes import EXIT_INTERRUPTED
from .flags import config_from_args


def cmd_tune(args: argparse.Namespace, cancel: CancelToken) -> int:
    import dataclasses

    from ..api import tune
    from .output import TuneConsoleSink, print_trials

    config = config_from_args(args)
    fixed = {f.name for f in config_fields() if hasattr(args, f.name) and f.name not in ("data", "output")}
    space = [n.strip() for n in args.space.split(",") if n.strip()] if args.space else None
    result = tune(
        config,
        trials=args.trials,
        minutes=args.minutes,
        space=space,
        fixed=fixed,
        sink=TuneConsoleSink(stream=sys.stderr if args.json else sys.stdout),
        cancel=cancel,
        allow_pickle=args.allow_pickle,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "status": result.status,
                    "output_dir": str(result.output_dir),
                    "objective": result.objective,
                    "best_config": str(result.best_config or ""),
                    "trials": [dataclasses.asdict(t) for t in result.trials],
                },
                indent=2,
            )
        )
    else:
        print_trials(result)
    return EXIT_INTERRUPTED if result.status == "cancelled" else 0


def cmd_labels_needed(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import INITS, labels_needed
    from .output import TuneConsoleSink

    try:
        sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    except ValueError:
        raise ConfigError(f"--sizes must be whole numbers separated by commas, got '{args.sizes}'.") from None
    result = labels_needed(
        config_from_args(args), sizes, sink=TuneConsoleSink(), cancel=cancel, allow_pickle=args.allow_pickle
    )
    print(f"\n{'labels':>8}  " + "  ".join(f"{init:>10}" for init in INITS) + f"  {'gain':>8}   ({result.metric})")
    for size, values in result.table().items():
        cells = [values.get(init) for init in INITS]
        gap = f"{cells[0] - cells[1]:+8.4f}" if None not in cells else " " * 8
        print(f"{size:>8}  " + "  ".join(f"{v:10.4f}" if v is not None else " " * 10 for v in cells) + f"  {gap}")
    print(f"results in {result.output_dir}")
    return EXIT_INTERRUPTED if result.status == "cancelled" else 0
