"""Image datasets: a folder of class sub-folders, or a table naming image files and their labels.

Both shapes become the same :class:`~tlstudio.core.data.table.Table` with an
``image`` column (paths as written, relative to the folder or to the table
file) and a ``label`` column, so column choice, label parsing and splitting
work exactly as for text.  Images that cannot be opened are listed by row and
left out of the run; they never stop it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import DataError
from .column_names import IMAGE_NAMES
from .table import Table, list_numbers

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
# An image column holds paths with one of these suffixes in most of its first rows.
PATH_SHARE = 0.8


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def read_image_folder(folder: str | Path) -> Table:
    """``folder/<class>/<image>`` as a table; images directly in ``folder`` are unlabelled."""
    import pandas as pd

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.", "Give a folder holding one sub-folder of images per class.")
    images, labels = [], []
    for item in sorted(folder.iterdir()):
        if item.is_dir() and not item.name.startswith("."):
            for file in sorted(item.rglob("*")):
                if file.is_file() and is_image_file(file) and not file.name.startswith("."):
                    images.append(file.relative_to(folder).as_posix())
                    labels.append(item.name)
        elif item.is_file() and is_image_file(item):
            images.append(item.name)
            labels.append(None)
    if not images:
        raise DataError(
            f"{folder} holds no images in class sub-folders.",
            "Put each class's images in a sub-folder named after the class (cats/001.png, dogs/002.png), "
            "or give a CSV/JSON file with an image-path column and a label column.",
        )
    frame = pd.DataFrame({"image": images, "label": labels}, dtype=object)
    return Table(frame, folder, "image folder")


def read_image_data(path: str | Path, *, nrows: int | None = None, sheet: str | None = None) -> Table:
    """A folder of class sub-folders, or any table tlstudio reads (paths relative to the table file)."""
    from .readers import read_table

    path = Path(path).expanduser()
    if path.is_dir():
        return read_image_folder(path)
    return read_table(path, nrows=nrows, sheet=sheet)


def image_root(table: Table) -> Path:
    """The folder relative image paths of ``table`` start from."""
    return table.path if table.path.is_dir() else table.path.parent


def resolve_image(value, root: Path) -> Path | None:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    if not text:
        return None
    path = Path(text).expanduser()
    return path if path.is_absolute() else root / path


def looks_like_image_column(values: list) -> bool:
    texts = [str(v).strip() for v in values[:200] if isinstance(v, str) and v.strip()]
    if not texts:
        return False
    return sum(Path(t).suffix.lower() in IMAGE_SUFFIXES for t in texts) / len(texts) >= PATH_SHARE


def suggest_image_column(frame) -> tuple[str | None, str]:
    """The column holding image paths, and why it was picked."""
    from .profiles import candidate_columns

    # Only the first values of a bounded set of columns: a wide table must not be read whole to guess.
    looked = candidate_columns(frame, IMAGE_NAMES)
    candidates = [str(c) for c in looked.columns if looks_like_image_column(frame[c].iloc[:200].tolist())]
    if not candidates:
        return None, "no column holds image file names (.png, .jpg, ...)" + looked.note
    named = [c for c in candidates if c.lower() in IMAGE_NAMES]
    column = named[0] if named else candidates[0]
    return column, "its values are image file names"


def unreadable_images(paths: list[Path], *, check: str = "open") -> dict[int, str]:
    """Position -> reason for each image that cannot be used.

    ``check="open"`` reads each file's header (fast); ``"decode"`` decodes every pixel, which also
    finds truncated files but costs a full read.
    """
    from PIL import Image, UnidentifiedImageError

    bad: dict[int, str] = {}
    for i, path in enumerate(paths):
        try:
            found = path.is_file()
        except OSError as exc:  # a value too long to be a file name (ENAMETOOLONG), or not a path at all
            bad[i] = f"not a usable file name ({exc.strerror or type(exc).__name__})"
            continue
        if not found:
            bad[i] = "file not found"
            continue
        try:
            with Image.open(path) as image:
                if check == "decode":
                    image.load()
                else:
                    image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            bad[i] = f"not a readable image ({type(exc).__name__})"
    return bad


def describe_unreadable(source: Path, rows: list[int], reasons: list[str], names: list[str]) -> str:
    listed = "; ".join(f"{name} ({reason})" for name, reason in list(zip(names, reasons))[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return (
        f"{source}: left out {len(rows)} image(s) that cannot be read (data row(s) {list_numbers(rows)}): "
        f"{listed}{more}."
    )


def folder_fingerprint(folder: Path) -> str:
    """A hash of the images' names, sizes and times: changes when files are added, removed or replaced."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(folder).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
