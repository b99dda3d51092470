"""CSV and TSV files: encoding and delimiter detected, every column read as text.

pyarrow's multi-threaded reader handles well-formed files fast; when it meets
rows with the wrong number of fields, pandas' C reader redoes the file because
it pads short rows and names the line of each long one.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from ..errors import DataError
from . import sniff
from .table import Table, list_numbers


def read_text_table(path: Path, default_delimiter: str, nrows: int | None) -> Table:
    raw, complete = sniff.read_sample(path)
    encoding = sniff.detect_encoding(raw, complete=complete, name=str(path))
    text = sniff.decode_sample(raw, encoding, complete=complete)
    if not text.strip():
        raise DataError(f"{path} holds no text.", "Choose a file with a header row and at least one data row.")
    delimiter = sniff.sniff_delimiter(text, default=default_delimiter)
    try:
        frame, notes = _read_csv_fast(path, encoding, delimiter, nrows)
    except _NeedsTolerantReader:
        frame, notes = _read_csv_tolerant(path, encoding, delimiter, nrows)
    except UnicodeDecodeError:
        # The sample decoded but a later part of the file did not: detect again on the whole file.
        encoding = sniff.detect_encoding(path.read_bytes(), complete=True, name=str(path))
        frame, notes = _read_csv_tolerant(path, encoding, delimiter, nrows)
    table = Table(frame, path, "csv" if delimiter != "\t" else "tsv", encoding, delimiter, notes)
    table.complete = nrows is None or len(frame) < nrows
    if len(frame) == 0:
        raise DataError(f"{path} has a header row but no data rows.", "Add rows of data below the header.")
    return table


class _NeedsTolerantReader(Exception):
    pass


def _read_csv_fast(path: Path, encoding: str, delimiter: str, nrows: int | None):
    """pyarrow's multi-threaded reader: the fast path for well-formed files."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = _header_fields(path, encoding, delimiter)
    names, notes = unique_names(header, str(path))
    bad_rows: list[str] = []

    def on_invalid_row(row) -> str:
        bad_rows.append(row.text)
        return "skip"

    read_options = pacsv.ReadOptions(
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        column_names=names,
        skip_rows=1,
        block_size=1 << 22,
    )
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid_row)
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        if nrows is None:
            arrow_table = pacsv.read_csv(path, read_options, parse_options, convert_options)
        else:
            reader = pacsv.open_csv(path, read_options, parse_options, convert_options)
            batches, count = [], 0
            for batch in reader:
                batches.append(batch)
                count += batch.num_rows
                if count >= nrows:
                    break
            arrow_table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, nrows)
    except pa.ArrowInvalid as exc:
        if "invalid UTF8" in str(exc) or "UTF-8" in str(exc):
            raise UnicodeDecodeError("utf-8", b"", 0, 1, str(exc)) from None
        raise _NeedsTolerantReader from None
    if bad_rows:
        # Let pandas redo it: it pads short rows and names the line of each long one.
        raise _NeedsTolerantReader
    return arrow_table.to_pandas(), notes


def _read_csv_tolerant(path: Path, encoding: str, delimiter: str, nrows: int | None):
    """pandas' C reader: slower, but pads short rows and reports long ones by line number."""
    import pandas as pd

    header = _header_fields(path, encoding, delimiter)
    names, notes = unique_names(header, str(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                path,
                sep=delimiter,
                encoding=encoding,
                encoding_errors="strict",
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                header=0,
                names=names,
                on_bad_lines="warn",
                nrows=nrows,
                engine="c",
            )
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{path} is not valid {encoding} text (byte {exc.start}).",
                "Re-save it as UTF-8 (most spreadsheet programs offer 'CSV UTF-8').",
            ) from None
        except (pd.errors.ParserError, ValueError) as exc:
            detail = str(exc).strip().splitlines()[0]
            raise DataError(
                f"cannot parse {path}: {detail}.",
                "Check for an unclosed quote near that line, or re-export the file as CSV.",
            ) from None
    skipped = []
    for item in caught:
        skipped += [int(n) for n in re.findall(r"Skipping line (\d+)", str(item.message))]
    if skipped:
        notes.append(
            f"{path}: skipped {len(skipped)} line(s) with more fields than the header "
            f"({list_numbers(skipped)}); check their quoting."
        )
    return frame, notes


def _header_fields(path: Path, encoding: str, delimiter: str) -> list[str]:
    """The first non-blank record, however long: a wide table's header easily passes any fixed sample size,
    and a header cut short would shift every column name after the cut (both readers take these names)."""
    import csv

    # The file is read as a stream in its detected encoding; csv joins a quoted cell's lines into one record.
    # A BOM is dropped by the utf-8-sig/utf-16/utf-32 codecs themselves, or by unique_names.
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter):
                if any(cell.strip() for cell in row):
                    return row
    except csv.Error as exc:  # a header cell above csv's field size limit: an unclosed quote swallowing the file
        raise DataError(
            f"cannot read the header row of {path}: {exc}.",
            "Check the first line for an unclosed quote, or re-export the file as CSV.",
        ) from None
    raise DataError(f"{path} has no header row.", "The first line must name the columns.")


def unique_names(header: list[str], name: str) -> tuple[list[str], list[str]]:
    """Column names made unique and non-empty, with a note for each change."""
    notes, names, seen = [], [], {}
    for position, raw in enumerate(header, start=1):
        if "\x00" in raw:
            notes.append(f"{name}: removed NUL characters from the name of column {position}.")
            raw = raw.replace("\x00", "")
        base = raw.strip().lstrip("\ufeff") or f"column_{position}"
        if not raw.strip():
            notes.append(f"{name}: column {position} has no name; it is called '{base}'.")
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        if candidate != base:
            notes.append(
                f"{name}: column name '{base}' appears more than once; column {position} is called '{candidate}'."
            )
        seen[candidate] = position
        names.append(candidate)
    return names, notes


def looks_like_table_text(raw: bytes, name: str) -> bool:
    """Whether the start of a .txt file is a table rather than one text per line.

    Plain texts often hold a comma or two, so a .txt counts as a table only on firm evidence: every one of
    its first lines splits into the same number (two or more) of fields, and either the fields are
    tab-separated (a spreadsheet's 'Text (Tab delimited)' export) or the first line names a column the
    way tables do ('text', 'label', 'sentence'...).
    """
    import csv

    from .column_names import IMAGE_NAMES, LABEL_NAMES, NUMBER_NAMES, SEQ2SEQ_NAMES, TAG_NAMES, TEXT_NAMES

    complete = len(raw) < 65536
    text = sniff.decode_sample(raw, sniff.detect_encoding(raw, complete=complete, name=name), complete=complete)
    delimiter = sniff.sniff_delimiter(text, default="\t")
    counts = sniff._field_counts(text, delimiter)
    if len(counts) < 2 or min(counts) < 2 or len(set(counts)) != 1:
        return False
    if delimiter == "\t":
        return True
    known = {
        *TEXT_NAMES,
        *LABEL_NAMES,
        *NUMBER_NAMES,
        *TAG_NAMES,
        *IMAGE_NAMES,
        *(name for pair in SEQ2SEQ_NAMES for name in pair),
        "tokens",
        "words",
        "split",
        "id",
        "prompt",
        "response",
        "instruction",
        "text_pair",
    }
    header = next(csv.reader(text.splitlines()[:1], delimiter=delimiter), [])
    # 'review_text' or 'Sentiment Label' names a column as surely as 'text' or 'label' does.
    words = {word for cell in header for word in re.split(r"[\s_\-.]+", cell.strip().lower()) if word}
    return any(cell.strip().lower() in known for cell in header) or bool(words & known)


def read_text_lines(path: Path, nrows: int | None) -> Table:
    """A plain text file: one text per line, no header, blank lines skipped; a table with one 'text' column."""
    import pandas as pd

    raw = path.read_bytes()
    encoding = sniff.detect_encoding(raw, complete=True, name=str(path))
    try:
        text = raw.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not valid {encoding} text (byte {exc.start}).", "Re-save it as UTF-8.") from None
    lines = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    if not lines:
        raise DataError(f"{path} holds no text.", "Write one text per line.")
    shown = lines[:nrows] if nrows else lines
    table = Table(pd.DataFrame({"text": pd.Series(shown, dtype=object)}), path, "text lines", encoding)
    table.complete = not nrows or len(lines) <= nrows
    return table
