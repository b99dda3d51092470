"""Pushing a model folder to the Hugging Face Hub.

The token is asked for at push time and kept in the system keyring (the
``keyring`` package: macOS Keychain, Windows Credential Locker, the Secret
Service on Linux), never in a settings file.  ``HF_TOKEN`` in the environment
is used as it is, for scripts and CI.  When no keyring is available the token
is used for this push only and not stored anywhere.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import ConfigError, TlStudioError
from ..progress import Message, StageChanged

SERVICE = "tlstudio"
ACCOUNT = "huggingface-token"
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class TokenStore:
    """The Hub token in the system keyring; ``backend`` replaces the keyring module (tests)."""

    def __init__(self, backend=None):
        self._backend = backend

    def _keyring(self):
        if self._backend is not None:
            return self._backend
        try:
            import keyring
        except ImportError:
            return None
        return keyring

    def get(self) -> str | None:
        keyring = self._keyring()
        if keyring is None:
            return None
        try:
            return keyring.get_password(SERVICE, ACCOUNT) or None
        except Exception:  # no usable keyring backend (a headless Linux, a locked store)
            return None

    def set(self, token: str) -> bool:
        keyring = self._keyring()
        if keyring is None:
            return False
        try:
            keyring.set_password(SERVICE, ACCOUNT, token)
            return True
        except Exception:
            return False

    def forget(self) -> bool:
        keyring = self._keyring()
        if keyring is None or self.get() is None:
            return False
        try:
            keyring.delete_password(SERVICE, ACCOUNT)
            return True
        except Exception:
            return False


def push_model(
    model_dir,
    repo_id: str,
    *,
    private: bool = False,
    ask_token: Callable[[], str],
    sink,
    cancel=None,
    store: TokenStore | None = None,
    api_factory=None,
) -> str:
    """Upload the clean model folder (weights, tokenizer, model card, ONNX files if any); return the repo URL."""
    from .hf_folder import copy_model_folder
    from .source import open_model_folder

    if not _REPO_ID.match(repo_id or ""):
        raise ConfigError(f"'{repo_id}' is not a Hub repository id.", "Use USER/NAME or ORGANISATION/NAME.")
    if os.environ.get("HF_HUB_OFFLINE", "0").strip().lower() in ("1", "true", "yes", "on"):
        raise TlStudioError(
            "cannot push: tlstudio is working offline (HF_HUB_OFFLINE is set).",
            "Connect to the internet and unset HF_HUB_OFFLINE, then push again.",
        )
    source = open_model_folder(model_dir, require_task=False)
    store = store or TokenStore()
    if api_factory is None:
        from huggingface_hub import HfApi as api_factory

    token, origin = _token(store, ask_token)
    api = api_factory(token=token)
    sink.emit(StageChanged("uploading", f"checking the token for {repo_id}"))
    try:
        user = _call(api.whoami)
    except _Rejected:
        if origin == "keyring":
            store.forget()  # a revoked token must not be offered again
        raise TlStudioError(
            "the Hugging Face Hub rejected the token (expired, revoked or mistyped).",
            "Push again to enter a new one" + (" (unset HF_TOKEN first)." if origin == "env" else "."),
        )
    if origin == "asked" and not store.set(token):
        sink.emit(
            Message(
                "warning",
                "no system keyring is available, so the token was not stored; it will be asked for again next time.",
            )
        )
    with tempfile.TemporaryDirectory(prefix="tlstudio-push-") as staging:
        copy_model_folder(source, Path(staging))
        sink.emit(StageChanged("uploading", f"{source.path} to {repo_id} as {user.get('name', '?')}"))
        url = _call(api.create_repo, repo_id, private=private, exist_ok=True, repo_type="model")
        if cancel is not None and cancel.cancelled:
            from ..errors import RunCancelled

            raise RunCancelled()
        _call(
            api.upload_folder,
            repo_id=repo_id,
            folder_path=staging,
            repo_type="model",
            commit_message=f"Upload {source.name} from tlstudio",
        )
    return str(url)


class _Rejected(Exception):
    pass


def _token(store: TokenStore, ask_token) -> tuple[str, str]:
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"], "env"
    stored = store.get()
    if stored:
        return stored, "keyring"
    token = (ask_token() or "").strip()
    if not token:
        raise ConfigError("no Hugging Face token given.", "Paste a token with write access when asked.")
    return token, "asked"


def _call(function, *args, **kwargs):
    """Call the Hub, turning its failures into messages a user can act on."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    try:
        return function(*args, **kwargs)
    except OfflineModeIsEnabled:
        raise TlStudioError(
            "cannot push: tlstudio is working offline (HF_HUB_OFFLINE is set).",
            "Connect to the internet and unset HF_HUB_OFFLINE, then push again.",
        ) from None
    except HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status == 401:
            raise _Rejected() from None
        if status == 403:
            raise TlStudioError(
                "the token may not write to that repository (403 Forbidden).",
                "Use a token with write access, or a repository in your own namespace.",
            ) from None
        raise TlStudioError(f"the Hugging Face Hub refused the upload: {str(exc).splitlines()[0]}") from None
    except (ConnectionError, TimeoutError, OSError) as exc:
        raise TlStudioError(
            f"cannot reach the Hugging Face Hub ({type(exc).__name__}).",
            "Check the internet connection (and any proxy), then push again.",
        ) from None
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("httpx", "httpx2", "httpcore", "requests", "urllib3"):
            raise TlStudioError(
                f"cannot reach the Hugging Face Hub ({type(exc).__name__}).",
                "Check the internet connection (and any proxy), then push again.",
            ) from None
        raise
