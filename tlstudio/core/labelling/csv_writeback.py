"""Putting edited cells back into a CSV/TSV file without disturbing anything else.

The file is split into records and fields by position (quoted fields may hold
delimiters and line breaks), so an edited record is rebuilt from the exact
text of its untouched fields plus the new value, and every other record is
copied as it was: quoting, line endings, delimiter, encoding and BOM stay.

Rows map to records the way the reader maps them: the first record is the
header, empty lines are skipped, and records with more fields than the header
are skipped (the tolerant reader drops them).  Before anything is written,
each edited cell's text in the file must still be the value that was loaded;
otherwise the file changed underneath and :class:`SaveConflict` is raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .edits import same_value
from .text_bytes import SaveConflict, open_text

_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')


@dataclass(frozen=True)
class Field:
    start: int
    end: int
    quoted: bool


@dataclass(frozen=True)
class Record:
    start: int
    content_end: int  # where the line break begins
    end: int  # after the line break
    fields: tuple[Field, ...]

    @property
    def blank(self) -> bool:
        return self.content_end == self.start


def split_records(text: str, delimiter: str) -> list[Record]:
    """Every record of ``text`` with its fields' spans; together the records cover ``text`` exactly."""
    unquoted = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    records: list[Record] = []
    pos, n = 0, len(text)
    while pos < n:
        start, fields = pos, []
        while True:
            if text.startswith('"', pos):
                match = _QUOTED.match(text, pos)
                end = unquoted.match(text, match.end()).end() if match else n  # an unclosed quote runs to the end
                fields.append(Field(pos, end, True))
            else:
                end = unquoted.match(text, pos).end()
                fields.append(Field(pos, end, False))
            pos = end
            if pos < n and text[pos] == delimiter:
                pos += 1
                continue
            break
        content_end = pos
        pos += 2 if text.startswith("\r\n", pos) else (1 if pos < n else 0)
        records.append(Record(start, content_end, pos, tuple(fields)))
    return records


def field_value(text: str, field: Field) -> str:
    raw = text[field.start : field.end]
    if not field.quoted:
        return raw
    match = _QUOTED.match(text, field.start)
    if match is None or match.end() > field.end:
        return raw[1:]
    return text[field.start + 1 : match.end() - 1].replace('""', '"') + text[match.end() : field.end]


def format_field(value: Any, delimiter: str, quoted: bool) -> str:
    """A value as CSV field text; quoted when it must be, or when the field it replaces was."""
    if value is None:
        return '""' if quoted else ""
    text = str(value)
    if quoted or any(c in text for c in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def rewrite_csv(
    path: Path,
    encoding: str | None,
    delimiter: str,
    columns: list[str],
    row_count: int,
    edits: dict[tuple[int, str], tuple[Any, Any]],
    added: list[str] | None = None,
) -> bytes:
    """The bytes of ``path`` with ``edits`` (``{(row, column): (old, new)}``) put in; new ``added`` columns go last.

    ``columns`` and ``row_count`` describe the table as it was loaded; a file that no longer fits them
    is refused rather than guessed at.
    """
    source = open_text(path, encoding)
    text = source.text
    records = split_records(text, delimiter)
    header_index = next((i for i, r in enumerate(records) if not r.blank), None)
    if header_index is None:
        raise SaveConflict(
            f"{path} no longer has a header row.", "Use 'Save as' to write the edited data to a new file."
        )
    header = records[header_index]
    width = len(header.fields)
    rows = [
        i for i in range(header_index + 1, len(records)) if not records[i].blank and len(records[i].fields) <= width
    ]
    added = [c for c in (added or []) if c not in columns[:width]]
    all_columns = list(columns[:width]) + added
    positions = {name: i for i, name in enumerate(all_columns)}
    if len(rows) != row_count:
        raise SaveConflict(
            f"{path} has {len(rows):,} data rows now, not the number that was loaded.",
            "It may have changed since it was opened; use 'Save as' to write a new file.",
        )

    by_record: dict[int, dict[int, Any]] = {}
    for (row, column), (old, new) in edits.items():
        if column not in positions:
            raise SaveConflict(f"{path} has no column '{column}'.", "Use 'Save as' to write the edited data.")
        record, position = records[rows[row]], positions[column]
        if position < width:
            in_file = field_value(text, record.fields[position]) if position < len(record.fields) else ""
            if not same_value(in_file or None, None if old is None else str(old)):
                raise SaveConflict(
                    f"{path}: data row {row + 1}, column '{column}' holds {in_file!r} on disk, "
                    f"not {old!r} as when it was opened.",
                    "The file changed since it was opened; use 'Save as' to keep your edits.",
                )
        by_record.setdefault(rows[row], {})[position] = new

    if added:
        by_record.setdefault(header_index, {}).update({positions[c]: c for c in added})
        for index in rows:
            by_record.setdefault(index, {})
    pieces, total = [], len(all_columns)
    for index, record in enumerate(records):
        changes = by_record.get(index)
        if changes is None:
            pieces.append(text[record.start : record.end])
            continue
        fields = [text[f.start : f.end] for f in record.fields]
        needed = max([len(fields), *(p + 1 for p in changes)]) if not added else max(len(fields), total)
        fields += [""] * (needed - len(fields))
        for position, value in changes.items():
            quoted = position < len(record.fields) and record.fields[position].quoted
            fields[position] = format_field(value, delimiter, quoted)
        pieces.append(delimiter.join(fields) + text[record.content_end : record.end])
    return source.encode("".join(pieces), str(path))
