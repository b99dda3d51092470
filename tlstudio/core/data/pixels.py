"""Turning a table of pixel values (MNIST-style rows) into an image folder tlstudio trains on.

``tlstudio images-from-pixels digits.csv.gz --output digits/`` writes one PNG
per row into ``digits/<label>/``: the folder-of-classes layout every image run
reads.  Rows hold ``width x height`` grey values (0-255, row-major) or, with
``channels=3``, interleaved RGB values, plus a label column (the last one
unless named).  The source file is only read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, DataError
from ..progress import NullSink, WorkProgressed
from ..safe_paths import child, unique_components


@dataclass
class PixelConversion:
    output: Path
    images: int
    width: int
    height: int
    classes: dict[str, int]


def images_from_pixels(
    source: str | Path,
    output: str | Path,
    *,
    label_column: str | None = None,
    width: int | None = None,
    channels: int = 1,
    limit: int | None = None,
    force: bool = False,
    sink=None,
    cancel=None,
) -> PixelConversion:
    import numpy as np
    import pandas as pd
    from PIL import Image

    sink = sink or NullSink()
    source, output = Path(source).expanduser(), Path(output).expanduser()
    if not source.is_file():
        raise DataError(f"{source} does not exist.", "Give a CSV (optionally .gz) of pixel rows.")
    if channels not in (1, 3):
        raise ConfigError(f"channels must be 1 (grey) or 3 (RGB), got {channels}.")
    if output.exists() and not output.is_dir():
        raise ConfigError(f"{output} is a file, not a folder.", "Give a folder for the images with --output.")
    if output.exists() and any(output.iterdir()) and not force:
        raise ConfigError(f"{output} already exists and is not empty.", "Choose a new folder, or pass --force.")
    try:
        first = pd.read_csv(source, header=None, nrows=1, dtype=str)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {source} as CSV ({exc}).") from None
    has_header = not all(_is_number(v) for v in first.iloc[0].tolist())
    frame = pd.read_csv(source, header=0 if has_header else None, nrows=limit, dtype=str)
    frame.columns = [str(c) for c in frame.columns]
    label = _label_column(frame, label_column, source)
    pixels = frame.drop(columns=[label])
    try:
        values = pixels.to_numpy(dtype=np.float64)
    except ValueError:
        raise DataError(
            f"{source} holds values that are not numbers outside the label column '{label}'.",
            "Name the label column with --label-column.",
        ) from None
    if np.isnan(values).any():
        raise DataError(f"{source} has empty pixel cells.", "Every row needs every pixel value.")
    count = values.shape[1] // channels
    if values.shape[1] % channels:
        raise DataError(f"{source} has {values.shape[1]} pixel columns, not a multiple of {channels} channels.")
    if width is None:
        side = math.isqrt(count)
        if side * side != count:
            raise ConfigError(f"{count} pixels per row is not a square image.", "Give the image width with --width.")
        width = side
    if count % width:
        raise ConfigError(f"{count} pixels per row cannot make rows of width {width}.")
    height = count // width
    if values.max() <= 1.0:  # stored as 0-1 intensities
        values = values * 255.0
    values = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    labels = [str(v).strip() for v in frame[label].tolist()]
    # Class folders are named from the data: '..', 'a/b' or a huge label must stay one folder inside output.
    folders = unique_components(labels, fallback="unlabelled")
    classes: dict[str, int] = {}
    digits = len(str(len(labels)))
    targets = [child(output, folders[name], f"{i:0{digits}d}.png") for i, name in enumerate(labels, start=1)]
    # --force writes into a folder that has files, never over one of them.
    taken = next((t for t in targets if t.exists()), None) if output.exists() else None
    if taken is not None:
        raise ConfigError(
            f"{taken} already exists; tlstudio does not write over files.", "Choose a new or empty folder for --output."
        )
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {output}: {exc.strerror}.", "Choose a folder you can write to.") from None
    for i, (row, name) in enumerate(zip(values, labels), start=1):
        if cancel is not None and cancel.cancelled:
            break
        folder = folders[name]
        target = targets[i - 1]
        target.parent.mkdir(exist_ok=True)
        shape = (height, width) if channels == 1 else (height, width, 3)
        Image.fromarray(row.reshape(shape), mode="L" if channels == 1 else "RGB").save(target)
        classes[folder] = classes.get(folder, 0) + 1
        if i % 500 == 0:
            sink.emit(WorkProgressed(i, len(labels), "files", "writing images"))
    return PixelConversion(output, sum(classes.values()), width, height, dict(sorted(classes.items())))


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _label_column(frame, given: str | None, source: Path) -> str:
    columns = list(frame.columns)
    if given is None or given == "last":
        return columns[-1]
    if given == "first":
        return columns[0]
    if given in columns:
        return given
    if given.lstrip("-").isdigit() and -len(columns) <= int(given) < len(columns):
        return columns[int(given)]
    raise DataError(f"{source} has no column '{given}'.", "Use a column name, a 0-based index, 'first' or 'last'.")
