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
    if len(frame) == 0:
        raise DataError(f"{path} has no rows.", "Add rows of data.")
    names, notes = unique_names([str(c) for c in frame.columns], str(path))
    frame.columns = names
    return Table(frame, path, "parquet", warnings=notes, complete=nrows is None or parquet.metadata.num_rows <= nrows)


def read_excel(path: Path, nrows: int | None) -> Table:
    import pandas as pd

    try:
        # header=None: take the header row ourselves so duplicate names get the same treatment as CSV.
        frame = pd.read_excel(
            path, sheet_name=0, dtype=str, header=None, engine="openpyxl", nrows=None if nrows is None else nrows + 1
        )
    except ValueError as exc:
        raise DataError(f"{path} is not a readable Excel workbook ({exc}).", "Save it as .xlsx or CSV.") from None
    except Exception as exc:  # openpyxl raises zipfile/XML errors of several kinds for corrupt files
        if exc.__class__.__module__.startswith(("zipfile", "openpyxl", "xml")):
            raise DataError(f"{path} is not a readable Excel workbook.", "Save it again as .xlsx or CSV.") from None
        raise
    if len(frame) < 2:
        raise DataError(f"the first sheet of {path} has no data rows.", "Put a header row and data on the first sheet.")
    header = ["" if (isinstance(v, float) or v is None) else str(v) for v in frame.iloc[0].tolist()]
    names, notes = unique_names(header, str(path))
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return Table(frame, path, "excel", warnings=notes, complete=nrows is None or len(frame) < nrows)
