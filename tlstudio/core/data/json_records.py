"""JSON (an array of records) and JSON Lines files.

Records are parsed with the standard json module rather than pyarrow, so a
column whose type changes halfway (numbers, then strings) cannot fail the
load, and a broken line is skipped and named instead of ending it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from . import sniff
from .table import Table, list_numbers

if TYPE_CHECKING:
    import pandas as pd

# Only real line breaks end a record: str.splitlines() would also split at U+2028, U+0085 and friends,
# which JSON allows raw inside strings (json.dumps(ensure_ascii=False) writes them so).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _decode_whole(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    encoding = sniff.detect_encoding(raw, complete=True, name=str(path))
    text = raw.decode(encoding, errors="strict")
    return text.lstrip("\ufeff"), encoding


class _DuplicateKeys:
    """``object_pairs_hook`` that remembers keys given twice in one record (json keeps the last silently)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.found = False

    def __call__(self, pairs):
        record = dict(pairs)
        if len(record) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.keys.add(key)
                seen.add(key)
            self.found = True
        return record

    def note(self, path: Path, where: str = "") -> list[str]:
        if not self.keys:
            return []
        names = ", ".join(f"'{k}'" for k in sorted(self.keys))
        return [f"{path}: some records{where} name {names} more than once; the last value in each record is used."]


def read_json(path: Path, nrows: int | None) -> Table:
    text, encoding = _decode_whole(path)
    duplicates = _DuplicateKeys()
    try:
        value = json.loads(text, object_pairs_hook=duplicates)
    except json.JSONDecodeError as exc:
        if _looks_like_json_lines(text):
            table = _records_from_lines(path, text, nrows)
            table.encoding = encoding
            return table
        raise DataError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            "Fix the file, or save it as JSON Lines (.jsonl) with one record per line.",
        ) from None
    if not isinstance(value, list):
        kind = type(value).__name__.replace("dict", "an object").replace("str", "a string")
        raise DataError(
            f"{path} holds {kind}, not a list of records.",
            'tlstudio reads a JSON array of objects such as [{"text": "...", "label": "..."}], '
            "or JSON Lines with one object per line.",
        )
    if not value:
        raise DataError(f"{path} holds an empty list.", "Add records to it.")
    bad = [i for i, record in enumerate(value, start=1) if not isinstance(record, dict)]
    if bad:
        raise DataError(
            f"{path}: record(s) {list_numbers(bad)} are not JSON objects.",
            'Each record must look like {"text": "...", "label": "..."}.',
        )
    records = value[:nrows] if nrows else value
    return Table(
        _frame_from_records(records),
        path,
        "json",
        encoding,
        warnings=duplicates.note(path),
        complete=nrows is None or len(value) <= nrows,
    )


def read_jsonl(path: Path, nrows: int | None) -> Table:
    text, encoding = _decode_whole(path)
    table = _records_from_lines(path, text, nrows)
    table.encoding = encoding
    return table


def _looks_like_json_lines(text: str) -> bool:
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)


def _records_from_lines(path: Path, text: str, nrows: int | None) -> Table:
    records: list[dict[str, Any]] = []
    broken: list[int] = []
    not_objects: list[int] = []
    duplicated: list[int] = []
    duplicates = _DuplicateKeys()
    total = 0
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        total += 1
        try:
            duplicates.found = False
            value = json.loads(line, object_pairs_hook=duplicates)
        except json.JSONDecodeError:
            broken.append(number)
            continue
        except RecursionError:
            raise DataError(
                f"line {number} of {path} nests its values too deeply to be read (more than about 1,000 levels).",
                "Flatten that record: it should hold plain texts, labels and lists.",
            ) from None
        if duplicates.found:
            duplicated.append(number)
        if not isinstance(value, dict):
            not_objects.append(number)
            continue
        records.append(value)
        if nrows and len(records) >= nrows:
            break
    if not records:
        if broken or not_objects:
            raise DataError(
                f"{path} has no readable JSON object lines "
                f"(line(s) {list_numbers(broken + not_objects)} could not be read).",
                "Each line must hold one JSON object.",
            )
        raise DataError(f"{path} holds no records.", "Add one JSON object per line.")
    notes = []
    if broken:
        notes.append(f"{path}: skipped {len(broken)} line(s) that are not valid JSON ({list_numbers(broken)}).")
    if not_objects:
        notes.append(
            f"{path}: skipped {len(not_objects)} line(s) that are not JSON objects ({list_numbers(not_objects)})."
        )
    if duplicated:
        notes += duplicates.note(path, f" (line(s) {list_numbers(duplicated)})")
    table = Table(_frame_from_records(records), path, "jsonl", warnings=notes)
    table.complete = not nrows or len(records) < nrows
    return table


def _frame_from_records(records: list[dict[str, Any]]) -> "pd.DataFrame":
    import pandas as pd

    # An object column keeps each value as the user wrote it (a list of tokens
    # stays a list; 1 and "1" stay distinguishable until labels are normalised),
    # so a type change halfway through a column cannot fail the load.
    columns: dict[str, list[Any]] = {}
    for i, record in enumerate(records):
        for key in record:
            if key not in columns:
                columns[key] = [None] * i
        for key, values in columns.items():
            values.append(record.get(key))
    return pd.DataFrame({key: pd.Series(values, dtype=object) for key, values in columns.items()})
