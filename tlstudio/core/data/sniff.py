"""Guess how a text table is encoded and delimited, from a sample of its bytes.

Only the first part of the file is read here, so opening a large file stays
fast; the reader falls back to a full scan when a guess proves wrong.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from ..errors import DataError

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class TextSample:
    encoding: str
    text: str  # the decoded sample, cut at the last complete line
    complete: bool  # the sample is the whole file


def read_sample(path, *, size: int = SAMPLE_BYTES) -> tuple[bytes, bool]:
    with open(path, "rb") as handle:
        data = handle.read(size + 1)
    return data[:size], len(data) <= size


def detect_encoding(raw: bytes, *, complete: bool, name: str) -> str:
    """The encoding of ``raw``: from its BOM, else UTF-8 when it decodes, else a detector's guess."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding
    if _looks_like_bomless_utf16(raw):
        return "utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be"
    if _looks_binary(raw):
        raise DataError(
            f"{name} does not look like a text table (it contains binary data).",
            "Choose a CSV, TSV, JSON, JSONL, Parquet or Excel file.",
        )
    try:
        # A multi-byte character may be cut at the end of the sample; ignore that tail.
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    guess = (best.encoding if best else "cp1252").lower().replace("_", "-")
    # Western European exports are by far the common case; detectors often
    # name a sibling single-byte code page for them, which decodes the same
    # letters differently.  cp1252 is the safe reading for those.
    if guess in {"latin-1", "iso8859-1", "iso-8859-1", "cp1250", "cp1254", "cp1257", "iso8859-15", "mac-roman"}:
        guess = "cp1252"
    try:
        raw.decode(guess)
    except (LookupError, UnicodeDecodeError):
        guess = "cp1252"
    return guess


def decode_sample(raw: bytes, encoding: str, *, complete: bool) -> str:
    text = raw.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not complete:
        cut = text.rfind("\n")
        if cut > 0:
            text = text[:cut]
    return text


def sniff_delimiter(text: str, *, default: str = ",") -> str:
    """The delimiter that splits the sample's lines into the most consistent number of fields."""
    lines = text[:65536]
    best, best_score = default, -1.0
    for delimiter in DELIMITERS:
        counts = _field_counts(lines, delimiter)
        if not counts or max(counts) < 2:
            continue
        most_common = max(set(counts), key=counts.count)
        consistency = counts.count(most_common) / len(counts)
        score = consistency * 10 + min(most_common, 50) / 50
        if delimiter == default:
            score += 0.5  # ties go to the extension's delimiter
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _field_counts(text: str, delimiter: str, limit: int = 200) -> list[int]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    counts = []
    try:
        for row in reader:
            if row:
                counts.append(len(row))
            if len(counts) >= limit:
                break
    except csv.Error:
        return []
    return counts


def _looks_like_bomless_utf16(raw: bytes) -> bool:
    sample = raw[:4096]
    if len(sample) < 4:
        return False
    even_zeros = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_zeros = sample[1::2].count(0) / max(1, len(sample[1::2]))
    return (odd_zeros > 0.4 and even_zeros < 0.05) or (even_zeros > 0.4 and odd_zeros < 0.05)


def _looks_binary(raw: bytes) -> bool:
    sample = raw[:8192]
    if not sample:
        return False
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return control / len(sample) > 0.05
