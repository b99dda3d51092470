"""The "labels needed" study: how far a pretrained backbone gets with few labels, against random weights.

For each labelled-set size the same run is trained twice: from the
pretrained backbone and from the same architecture with random weights
(``RandomInitBackbone``: the backbone's config and tokenizer, fresh weights).
Every run is scored on the same validation rows (the base config's split),
and the training sets are nested: the 50 rows of the smallest set are among
the 100 of the next.  For text classification (single label).

Writes ``OUTPUT/labels_needed.json`` and ``.csv`` and one run folder per point
under ``OUTPUT/runs/``; events go to the sink as :class:`StudyPointMeasured`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..files import atomic_write_json, atomic_write_text
from ..progress import NullSink, StageChanged, StepEnded, StudyPointMeasured

INITS = ("pretrained", "random")
RESULTS_FILE = "labels_needed.json"


@dataclass
class StudyResult:
    status: str
    output_dir: Path
    metric: str
    points: list[dict] = field(default_factory=list)

    def table(self) -> dict[int, dict[str, float]]:
        """size -> {init: metric}."""
        found: dict[int, dict[str, float]] = defaultdict(dict)
        for point in self.points:
            found[point["size"]][point["init"]] = point[self.metric]
        return dict(sorted(found.items()))


def suggest_sizes(available: int, classes: int = 2, points: int = 4) -> list[int]:
    """Labelled-set sizes worth measuring: doubling from a few rows per class up to what the data has."""
    size = max(25, 4 * classes)
    sizes = []
    while size <= available and len(sizes) < points:
        sizes.append(size)
        size *= 2
    return sizes or ([available] if available >= max(2, classes) else [])


def labelled_rows(frame, label_column: str | None, eval_fraction: float) -> tuple[int, int]:
    """(rows left for training after the validation split, classes) in a table, roughly: for suggesting sizes
    before the study prepares the data properly."""
    if frame is None or not label_column or label_column not in frame.columns:
        return 0, 0
    labels = frame[label_column].dropna().astype(str).str.strip()
    labels = labels[labels != ""]
    return int(len(labels) * (1 - eval_fraction)), int(labels.nunique())


def parse_sizes(text: str) -> list[int]:
    """'50, 100 200' -> [50, 100, 200]; ConfigError naming what is not a size."""
    sizes = []
    for part in text.replace(",", " ").split():
        if not part.isdigit() or int(part) < 2:
            raise ConfigError(
                f"'{part}' is not a labelled-set size.", "Type whole numbers of rows, such as 50, 100, 200."
            )
        sizes.append(int(part))
    if not sizes:
        raise ConfigError("no labelled-set sizes given.", "Type a few numbers of rows, such as 50, 100, 200.")
    return sorted(set(sizes))


class StudyProgress:
    """How far a study is and how long it has left, from its events (for progress bars and ETAs).

    The study trains ``len(inits)`` runs per size, smallest first; a run's cost grows with its labelled rows,
    so each run weighs its size and the current one counts by its steps done.
    """

    def __init__(self, sizes: list[int], inits: tuple[str, ...] = INITS, clock=time.monotonic):
        self.runs = [(size, init) for size in sorted(set(sizes)) for init in inits]
        self.total = float(sum(size for size, _ in self.runs)) or 1.0
        self.measured = 0
        self._done = 0.0
        self._current = 0.0  # share of the current run done
        self._clock = clock
        self._started = clock()

    def update(self, event) -> None:
        if isinstance(event, StudyPointMeasured):
            self._done += event.size
            self.measured += 1
            self._current = 0.0
        elif isinstance(event, StepEnded) and event.total_steps:
            self._current = min(1.0, event.step / event.total_steps)

    @property
    def current_run(self) -> tuple[int, str] | None:
        return self.runs[self.measured] if self.measured < len(self.runs) else None

    @property
    def fraction(self) -> float:
        current = self.current_run
        return min(1.0, (self._done + (current[0] * self._current if current else 0.0)) / self.total)

    def eta_seconds(self) -> float | None:
        """Seconds left, once enough is done to tell (None before)."""
        fraction = self.fraction
        if fraction < 0.02:
            return None
        return (self._clock() - self._started) * (1 - fraction) / fraction


def random_init_backbone(backbone_path: Path, target: Path, seed: int = 0) -> Path:
    """The backbone's architecture and tokenizer with freshly initialised weights."""
    import torch
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    from ..backbones import load_tokenizer

    if (target / "model.safetensors").is_file():
        return target
    hf_logging.disable_progress_bar()  # progress reaches users through the sink
    torch.manual_seed(seed)
    model = AutoModel.from_config(AutoConfig.from_pretrained(str(backbone_path)))
    model.save_pretrained(str(target))
    load_tokenizer(backbone_path).save_pretrained(str(target))
    return target


def nested_samples(labels: list[str], sizes: list[int], seed: int) -> dict[int, list[int]]:
    """Positions for each size, stratified by label, each set containing the smaller ones."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        by_class[label].append(position)
    rng = random.Random(seed)
    for positions in by_class.values():
        rng.shuffle(positions)
    # Round-robin over the classes gives every prefix of the order a stratified share.
    order, depth = [], 0
    while len(order) < len(labels):
        for label in sorted(by_class):
            if depth < len(by_class[label]):
                order.append(by_class[label][depth])
        depth += 1
    return {size: sorted(order[:size]) for size in sizes}


def labels_needed(
    config, sizes: list[int], *, sink=None, cancel=None, allow_pickle: bool = False, inits: tuple[str, ...] = INITS
) -> StudyResult:
    from ..backbones import resolve_backbone
    from ..runs.folder import RunFolder
    from ..tasks import get_task, is_single_label_text
    from ..training.engine import train

    sink = sink or NullSink()
    config = config.with_task_defaults().validate()
    if not is_single_label_text(config):
        raise ConfigError("the labels-needed study is for single-label text classification.")
    sizes = sorted(set(sizes))
    if not sizes or sizes[0] < 2:
        raise ConfigError("give labelled-set sizes of at least 2 rows, such as 50,100,200.")
    folder = RunFolder(config.output)
    folder.prepare_new()
    data = get_task(config.task).prepare(config, sink)
    if sizes[-1] > len(data.train.texts):
        raise ConfigError(
            f"the largest size, {sizes[-1]}, is more than the {len(data.train.texts)} labelled training rows.",
            "Choose smaller sizes.",
        )
    if sizes[0] < len(data.label_names):
        raise ConfigError(
            f"the smallest size, {sizes[0]}, cannot hold one row of each of the {len(data.label_names)} classes.",
            f"Use sizes of at least {len(data.label_names)}.",
        )
    files = folder.path / "data"
    files.mkdir()
    eval_file = _write_rows(files / "validation.jsonl", data.eval.texts, data.eval.targets)
    samples = nested_samples(list(data.train.targets), sizes, config.seed)
    backbones = {"pretrained": config.backbone}
    if "random" in inits:
        sink.emit(StageChanged("preparing", "the backbone's architecture with random weights"))
        backbones["random"] = str(
            random_init_backbone(
                resolve_backbone(config.backbone).path, folder.path / "random-init-backbone", config.seed
            )
        )
    metric = "macro_f1"
    result = StudyResult("completed", folder.path, metric)
    for size in sizes:
        train_file = _write_rows(
            files / f"train-{size}.jsonl",
            [data.train.texts[i] for i in samples[size]],
            [data.train.targets[i] for i in samples[size]],
        )
        for init in inits:
            if cancel is not None and cancel.cancelled:
                result.status = "cancelled"
                break
            run_config = dataclasses.replace(
                config,
                data=str(train_file),
                eval_data=str(eval_file),
                text_column="text",
                label_column="label",
                text_pair_column=None,
                split_column=None,
                backbone=backbones[init],
                output=str(folder.path / "runs" / f"{init}-{size}"),
            )
            sink.emit(StageChanged("training", f"{size} labels, {init} weights"))
            outcome = train(run_config, sink, cancel, allow_pickle=allow_pickle)
            if outcome.status != "completed":
                result.status = "cancelled"
                break
            point = {
                "size": size,
                "init": init,
                metric: outcome.metrics.get(metric),
                "accuracy": outcome.metrics.get("accuracy"),
                "run": str(outcome.output_dir),
            }
            result.points.append(point)
            sink.emit(StudyPointMeasured(size, init, {k: point[k] for k in (metric, "accuracy")}))
    _write(result)
    return result


def read_study(folder: str | Path) -> StudyResult:
    """A finished (or stopped) study's results, from its ``labels_needed.json``."""
    folder = Path(folder).expanduser()
    try:
        raw = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
        return StudyResult(str(raw["status"]), folder, str(raw["metric"]), list(raw["points"]))
    except FileNotFoundError:
        raise ConfigError(
            f"{folder} holds no {RESULTS_FILE}.",
            "Choose the folder a labels-needed study wrote (labels-needed-… in the project).",
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read {folder / RESULTS_FILE}: {exc}.") from None


def _write_rows(path: Path, texts: list[str], labels: list[str]) -> Path:
    atomic_write_text(
        path, "".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n" for t, y in zip(texts, labels))
    )
    return path


def _write(result: StudyResult) -> None:
    atomic_write_json(
        result.output_dir / RESULTS_FILE, {"status": result.status, "metric": result.metric, "points": result.points}
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["labels", *(f"{init}_{result.metric}" for init in INITS), "difference"])
    for size, values in result.table().items():
        row = [values.get(init) for init in INITS]
        gap = row[0] - row[1] if None not in row else None
        writer.writerow([size, *("" if v is None else f"{v:.4f}" for v in row), "" if gap is None else f"{gap:.4f}"])
    atomic_write_text(result.output_dir / "labels_needed.csv", out.getvalue())
