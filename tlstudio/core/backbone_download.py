"""Looking up and downloading a Hub backbone, with its size, licence and progress shown.

Only files tlstudio would load are considered (``backbones.HUB_PATTERNS``:
configs, safetensors weights, tokenizer files), so the size shown is what
will actually be downloaded.  Offline, both functions fail with a
:class:`BackboneError` that says so.
"""

from __future__ import annotations

import fnmatch
import os
import time
from dataclasses import dataclass

from .backbones import DEFAULT_BACKBONE, HUB_PATTERNS
from .errors import BackboneError, RunCancelled
from .progress import WorkProgressed

PROGRESS_INTERVAL = 0.2  # seconds between progress events


@dataclass(frozen=True)
class HubSummary:
    repo_id: str
    download_bytes: int
    files: int
    license: str | None
    pipeline_tag: str | None
    has_safetensors: bool


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")


def _offline_error(repo_id: str) -> BackboneError:
    return BackboneError(
        f"cannot look up '{repo_id}': tlstudio is offline (HF_HUB_OFFLINE is set).",
        f"Use '{DEFAULT_BACKBONE}' (bundled) or a local folder, or go online.",
    )


def wanted(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in HUB_PATTERNS)


def hub_summary(repo_id: str) -> HubSummary:
    """Size of what would be downloaded, and the model's licence, read from the Hub."""
    if _offline():
        raise _offline_error(repo_id)
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    try:
        info = HfApi().model_info(repo_id, files_metadata=True)
    except RepositoryNotFoundError:
        raise BackboneError(f"'{repo_id}' does not exist on the Hugging Face Hub (or is private).") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise BackboneError(
            f"cannot reach the Hugging Face Hub to look up '{repo_id}' ({type(exc).__name__}).",
            "Check the network connection.",
        ) from None
    files = [s for s in (info.siblings or []) if wanted(s.rfilename)]
    card = info.card_data or {}
    license_id = card.get("license") if hasattr(card, "get") else getattr(card, "license", None)
    return HubSummary(
        repo_id=repo_id,
        download_bytes=sum(s.size or 0 for s in files),
        files=len(files),
        license=license_id,
        pipeline_tag=info.pipeline_tag,
        has_safetensors=any(s.rfilename.endswith(".safetensors") for s in files),
    )


def progress_bar_class(sink, cancel, label: str):
    """A tqdm class for huggingface_hub that reports bytes to ``sink`` and stops on ``cancel``."""
    import tqdm

    class SinkProgress(tqdm.tqdm):
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)
            kwargs["file"] = open(os.devnull, "w")  # noqa: SIM115 - closed in close()
            super().__init__(*args, **kwargs)
            self._last = 0.0

        def update(self, n=1):
            if cancel is not None and cancel.cancelled:
                raise RunCancelled()
            result = super().update(n)
            now = time.monotonic()
            if self.unit == "B" and (now - self._last >= PROGRESS_INTERVAL or self.n == self.total):
                self._last = now
                sink.emit(WorkProgressed(float(self.n), float(self.total) if self.total else None, "bytes", label))
            return result

        def close(self):
            handle = self.fp
            super().close()
            try:
                handle.close()
            except (AttributeError, OSError):
                pass

    return SinkProgress


def download_backbone(repo_id: str, sink, cancel=None) -> str:
    """Download a Hub model's loadable files into the local cache; returns its folder."""
    if _offline():
        raise _offline_error(repo_id)
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

    try:
        return snapshot_download(
            repo_id, allow_patterns=HUB_PATTERNS, tqdm_class=progress_bar_class(sink, cancel, repo_id)
        )
    except RepositoryNotFoundError:
        raise BackboneError(f"'{repo_id}' does not exist on the Hugging Face Hub (or is private).") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise BackboneError(
            f"downloading '{repo_id}' failed ({type(exc).__name__}: {exc}).",
            "Check the network and the disk space, then try again.",
        ) from None
