"""Whether a safetensors file is whole, read from its header alone (no numpy, no torch).

A leaf module: backbone folders are checked with it as a backbone is chosen in the app (whose window starts
without numpy or torch), and checkpoints before a resume.
"""

from __future__ import annotations

from pathlib import Path


# Bytes per element of each safetensors dtype, to check that every tensor's bytes are all there.
_DTYPE_BYTES = {
    "BOOL": 1,
    "U8": 1,
    "I8": 1,
    "F8_E5M2": 1,
    "F8_E4M3": 1,
    "I16": 2,
    "U16": 2,
    "F16": 2,
    "BF16": 2,
    "I32": 4,
    "U32": 4,
    "F32": 4,
    "I64": 8,
    "U64": 8,
    "F64": 8,
}


def safetensors_problem(file: Path) -> str | None:
    """What is wrong with a safetensors file (cut short, not safetensors at all), or None when its header is sound.

    Reads the header only and checks what safetensors itself checks on opening: the tensors it lists, each of
    the size its dtype and shape say, cover the rest of the file exactly. Done here rather than with
    ``safe_open``, which imports numpy (or torch): this runs in the app as a backbone is chosen, and the window
    starts without either.
    """
    import json
    import math
    import struct

    try:
        size = file.stat().st_size
        with open(file, "rb") as handle:
            prefix = handle.read(8)
            if len(prefix) != 8:
                return "it is cut short or is not a complete safetensors file (shorter than its header)"
            (length,) = struct.unpack("<Q", prefix)
            if length > min(100_000_000, size - 8):
                return "it is cut short or is not a complete safetensors file (its header is longer than the file)"
            header = json.loads(handle.read(length))
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    except (ValueError, UnicodeDecodeError):
        return "it is not a readable safetensors file (its header is not JSON)"
    if not isinstance(header, dict):
        return "it is not a readable safetensors file (its header is not an object)"
    spans = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            start, end = (int(v) for v in entry["data_offsets"])
            count = math.prod(int(n) for n in entry["shape"])
            width = _DTYPE_BYTES.get(entry["dtype"])  # a newer dtype (F4, F8_E8M0, ...): its size is not checked
        except (KeyError, TypeError, ValueError):
            return f"it is not a readable safetensors file (tensor '{name}' is described wrongly)"
        if width is not None and end - start != count * width:
            return f"it is not a readable safetensors file (tensor '{name}' does not have the bytes its shape needs)"
        spans.append((start, end))
    position = 0
    for start, end in sorted(spans):
        if start != position:
            return "it is not a readable safetensors file (its tensors overlap or leave gaps)"
        position = end
    if position != size - 8 - length:
        return (
            f"it is cut short or is not a complete safetensors file (its tensors need {position:,} bytes after "
            f"the header, the file has {size - 8 - length:,})"
        )
    return None
