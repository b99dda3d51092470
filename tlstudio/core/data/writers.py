"""A table written fresh in one of the formats ``readers.py`` reads.

It lives with the data, not in ``labelling/`` beside the editor's save, because training's learning curve
writes its samples with it too, and training sits below labelling.
"""

from __future__ import annotations

import io


def frame_bytes(frame, fmt: str) -> bytes:
    """A table written fresh in ``fmt`` (UTF-8 text, no index column)."""
    buffer = io.BytesIO()
    if fmt in ("csv", "tsv"):
        buffer.write(frame.to_csv(index=False, sep="," if fmt == "csv" else "\t", lineterminator="\n").encode("utf-8"))
    elif fmt == "json":
        buffer.write(frame.to_json(orient="records", force_ascii=False, indent=2).encode("utf-8") + b"\n")
    elif fmt == "jsonl":
        text = frame.to_json(orient="records", lines=True, force_ascii=False)
        buffer.write((text if text.endswith("\n") else text + "\n").encode("utf-8"))
    elif fmt == "parquet":
        frame.to_parquet(buffer, index=False)
    else:
        frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()
