"""Parquet and Excel workbooks."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .table import Table
from .text_tables import unique_names


def read_parquet(path: Path, nrows: int | None) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        if nrows:
            batch = next(parquet.iter_batches(batch_size=nrows), None)
            arrow = pa.Table.from_batches([batch]) if batch is not None else parquet.schema_arrow.empty_table()
        else:
            arrow = parquet.read()
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path} is not a readable Parquet file ({exc}).", "Re-export it, or save it as CSV.") from None
    frame = arrow.to_pandas()
    _plain_python_cells(frame, arrow)
    if len(frame) == 0:
        raise DataError(f"{path} has no rows.", "Add rows of data.")
    names, notes = unique_names([str(c) for c in frame.columns], str(path))
    frame.columns = names
    return Table(frame, path, "parquet", warnings=notes, complete=nrows is None or parquet.metadata.num_rows <= nrows)


def _plain_python_cells(frame, arrow) -> None:
    """Nested and binary Parquet columns as the Python values a JSON file gives: lists, dicts and text.

    pyarrow hands a list column (token ids, tags, from ``datasets``) back as a numpy array per cell, a map as
    a list of pairs and a binary column as bytes; the rest of tlstudio knows lists, dicts and strings.
    """
    import pandas as pd
    import pyarrow as pa

    for position, column in enumerate(arrow.schema):
        kind = column.type
        nested = (
            pa.types.is_list(kind)
            or pa.types.is_large_list(kind)
            or pa.types.is_fixed_size_list(kind)
            or pa.types.is_struct(kind)
            or pa.types.is_map(kind)
        )
        binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)
        if not (nested or binary):
            continue
        # By name: a pandas-written file's index columns are in the schema but become the frame's index.
        where = frame.columns.get_loc(column.name) if column.name in frame.columns else None
        if not isinstance(where, int):
            continue
        values = arrow.column(position).to_pylist()
        if binary:
            values = [_utf8_or_bytes(v) for v in values]
        frame.isetitem(where, pd.Series(values, dtype=object, index=frame.index))


def _utf8_or_bytes(value):
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value  # true binary data: refused by name where a text or label is needed


def read_excel(path: Path, nrows: int | None, sheet: str | None = None) -> Table:
    """One sheet of a workbook: ``sheet`` by name, else the first (with a note naming the others)."""
    try:
        frame, sheets, chosen = _read_sheet(path, nrows, sheet)
    except ValueError as exc:
        raise DataError(f"{path} is not a readable Excel workbook ({exc}).", "Save it as .xlsx or CSV.") from None
    except Exception as exc:  # openpyxl raises zipfile/XML errors of several kinds for corrupt files
        if exc.__class__.__module__.startswith(("zipfile", "openpyxl", "xml")):
            raise DataError(f"{path} is not a readable Excel workbook.", "Save it again as .xlsx or CSV.") from None
        raise
    where = f"sheet '{chosen}' of {path}" if sheet or len(sheets) > 1 else f"the first sheet of {path}"
    if len(frame) < 2:
        others = [name for name in sheets if name != chosen]
        hint = (
            f"Its other sheets are {_listed(others)}: choose one with --sheet NAME."
            if others
            else "Put a header row and data on the first sheet."
        )
        raise DataError(f"{where} has no data rows.", hint)
    header = ["" if (isinstance(v, float) or v is None) else str(v) for v in frame.iloc[0].tolist()]
    names, notes = unique_names(header, str(path))
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = names
    if sheet is None and len(sheets) > 1:
        notes.insert(
            0,
            f"{path} has {len(sheets)} sheets ({_listed(sheets)}); reading the first, '{chosen}'. "
            "Read another with --sheet NAME.",
        )
    return Table(frame, path, "excel", warnings=notes, complete=nrows is None or len(frame) < nrows)


def _read_sheet(path: Path, nrows: int | None, sheet: str | None):
    """The raw cells of the chosen sheet (header row included), the workbook's sheet names, and the one read."""
    import pandas as pd

    with pd.ExcelFile(path, engine="openpyxl") as workbook:
        sheets = [str(name) for name in workbook.sheet_names]
        if sheet is not None and sheet not in sheets:
            close = [name for name in sheets if name.strip().casefold() == sheet.strip().casefold()]
            hint = f"Did you mean '{close[0]}'? " if close else ""
            raise DataError(
                f"{path} has no sheet named '{sheet}' (from --sheet).", f"{hint}Its sheets are {_listed(sheets)}."
            )
        chosen = sheet if sheet is not None else sheets[0]
        # header=None: take the header row ourselves so duplicate names get the same treatment as CSV.
        frame = pd.read_excel(
            workbook, sheet_name=chosen, dtype=str, header=None, nrows=None if nrows is None else nrows + 1
        )
    return frame, sheets, chosen


def _listed(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
