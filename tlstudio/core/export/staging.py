"""Writing an export so that a failure never leaves half of one behind.

Everything is written into a hidden sibling folder first and renamed into place
at the end, so ``--output`` holds either a finished export or nothing new.  An
existing output is only replaced when the user asked (``--force``), and even
then only when it is something tlstudio wrote: an earlier export (its manifest
lists every file in it), an export or run folder of an older tlstudio, or a
bundle zip.  A folder holding anything else (a user's notes, a home folder) is
refused with the name of a file that would be lost.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError
from ..runs.folder import METRICS_FILE, PREDICTIONS_FILE, RUN_FILE

# A tokenizer's files, whichever kind it is (WordPiece, BPE, SentencePiece), in every list of a model folder's files.
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
)
# Written last into every exported folder: what tlstudio put there, so that --force knows what it may replace.
MANIFEST = ".tlstudio-export.json"
MANIFEST_FORMAT = "tlstudio-export/1"
# What an export or run folder of an older tlstudio (before the manifest) holds: these files at its top level, and
# anything inside these folders of its own. Anything else (a hidden file such as .git, a notes file, a user's
# README) makes --force refuse.
_OLD_TOP_FILES = {
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "model.safetensors.index.json",
    "adapter_config.json",
    "adapter_model.safetensors",
    *TOKENIZER_FILES,
    "chat_template.jinja",
    "preprocessor_config.json",
    "processor_config.json",
    RUN_FILE,
    METRICS_FILE,
    "trainer_state.json",
    "training_args.json",
    PREDICTIONS_FILE,
    "labels.json",
    "bundle.json",
    "predict.py",
    "bundle_text.py",
    "data_manifest.json",
    "events.jsonl",
    "train.log",
    "study.json",
    "best_run.json",
    "trials.json",
    "results.json",
}
_OLD_PATTERNS = ("model-*-of-*.safetensors", "*.tiktoken")
_OLD_FOLDERS = {
    "checkpoints",
    "onnx",
    "adapter",
    "tasks",
    "joint",
    "model",
    "backbone",
    "tensorboard",
    "trials",
    "random-init-backbone",
    "adapted-backbone",
}
_RUN_BUNDLE_FILES = {
    "train.py",
    "requirements.txt",
    "accelerate_config.yaml",
    "slurm.sbatch",
    "torchrun.sh",
    "launch.sh",
}
_OWN_HIDDEN = {".run.lock", ".write-test"}


def check_output(path: Path, *, force: bool, source: Path | None = None) -> Path:
    path = Path(path).expanduser().resolve()
    if source is not None and (path == source or source in path.parents or path in source.parents):
        raise ConfigError(
            f"the export's output {path} overlaps the model folder {source}.",
            "Choose an output outside the model folder.",
        )
    if path.exists() and not force:
        if path.is_dir() and not any(path.iterdir()):
            return path
        raise ConfigError(f"{path} already exists.", "Choose a new output, or pass --force to replace it.")
    if path.exists():
        refuse_unless_replaceable(path)
    return path


def refuse_unless_replaceable(path: Path) -> None:
    """Raise unless ``--force`` may replace ``path``: only what tlstudio wrote is ever deleted."""
    hint = "Choose a new output; --force only replaces an earlier tlstudio export."
    if path.is_symlink():
        raise ConfigError(f"{path} is a link; tlstudio does not replace it.", hint)
    if path.is_file():
        if not _is_tlstudio_zip(path):
            raise ConfigError(f"{path} is a file tlstudio did not write; --force will not replace it.", hint)
        return
    if not path.is_dir():
        raise ConfigError(f"{path} is not a file or folder tlstudio can replace.", hint)
    if path == Path.home().resolve() or path == Path(path.anchor):
        raise ConfigError(f"{path} is your home or a root folder; tlstudio never replaces it.", hint)
    entries = list(path.iterdir())
    if not entries:
        return
    listed = _manifest_files(path)
    if listed is not None:
        foreign = [
            p
            for p in sorted(path.rglob("*"))
            if (p.is_file() or p.is_symlink()) and p.relative_to(path).as_posix() not in listed and p.name != MANIFEST
        ]
    elif _holds_tlstudio_record(path):
        foreign = [
            p
            for p in sorted(path.rglob("*"))
            if (p.is_file() or p.is_symlink()) and not _old_file_is_ours(path, p.relative_to(path))
        ]
    else:
        raise ConfigError(f"{path} is not an earlier tlstudio export; --force will not delete it.", hint)
    if foreign:
        shown = ", ".join(str(p.relative_to(path)) for p in foreign[:3])
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise ConfigError(
            f"{path} holds files tlstudio did not write ({shown}{more}); --force will not delete them.",
            "Move them out first, or choose a new output.",
        )


def _old_file_is_ours(folder: Path, relative: Path) -> bool:
    """Whether a file of an older tlstudio export or run folder (no manifest) is one tlstudio wrote."""
    parts = relative.parts
    if any(part.startswith(".") for part in parts):
        return len(parts) == 1 and parts[0] in _OWN_HIDDEN
    if len(parts) > 1:
        if parts[0] == "data":  # a run bundle's copy of the data, as its manifest lists it
            return (folder / "data_manifest.json").is_file() and relative.suffix == ".jsonl" and len(parts) == 2
        return parts[0] in _OLD_FOLDERS
    name = parts[0]
    if name in _OLD_TOP_FILES or any(fnmatch.fnmatch(name, pattern) for pattern in _OLD_PATTERNS):
        return True
    if name in _RUN_BUNDLE_FILES:
        return (folder / "data_manifest.json").is_file()
    if name == "README.md":  # the model card tlstudio wrote names tlstudio; a user's own README need not
        try:
            return "tlstudio" in (folder / name).read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            return False
    return False


def write_manifest(folder: Path, kind: str) -> None:
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    (folder / MANIFEST).write_text(
        json.dumps({"format": MANIFEST_FORMAT, "export": kind, "files": files}, indent=2) + "\n", encoding="utf-8"
    )


def _manifest_files(folder: Path) -> set[str] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != MANIFEST_FORMAT
        or not isinstance(manifest.get("files"), list)
    ):
        return None
    return {f for f in manifest["files"] if isinstance(f, str)}


def _holds_tlstudio_record(folder: Path) -> bool:
    for name in (RUN_FILE, "bundle.json", "data_manifest.json"):
        try:
            record = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and (
            isinstance(record.get("config"), dict) or str(record.get("format", "")).startswith("tlstudio-")
        ):
            return True
    return False


def _is_tlstudio_zip(path: Path) -> bool:
    """A bundle tlstudio wrote: a zip whose one top folder holds a tlstudio bundle.json."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == "bundle.json" and n.count("/") <= 1]
            for name in names:
                record = json.loads(archive.read(name).decode("utf-8"))
                if isinstance(record, dict) and str(record.get("format", "")).startswith("tlstudio-"):
                    return True
    except (OSError, ValueError, zipfile.BadZipFile, KeyError):
        return False
    return False


@contextmanager
def staged_folder(path: Path, *, force: bool, kind: str = "export"):
    """Yield a temporary folder that becomes ``path`` when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield staging
        write_manifest(staging, kind)
        if path.exists() and force:
            refuse_unless_replaceable(path)  # again: the folder may have changed while the export ran
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
        if path.exists() and force:
            refuse_unless_replaceable(path)
        _replace(Path(tmp), path, force=force)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _replace(staged: Path, path: Path, *, force: bool) -> None:
    if not force and (path.is_file() or path.is_symlink() or (path.is_dir() and any(path.iterdir()))):
        # Something appeared at the output while the export ran: it is not tlstudio's to replace.
        raise ConfigError(
            f"{path} appeared while the export was being written; it was left as it is.",
            "Choose a new output, or pass --force to replace an earlier export.",
        )
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
