"""What a model folder holds, read without loading the weights.

The Model page shows a backbone's size before anything heavy happens, so
parameters are counted from the safetensors headers (a few kilobytes read per
file) and the architecture's dimensions come from ``config.json``.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BackboneError

# safetensors dtype names -> bytes per element
DTYPE_BYTES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
}
# Where different architectures keep the same dimension in config.json.
_DIM_KEYS = {
    "hidden": ("hidden_size", "d_model", "n_embd", "dim"),
    "layers": ("num_hidden_layers", "num_layers", "n_layer", "n_layers"),
    "heads": ("num_attention_heads", "num_heads", "n_head", "n_heads"),
    "intermediate": ("intermediate_size", "d_ff", "n_inner", "hidden_dim", "ffn_dim", "encoder_ffn_dim"),
    "vocab": ("vocab_size",),
    "positions": ("max_position_embeddings", "n_positions", "max_len"),
}


@dataclass(frozen=True)
class Dimensions:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    positions: int | None
    decoder_layers: int = 0  # encoder-decoder models: layers of the decoder stack


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    model_type: str | None
    architecture: str | None
    parameters: int | None
    weight_bytes: int
    disk_bytes: int
    weight_dtype: str | None
    dims: Dimensions | None
    license: str | None = None

    def summary(self) -> str:
        parts = []
        if self.model_type:
            parts.append(self.model_type)
        if self.dims:
            parts.append(f"{self.dims.layers} layers, hidden {self.dims.hidden}")
        if self.parameters:
            parts.append(f"{format_count(self.parameters)} parameters")
        parts.append(f"{format_bytes(self.disk_bytes)} on disk")
        if self.license:
            parts.append(f"licence {self.license}")
        return ", ".join(parts)


def read_safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file: tensor names, dtypes and shapes."""
    with open(path, "rb") as handle:
        prefix = handle.read(8)
        if len(prefix) != 8:
            raise BackboneError(f"{path} is not a safetensors file (too short).")
        (length,) = struct.unpack("<Q", prefix)
        if length > 100_000_000:
            raise BackboneError(f"{path} is not a safetensors file (implausible header).")
        try:
            header = json.loads(handle.read(length))
        except ValueError:
            raise BackboneError(f"{path} is not a safetensors file (unreadable header).") from None
    header.pop("__metadata__", None)
    return header


def count_parameters(folder: Path) -> tuple[int, int, str | None]:
    """(parameters, weight bytes, most common dtype) over the folder's safetensors files."""
    files = sorted(folder.glob("*.safetensors"))
    params = weight_bytes = 0
    by_dtype: dict[str, int] = {}
    for file in files:
        for tensor in read_safetensors_header(file).values():
            count = 1
            for size in tensor["shape"]:
                count *= size
            params += count
            weight_bytes += count * DTYPE_BYTES.get(tensor["dtype"], 4)
            by_dtype[tensor["dtype"]] = by_dtype.get(tensor["dtype"], 0) + count
    dtype = max(by_dtype, key=by_dtype.get) if by_dtype else None
    return params, weight_bytes, dtype


def folder_size(folder: Path, *, skip: tuple[str, ...] = ()) -> int:
    total = 0
    for item in folder.rglob("*"):
        if any(part in skip for part in item.relative_to(folder).parts):
            continue
        try:
            if item.is_file() and not item.is_symlink():
                total += item.stat().st_size
            elif item.is_symlink() and item.is_file():  # the Hub cache links files to blobs
                total += item.resolve().stat().st_size
        except OSError:
            pass
    return total


def dimensions(config: dict[str, Any]) -> Dimensions | None:
    """The transformer's sizes from config.json, whatever the architecture calls them."""

    def pick(role: str, source: dict[str, Any]) -> int | None:
        for key in _DIM_KEYS[role]:
            value = source.get(key)
            if isinstance(value, int) and value > 0:
                return value
        return None

    source = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    hidden, layers, heads = pick("hidden", source), pick("layers", source), pick("heads", source)
    if not (hidden and layers and heads):
        return None
    decoder_layers = source.get("num_decoder_layers") or source.get("decoder_layers") or 0
    if source.get("is_encoder_decoder") and not decoder_layers:
        decoder_layers = layers
    return Dimensions(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=pick("intermediate", source) or 4 * hidden,
        vocab=pick("vocab", source) or 30_000,
        positions=pick("positions", source),
        decoder_layers=int(decoder_layers or 0),
    )


def card_license(folder: Path) -> str | None:
    """The ``license:`` from a model card's YAML front matter, when there is one."""
    card = folder / "README.md"
    try:
        text = card.read_text(encoding="utf-8")[:20_000]
    except OSError:
        return None
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    for line in text[3 : end if end > 0 else None].splitlines():
        if line.startswith("license:"):
            return line.split(":", 1)[1].strip().strip("'\"") or None
    return None


def describe_model_folder(folder: str | Path, *, license: str | None = None) -> ModelInfo:
    """Everything the Model page shows about a model folder, without loading it."""
    folder = Path(folder)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackboneError(f"{folder} holds no readable config.json ({exc}).") from None
    params, weight_bytes, dtype = count_parameters(folder)
    architectures = config.get("architectures") or [None]
    return ModelInfo(
        path=folder,
        model_type=config.get("model_type"),
        architecture=architectures[0],
        parameters=params or None,
        weight_bytes=weight_bytes,
        disk_bytes=folder_size(folder, skip=("checkpoints",)),
        weight_dtype=dtype,
        dims=dimensions(config),
        license=license or card_license(folder),
    )


def format_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def format_count(count: int) -> str:
    if count >= 1_000_000_000:
        return f"{count / 1e9:.2f} B"
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} M"
    if count >= 1_000:
        return f"{count / 1e3:.1f} k"
    return str(count)
