"""Putting edited cells back into Parquet files and Excel workbooks.

Neither format can be spliced like text, so the file is rewritten, keeping
what a user would notice: for Parquet the schema (column types and the
pandas/arrow metadata) and the compression; for Excel every other cell,
sheet, style, number format and formula, because only the edited cells of
the first sheet are set in the loaded workbook.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ..errors import DataError
from .edits import same_value
from .text_bytes import SaveConflict


def rewrite_parquet(
    path: Path, columns: list[str], row_count: int, edits: dict[tuple[int, str], tuple[Any, Any]]
) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    table = parquet.read()
    compression = _compression(parquet)
    if table.num_rows != row_count:
        raise SaveConflict(
            f"{path} has {table.num_rows:,} rows now, not the {row_count:,} that were loaded.",
            "It may have changed since it was opened; use 'Save as' to keep your edits.",
        )
    names = list(table.column_names)
    by_column: dict[str, dict[int, Any]] = {}
    for (row, column), (old, new) in edits.items():
        by_column.setdefault(column, {})[row] = (old, new)
    for column, cells in by_column.items():
        if column in columns and columns.index(column) < len(names):
            index = columns.index(column)  # the reader may have renamed duplicate columns; positions agree
            values = table.column(index).to_pylist()
            kind = table.schema.field(index).type
            for row, (old, new) in cells.items():
                if not same_value(values[row], old) and not same_value(_text(values[row]), _text(old)):
                    raise SaveConflict(
                        f"{path}: row {row + 1}, column '{column}' holds {values[row]!r} on disk, "
                        f"not {old!r} as when it was opened.",
                        "The file changed since it was opened; use 'Save as' to keep your edits.",
                    )
                values[row] = new
            table = table.set_column(index, table.schema.field(index), _typed_array(values, kind, path, column))
        else:
            values = [None] * table.num_rows
            for row, (_old, new) in cells.items():
                values[row] = None if new is None else str(new)
            table = table.append_column(pa.field(column, pa.string()), pa.array(values, pa.string()))
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression=compression)
    return buffer.getvalue()


def rewrite_excel(
    path: Path, columns: list[str], row_count: int, edits: dict[tuple[int, str], tuple[Any, Any]]
) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.worksheets[0]
    width = len(columns)
    data_rows = _last_filled_row(sheet) - 1
    if data_rows != row_count:
        raise SaveConflict(
            f"the first sheet of {path} has {data_rows:,} data rows now, not the {row_count:,} that were loaded.",
            "It may have changed since it was opened; use 'Save as'.",
        )
    for (row, column), (old, new) in edits.items():
        if column in columns:
            position = columns.index(column) + 1
        else:  # a new column: after the last one, named in the header row
            position = width + 1 + sorted({c for _, c in edits if c not in columns}).index(column)
            sheet.cell(row=1, column=position).value = column
        cell = sheet.cell(row=row + 2, column=position)
        if column in columns and not same_value(_text(cell.value), _text(old)):
            raise SaveConflict(
                f"{path}: row {row + 2}, column '{column}' holds {cell.value!r} on disk, not {old!r} "
                "as when it was opened.",
                "The workbook changed since it was opened; use 'Save as' to keep your edits.",
            )
        cell.value = _excel_value(new, cell.value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: Any) -> str | None:
    from ..data.labels import normalize_label

    try:
        return normalize_label(value)
    except TypeError:
        return str(value)


def _typed_array(values: list, kind, path: Path, column: str):
    import pyarrow as pa

    try:
        return pa.array(values, kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        pass
    try:  # class names typed as text into a numeric column: convert them like the file's other values
        return pa.array([None if v is None else str(v) for v in values], pa.string()).cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise DataError(
            f"{path}: column '{column}' holds {kind} values, and a new value is not one.",
            "Use 'Save as' to write a CSV or JSON copy, where any label can be written.",
        ) from None


def _compression(parquet) -> str:
    try:
        name = parquet.metadata.row_group(0).column(0).compression
        return "none" if name == "UNCOMPRESSED" else name.lower()
    except (IndexError, AttributeError):
        return "snappy"


def _last_filled_row(sheet) -> int:
    """The last row with a value: pandas drops trailing empty rows, and so must the row count."""
    for row in range(sheet.max_row, 0, -1):
        if any(cell.value not in (None, "") for cell in sheet[row]):
            return row
    return 0


def _excel_value(new: Any, current: Any) -> Any:
    if new is None:
        return None
    if isinstance(new, str) and isinstance(current, (int, float)) and not isinstance(current, bool):
        try:
            number = float(new)
            return int(number) if number.is_integer() and "." not in new else number
        except ValueError:
            pass
    return new
