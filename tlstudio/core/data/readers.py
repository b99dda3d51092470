"""Read a user's data file into a pandas DataFrame, whatever shape it comes in.

Supported: CSV/TSV (delimiter and encoding detected), JSON (an array of
records), JSON Lines, Parquet, Excel (.xlsx) and CoNLL token files
(.conll/.iob, and .txt files whose lines read as ``token tag``).  Any other
.txt file is one text per line with no header (a 'text' column), unless it
plainly is a table (see ``text_tables.looks_like_table_text``).  Text tables are read with
every column as a string, so labels such as ``007`` and numbers such as
``1.50`` keep exactly the characters the user typed; tasks convert what they
need.  The file itself is only ever opened for reading.

Everything a user can get wrong raises :class:`DataError` with a message that
names the file and, where it can, the row, line or column.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .binary_tables import read_excel, read_parquet
from .conll import CONLL_SUFFIXES, looks_like_conll, read_conll
from .json_records import read_json, read_jsonl
from .table import MAX_LISTED, Table, list_numbers
from .text_tables import looks_like_table_text, read_text_lines, read_text_table

TEXT_TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": ","}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED_SUFFIXES = (
    set(TEXT_TABLE_SUFFIXES) | JSON_SUFFIXES | JSONL_SUFFIXES | PARQUET_SUFFIXES | EXCEL_SUFFIXES | CONLL_SUFFIXES
)


def read_table(path: str | Path, *, nrows: int | None = None, sheet: str | None = None) -> Table:
    """Load ``path``; with ``nrows`` only the first rows (a quick preview); ``sheet`` names an Excel sheet."""
    path = Path(path).expanduser()
    name = str(path)
    if not path.exists():
        raise DataError(f"{name} does not exist.", "Check the path and try again.")
    if path.is_dir():
        raise DataError(f"{name} is a folder, not a data file.", "Choose a CSV, JSON, JSONL, Parquet or Excel file.")
    suffix = path.suffix.lower()
    if suffix == ".gz":
        raise DataError(f"{name} is compressed.", "Decompress it first (for example with gunzip) and open the result.")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"cannot read {name}: {exc.strerror}.", "Check that the file is readable.") from None
    if size == 0:
        raise DataError(f"{name} is empty.", "Choose a file with a header row and at least one data row.")
    if suffix == ".xls":
        raise DataError(f"{name} is an old Excel 97 (.xls) workbook.", "Save it as .xlsx or CSV and open that.")
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataError(
            f"{name} has an unsupported file type '{suffix or '(none)'}'.",
            "tlstudio reads .csv, .tsv, .json, .jsonl, .parquet, .xlsx and CoNLL (.conll, .iob) files.",
        )
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise DataError(
            f"--sheet '{sheet}' was given but {name} is not an Excel workbook.",
            "Leave out --sheet for this file (it names a sheet of an .xlsx file).",
        )
    try:
        if suffix in CONLL_SUFFIXES or (suffix == ".txt" and _conll_text(path)):
            table = read_conll(path, nrows)
        elif suffix == ".txt" and not _table_text(path):
            table = read_text_lines(path, nrows)
        elif suffix in TEXT_TABLE_SUFFIXES:
            table = read_text_table(path, TEXT_TABLE_SUFFIXES[suffix], nrows)
        elif suffix in JSON_SUFFIXES:
            table = read_json(path, nrows)
        elif suffix in JSONL_SUFFIXES:
            table = read_jsonl(path, nrows)
        elif suffix in PARQUET_SUFFIXES:
            table = read_parquet(path, nrows)
        else:
            table = read_excel(path, nrows, sheet)
    except FileNotFoundError:
        raise DataError(f"{name} disappeared while it was being read.", "Check the file is still there.") from None
    except PermissionError:
        raise DataError(f"cannot read {name}: permission denied.", "Check the file's permissions.") from None
    except IsADirectoryError:
        raise DataError(f"{name} is a folder, not a data file.") from None
    except RecursionError:  # JSON like [[[[...]]]] thousands of levels deep: Python's parser gives up
        raise DataError(
            f"{name} nests its values too deeply to be read (more than about 1,000 levels).",
            "Flatten the data: each record should hold plain texts, labels and lists.",
        ) from None
    except OSError as exc:  # a network drive dropping out, a failing disk: the file could not be read to the end
        raise DataError(
            f"cannot read {name}: {exc.strerror or exc}.",
            "Check that the file is still there and readable, then try again.",
        ) from None
    # A preview's few rows are searched directly; scanning the whole file would cost more than reading them.
    _finish(table, nul_free=nrows is None and suffix in TEXT_TABLE_SUFFIXES and _no_nul_bytes(path, table.encoding))
    return table


def _no_nul_bytes(path: Path, encoding: str | None) -> bool:
    """True when the file provably holds no NUL character: its encoding writes NUL as a lone 0x00
    byte (UTF-8 and every ASCII-compatible one) and no 0x00 byte is in the file.

    Scanning the bytes (memchr speed) costs tens of milliseconds on a 200 MB file; looking for NUL
    in every string column took 1.4 s of a 3.7 s million-row load (docs/benchmarks.md).
    """
    try:
        # UTF-16/32 write zero bytes for ordinary text: there the columns are searched instead.
        if not encoding or 0 in "A".encode(encoding) or "\x00".encode(encoding).count(0) != 1:
            return False
        # Read in chunks rather than mapped: a mapping would count the whole file in the app's memory.
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                if b"\x00" in chunk:
                    return False
        return True
    except (LookupError, OSError, ValueError):
        return False


def _table_text(path: Path) -> bool:
    with open(path, "rb") as handle:
        return looks_like_table_text(handle.read(65536), str(path))


def _conll_text(path: Path) -> bool:
    with open(path, "rb") as handle:
        return looks_like_conll(handle.read(65536))


def _finish(table: Table, *, nul_free: bool = False) -> None:
    """Checks every format shares: drop NUL characters (naming the rows) unless the file has none."""
    frame = table.frame
    for column in () if nul_free else frame.columns:
        series = frame[column]
        if str(series.dtype) in ("str", "string"):
            has_nul = series.str.contains("\x00", regex=False, na=False)
        elif series.dtype == object:
            has_nul = series.map(lambda v: isinstance(v, str) and "\x00" in v).astype(bool)
        else:
            continue
        if has_nul.any():
            rows = [int(i) + 1 for i in has_nul[has_nul].index[: MAX_LISTED + 1]]
            frame.loc[has_nul, column] = series[has_nul].map(lambda v: v.replace("\x00", ""))
            table.warnings.append(
                f"{table.path}: removed NUL characters from column '{column}' in {int(has_nul.sum())} data row(s) "
                f"({list_numbers(rows, int(has_nul.sum()))})."
            )
