"""A quick retrain while labelling: the last model, fine-tuned again on the labels as they are now.

Starting from the last model (not the original backbone) and training for a
short while is enough to refresh suggestions after a few dozen new labels;
a full run from the Train page is still the way to the final model.  The
labels are read from a snapshot of the table being edited (written beside
the run), so unsaved edits count and the user's file is never touched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from pathlib import Path

from ..config import RunConfig
from ..errors import DataError

QUICK_EPOCHS = 2.0


def write_snapshot(frame, columns: list[str], label_column: str, path: str | Path) -> int:
    """The labelled rows of ``frame`` (only ``columns``) as JSON Lines at ``path``; returns how many."""
    from ..files import atomic_write_bytes
    from ..data.writers import frame_bytes

    labelled = frame[frame[label_column].notna()]
    labelled = labelled[labelled[label_column].astype(str).str.strip() != ""]
    if len(labelled) == 0:
        raise DataError(f"no row has a '{label_column}' yet.", "Label some rows first.")
    atomic_write_bytes(path, frame_bytes(labelled[[c for c in columns if c in frame.columns]], "jsonl"))
    return len(labelled)


def quick_retrain_config(
    model_dir: str | Path,
    snapshot: str | Path,
    output: str | Path,
    text_column: str,
    label_column: str,
    base: RunConfig | None = None,
    epochs: float = QUICK_EPOCHS,
) -> RunConfig:
    """The last model's own settings, pointed at the snapshot and shortened."""
    known = {f.name for f in fields(RunConfig)}
    recorded = {}
    try:
        from ..runs.listing import read_config

        recorded = {k: v for k, v in read_config(model_dir).items() if k in known}
    except Exception:  # a model folder without run.json (an export): fall back to the settings being edited
        recorded = {}
    config = RunConfig.from_dict(recorded) if recorded else (base or RunConfig())
    return dataclasses.replace(
        config,
        task="text-classification",
        data=str(snapshot),
        eval_data=None,
        split_column=None,
        text_column=text_column,
        label_column=label_column,
        backbone=str(Path(model_dir).resolve()),
        output=str(output),
        epochs=epochs,
        max_steps=None,
        early_stopping_patience=0,
        report_to="none",
        multi_label=False,
        regression=False,
    )


def quick_retrain(
    model_dir: str | Path,
    frame,
    text_column: str,
    label_column: str,
    output: str | Path,
    *,
    base: RunConfig | None = None,
    sink=None,
    cancel=None,
):
    """Snapshot the labels and fine-tune the last model on them; returns the engine's ``RunResult``.

    The snapshot is kept in ``label-snapshots/`` beside the run, so the run's ``run.json`` can repeat it.
    """
    from ..training.engine import train

    output = Path(output)
    snapshot = output.parent / "label-snapshots" / f"{output.name}.jsonl"
    config = quick_retrain_config(model_dir, snapshot, output, text_column, label_column, base)
    columns = [text_column, label_column] + ([config.text_pair_column] if config.text_pair_column else [])
    write_snapshot(frame, columns, label_column, snapshot)
    return train(config, sink, cancel)
