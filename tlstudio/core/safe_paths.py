"""Turning text from a user's data into file and folder names that stay where they belong.

Labels, class names and column values become folder and file names (an image
folder per class, a file per exported class list).  Data is not trusted: a
label ``..`` or ``../../home`` must not climb out of ``--output``, a label
``a/b`` must not make a sub-folder, and a 10,000-character label must not make
a name the file system refuses.  Every such name goes through
``safe_component`` and every path built from it through ``child``, which
proves the result is inside its folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from .errors import DataError

# Anything but letters, digits, '_', '-', '.', and spaces becomes '_'  (path separators, NUL, control chars,
# ':' (a Windows drive or an NTFS stream), '*?"<>|' (refused by Windows)).
_UNSAFE = re.compile(r"[^\w.\- ]+")
# Names Windows reserves in every folder, with or without an extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
# Most file systems allow 255 bytes for one name; leave room for a suffix tlstudio adds (".png", "_2").
MAX_NAME_BYTES = 120


def safe_component(text: object, fallback: str = "unnamed") -> str:
    """One path component made from ``text``: never empty, never ``.``/``..``, no separators, short enough.

    Distinct texts can map to the same name (``a/b`` and ``a_b``); ``unique_components`` keeps them apart.
    """
    name = unicodedata.normalize("NFC", str(text))
    name = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in name)  # control, format (RTL) chars
    name = _UNSAFE.sub("_", name).strip(" ")
    # Leading dots hide a file (and '.'/'..' climb); trailing dots and spaces are dropped by Windows.
    name = name.lstrip(".").rstrip(". ")
    if not name:
        name = fallback
    if name.split(".")[0].lower() in _RESERVED:
        name = f"_{name}"
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        # Keep a readable start and make the cut name unique with a digest of the whole text.
        digest = hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = encoded[: MAX_NAME_BYTES - 11].decode("utf-8", "ignore").rstrip(". ") + "-" + digest
    return name


def unique_components(texts, fallback: str = "unnamed") -> dict[str, str]:
    """A safe name for each distinct text; two texts whose safe names clash (case-insensitively, as on macOS
    and Windows) get ``_2``, ``_3`` so that their files never merge."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for text in dict.fromkeys(str(t) for t in texts):
        base = safe_component(text, fallback)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name.lower())
        names[text] = name
    return names


def child(folder: str | Path, *parts: str) -> Path:
    """``folder / parts``, proven to lie inside ``folder`` (after resolving '..' and links already there)."""
    root = Path(folder).resolve()
    path = root.joinpath(*parts).resolve()
    if path != root and root not in path.parents:
        raise DataError(
            f"refusing to write {path}: it lies outside {root}.",
            "A name in the data points outside the output folder; rename it in the data.",
        )
    return path
