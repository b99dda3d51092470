""" "Would more labels help?": the same run trained on 25%, 50% and 100% of the training labels.

Every point is scored on the same validation rows (the split the full run
would make), and the smaller training sets are stratified samples nested in
one another, so the curve shows the effect of label count alone.  A curve
still climbing at 100% says more labels will pay; a flat one says look
elsewhere (the model, the label quality).  Each point is a normal run folder
under ``output`` (``labels-25``, ``labels-50``, ``labels-100``).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from pathlib import Path

from ..config import RunConfig
from ..errors import ConfigError, RunCancelled
from ..progress import NullSink, StageChanged

FRACTIONS = (0.25, 0.5, 1.0)
SPLIT_COLUMN = "__tlstudio_split"


@dataclass(frozen=True)
class CurvePoint:
    fraction: float
    train_rows: int
    accuracy: float
    macro_f1: float
    output_dir: Path


def nested_samples(labels: list[str], fractions: tuple[float, ...], seed: int) -> dict[float, list[int]]:
    """Positions kept at each fraction: per class, a prefix of one shuffled order (so 25% ⊂ 50% ⊂ 100%)."""
    by_class: dict[str, list[int]] = {}
    for position, label in enumerate(labels):
        by_class.setdefault(label, []).append(position)
    rng = random.Random(seed)
    for positions in by_class.values():
        rng.shuffle(positions)
    return {
        f: sorted(p for positions in by_class.values() for p in positions[: max(1, round(len(positions) * f))])
        for f in fractions
    }


def learning_curve(
    config: RunConfig, output: str | Path, fractions: tuple[float, ...] = FRACTIONS, *, sink=None, cancel=None
) -> list[CurvePoint]:
    from ..data.readers import read_table
    from ..files import atomic_write_bytes
    from ..data.writers import frame_bytes
    from ..tasks.classification_rows import read_rows, split_rows
    from ..tasks.single_label import SingleLabel
    from .engine import train

    import pandas as pd

    sink = sink or NullSink()
    if config.task != "text-classification" or config.multi_label or config.regression:
        raise ConfigError("the learning curve is made for single-label text classification.")
    table = read_table(config.data)
    mode = SingleLabel()
    rows = read_rows(table, config.text_column, config.label_column, config.text_pair_column, mode, NullSink())
    if config.eval_data:
        eval_table = read_table(config.eval_data)
        train_rows = rows
        evaluation = read_rows(
            eval_table, config.text_column, config.label_column, config.text_pair_column, mode, NullSink()
        )
    else:
        train_rows, evaluation, _ = split_rows(rows, table, config, mode.stratify(rows.targets))
    samples = nested_samples(list(train_rows.targets), tuple(fractions), config.seed)
    output = Path(output)
    points = []
    for fraction in fractions:
        if cancel is not None and cancel.cancelled:
            raise RunCancelled()
        keep = samples[fraction]
        sink.emit(StageChanged("learning-curve", f"Training on {fraction:.0%} of the labels ({len(keep):,} rows)"))
        columns = {
            "text": [train_rows.texts[p] for p in keep] + list(evaluation.texts),
            "label": [train_rows.targets[p] for p in keep] + list(evaluation.targets),
            SPLIT_COLUMN: ["train"] * len(keep) + ["validation"] * len(evaluation.texts),
        }
        if config.text_pair_column:
            columns["pair"] = [train_rows.pairs[p] for p in keep] + list(evaluation.pairs)
        snapshot = output / "data" / f"labels-{round(fraction * 100)}.jsonl"
        atomic_write_bytes(snapshot, frame_bytes(pd.DataFrame(columns), "jsonl"))
        point_config = dataclasses.replace(
            config,
            data=str(snapshot),
            eval_data=None,
            split_column=SPLIT_COLUMN,
            text_column="text",
            label_column="label",
            text_pair_column="pair" if config.text_pair_column else None,
            output=str(output / f"labels-{round(fraction * 100)}"),
        )
        result = train(point_config, sink, cancel)
        if result.status != "completed":
            raise RunCancelled()
        points.append(
            CurvePoint(
                fraction,
                len(keep),
                float(result.metrics.get("accuracy", 0.0)),
                float(result.metrics.get("macro_f1", 0.0)),
                result.output_dir,
            )
        )
    return points


def verdict(points: list[CurvePoint]) -> str:
    """One sentence on whether more labels look worth it."""
    if len(points) < 2:
        return ""
    last, before = points[-1], points[-2]
    gain = last.macro_f1 - before.macro_f1
    if gain >= 0.02:
        return (
            f"Going from {before.train_rows:,} to {last.train_rows:,} labels raised macro-F1 by {gain:.3f}: the "
            "curve is still climbing, so more labels will likely help."
        )
    return (
        f"Going from {before.train_rows:,} to {last.train_rows:,} labels changed macro-F1 by {gain:+.3f}: the "
        "curve is flattening; check label quality or try another backbone before labelling much more."
    )
