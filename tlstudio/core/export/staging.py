"""Writing an export so that a failure never leaves half of one behind.

Everything is written into a hidden sibling folder first and renamed into place
at the end, so ``--output`` holds either a finished export or nothing new.  An
existing output is only replaced when the user asked (``--force``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError


def check_output(path: Path, *, force: bool, source: Path | None = None) -> Path:
    path = Path(path).expanduser().resolve()
    if source is not None and (path == source or source in path.parents or path in source.parents):
        raise ConfigError(f"the export's output {path} overlaps the model folder {source}.",
                          "Choose an output outside the model folder.")
    if path.exists() and not force:
        if path.is_dir() and not any(path.iterdir()):
            return path
        raise ConfigError(f"{path} already exists.", "Choose a new output, or pass --force to replace it.")
    return path


@contextmanager
def staged_folder(path: Path, *, force: bool):
    """Yield a temporary folder that becomes ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield staging
        _replace(staging, path, force=force)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def staged_file(path: Path, *, force: bool):
    """Yield a temporary file path that becomes ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _replace(Path(tmp), path, force=force)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _replace(staged: Path, path: Path, *, force: bool) -> None:
    if path.is_dir() and (force or not any(path.iterdir())):
        # Move the old export aside first: the new one appears in one rename.
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        os.replace(path, old)
        os.replace(staged, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if path.exists() and staged.is_dir():
            path.unlink()  # --force over a file of the same name
        os.replace(staged, path)
    if path.is_dir():
        os.chmod(path, 0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
