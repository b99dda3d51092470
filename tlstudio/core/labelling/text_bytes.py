"""A text file's bytes as a byte-order mark, a codec and text that encodes back to exactly those bytes.

Format-preserving saves splice edited text into the decoded file and encode
it again; that is only byte-exact when decoding and encoding are inverse for
this file, which :func:`open_text` checks before anything is written.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class SaveConflict(DataError):
    """The file on disk no longer matches what was loaded, so edits cannot be put back in place."""


@dataclass(frozen=True)
class TextFile:
    bom: bytes
    codec: str
    text: str

    def encode(self, text: str, where: str) -> bytes:
        try:
            return self.bom + text.encode(self.codec)
        except UnicodeEncodeError as exc:
            char = exc.object[exc.start : exc.end]
            raise DataError(
                f"{where}: the character {char!r} cannot be written in the file's encoding ({self.codec}).",
                "Use 'Save as' to write a UTF-8 copy, or choose a label without that character.",
            ) from None


def open_text(path: Path, encoding: str | None) -> TextFile:
    raw = path.read_bytes()
    bom, codec = b"", _codec_name(encoding or "utf-8")
    family = codec.replace("-sig", "").replace("-le", "").replace("-be", "")
    for mark, name in _BOMS:
        if raw.startswith(mark) and name.startswith(family):
            bom, codec = mark, name
            break
    else:  # a BOM-carrying codec without its BOM: the plain form
        codec = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(codec, codec)
    body = raw[len(bom) :]
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        raise SaveConflict(
            f"{path} is no longer readable as {encoding}; it may have changed since it was opened.",
            "Use 'Save as' to write the edited data to a new file.",
        ) from None
    if text.encode(codec) != body:
        raise SaveConflict(
            f"{path} cannot be rewritten byte for byte in {encoding}.",
            "Use 'Save as' to write the edited data to a new file.",
        )
    return TextFile(bom, codec, text)


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding
