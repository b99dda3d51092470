"""Putting edited values back into a JSON or JSON Lines file, touching only the edited values.

Each edited record's value is replaced where it lies in the text (found with
the standard library's own JSON scanner), so key order, spacing, escapes and
number formatting of everything else stay exactly as written.  A key the
record lacks is added after its last member, in the record's own spacing.

Rows map to records the way the reader maps them: for JSON Lines, blank,
broken and non-object lines are skipped; a ``.json`` file that is really JSON
Lines is read as lines.  A value that was a number in the file stays a number
when the new value is one (a class ``2`` is written ``2``, not ``"2"``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from .edits import plain, same_value
from .text_bytes import SaveConflict, TextFile, open_text

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$")
_DECODER = json.JSONDecoder()


@dataclass
class ObjectSpans:
    start: int
    close: int  # index of the closing brace
    members: dict[str, tuple[int, int, Any]] = field(default_factory=dict)  # key -> (value start, end, value)
    colon: str = ": "
    comma: str = ", "


def scan_object(text: str, pos: int) -> ObjectSpans:
    """The spans of the object starting at ``text[pos] == '{'`` (later duplicates of a key win, as in json)."""
    if text[pos] != "{":
        raise ValueError("not an object")
    spans = ObjectSpans(pos, -1)
    i = _WS.match(text, pos + 1).end()
    if text[i] == "}":
        spans.close = i
        return spans
    first = True
    while True:
        if text[i] != '"':
            raise ValueError("expected a key")
        key, key_end = scanstring(text, i + 1)
        colon = _WS.match(text, key_end).end()
        if text[colon] != ":":
            raise ValueError("expected ':'")
        value_start = _WS.match(text, colon + 1).end()
        value, value_end = _DECODER.raw_decode(text, value_start)
        if first:
            spans.colon = text[key_end:value_start]
        spans.members[key] = (value_start, value_end, value)
        i = _WS.match(text, value_end).end()
        if text[i] == ",":
            following = _WS.match(text, i + 1).end()
            if first:
                spans.comma = text[value_end:following]
            first, i = False, following
            continue
        if text[i] != "}":
            raise ValueError("expected ',' or '}'")
        spans.close = i
        return spans


def rewrite_json(
    path: Path, encoding: str | None, lines: bool, row_count: int, edits: dict[tuple[int, str], tuple[Any, Any]]
) -> bytes:
    """The bytes of ``path`` with ``edits`` (``{(row, column): (old, new)}``) put in."""
    source = open_text(path, encoding)
    text = source.text
    try:
        if not lines:
            start = _WS.match(text).end()
            lines = not text.startswith("[", start) and _parses_as_lines(text)
        objects = _line_objects(text) if lines else _array_objects(text)
    except (ValueError, IndexError):
        raise SaveConflict(
            f"{path} is no longer valid JSON in the places that were loaded.",
            "It may have changed since it was opened; use 'Save as' to keep your edits.",
        ) from None
    if len(objects) != row_count:
        raise SaveConflict(
            f"{path} has {len(objects):,} records now, not the {row_count:,} that were loaded.",
            "It may have changed since it was opened; use 'Save as' to keep your edits.",
        )
    numeric = _numeric_keys(objects)
    splices: dict[tuple[int, int], str] = {}
    for (row, column), (old, new) in sorted(edits.items()):
        spans = objects[row]
        member = spans.members.get(column)
        in_file = plain(member[2]) if member else None
        if not same_value(in_file, old):
            raise SaveConflict(
                f"{path}: record {row + 1}, key '{column}' holds {in_file!r} on disk, not {old!r} "
                "as when it was opened.",
                "The file changed since it was opened; use 'Save as' to keep your edits.",
            )
        value = _json_text(new, column in numeric, source)
        if member:
            splices[(member[0], member[1])] = value
        elif new is not None:
            at = max((end for _, end, _ in spans.members.values()), default=None)
            if at is None:
                key = (spans.close, spans.close)
                splices[key] = splices.get(key, "") + f"{json.dumps(column)}{spans.colon}{value}"
            else:
                key = (at, at)
                splices[key] = splices.get(key, "") + f"{spans.comma}{json.dumps(column)}{spans.colon}{value}"
    pieces, cursor = [], 0
    for (start, end), replacement in sorted(splices.items()):
        pieces += [text[cursor:start], replacement]
        cursor = end
    pieces.append(text[cursor:])
    return source.encode("".join(pieces), str(path))


def _array_objects(text: str) -> list[ObjectSpans]:
    i = _WS.match(text).end()
    if text[i] != "[":
        raise ValueError("not an array")
    objects = []
    i = _WS.match(text, i + 1).end()
    if text[i] == "]":
        return objects
    while True:
        spans = scan_object(text, i)
        objects.append(spans)
        i = _WS.match(text, spans.close + 1).end()
        if text[i] == ",":
            i = _WS.match(text, i + 1).end()
            continue
        if text[i] != "]":
            raise ValueError("expected ',' or ']'")
        return objects


def _line_objects(text: str) -> list[ObjectSpans]:
    """One entry per line the reader keeps (same splitting, same skipping), with offsets into ``text``."""
    from ..data.json_records import LINE_BREAK

    objects, start = [], 0
    for match in [*LINE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        body, line_start = text[start:end], start
        start = match.end() if match else len(text)
        if not body.strip():
            continue
        try:
            value = json.loads(body)
        except json.JSONDecodeError:
            continue
        if not isinstance(value, dict):
            continue
        spans = scan_object(text, line_start + _WS.match(body).end())
        objects.append(spans)
    return objects


def _parses_as_lines(text: str) -> bool:
    try:
        json.loads(text)
        return False
    except json.JSONDecodeError:
        return True


def _numeric_keys(objects: list[ObjectSpans]) -> set[str]:
    kinds: dict[str, set[bool]] = {}
    for spans in objects:
        for key, (_, _, value) in spans.members.items():
            if value is not None:
                kinds.setdefault(key, set()).add(isinstance(value, (int, float)) and not isinstance(value, bool))
    return {key for key, seen in kinds.items() if seen == {True}}


def _json_text(value: Any, numeric: bool, source: TextFile) -> str:
    if value is None:
        return "null"
    if isinstance(value, str) and numeric and _NUMBER.match(value.strip()):
        return value.strip()
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode(source.codec)
    except UnicodeEncodeError:  # JSON can always say it with \u escapes
        text = json.dumps(value, ensure_ascii=True)
    return text
