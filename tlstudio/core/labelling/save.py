"""Saving edited data: back into the user's own file, or "save as" another.

Saving in place rewrites only the edited records (see ``csv_writeback``,
``json_writeback``, ``binary_writeback``) and replaces the file atomically:
the new bytes go to a temporary file beside it, are flushed to disk, then
renamed over it, so a crash or a full disk leaves the old file whole.

"Save as" to a file of the same format starts from the original's bytes in the
same way (so the copy differs from the original only in the edited records);
to another format, the edited table is written fresh.
"""

from __future__ import annotations

from pathlib import Path

from ..data.writers import frame_bytes
from ..errors import DataError
from ..files import atomic_write_bytes
from .edits import EditedTable
from .text_bytes import SaveConflict

FORMAT_SUFFIXES = {
    "csv": (".csv", ".txt"),
    "tsv": (".tsv", ".tab"),
    "json": (".json",),
    "jsonl": (".jsonl", ".ndjson"),
    "parquet": (".parquet", ".pq"),
    "excel": (".xlsx", ".xlsm"),
}
SAVE_AS_FILTER = (
    "CSV (*.csv);;TSV (*.tsv);;JSON Lines (*.jsonl);;JSON (*.json);;Parquet (*.parquet);;Excel workbook (*.xlsx)"
)


def save(edited: EditedTable, target: str | Path | None = None) -> Path:
    """Write the edits; returns the file written.  The edits count as saved only when ``target`` is the source."""
    source = Path(edited.table.path)
    target = Path(target).expanduser() if target else source
    in_place = _same_file(source, target)
    if in_place:
        data = edited_bytes(edited)
    else:
        data = _save_as_bytes(edited, target)
    try:
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise DataError(
            f"cannot write {target}: {exc.strerror or exc}.",
            "Check there is free space and that the folder is writable; your edits are kept.",
        ) from None
    if in_place:
        edited.mark_saved()
    return target


def edited_bytes(edited: EditedTable) -> bytes:
    """The source file's bytes with the pending edits put in, every other record as it is on disk."""
    table = edited.table
    path, fmt = Path(table.path), table.format
    if not table.complete:
        raise DataError(
            f"only the first rows of {path} were loaded, so it cannot be saved in place.",
            "Open the whole file to edit it.",
        )
    edits = edited.pending()
    added = [c for c in edited.added_columns if c in edited.frame.columns]
    columns = [c for c in edited.table.columns if c not in added]
    if fmt in ("csv", "tsv"):
        from .csv_writeback import rewrite_csv

        return rewrite_csv(path, table.encoding, table.delimiter or ",", columns, len(edited), edits, added)
    if fmt in ("json", "jsonl"):
        from .json_writeback import rewrite_json

        return rewrite_json(path, table.encoding, fmt == "jsonl", len(edited), edits)
    if fmt == "parquet":
        from .binary_writeback import rewrite_parquet

        return rewrite_parquet(path, columns, len(edited), edits)
    if fmt == "excel":
        from .binary_writeback import rewrite_excel

        return rewrite_excel(path, columns, len(edited), edits)
    raise DataError(
        f"{path} is a {fmt.upper()} file, which tlstudio cannot write back into.",
        "Use 'Save as' to write the edited data as JSON Lines or CSV.",
    )


def format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    for fmt, suffixes in FORMAT_SUFFIXES.items():
        if suffix in suffixes:
            return fmt
    raise DataError(
        f"tlstudio cannot write '{suffix or path.name}' files.", "Save as .csv, .tsv, .jsonl, .json, .parquet or .xlsx."
    )


def _save_as_bytes(edited: EditedTable, target: Path) -> bytes:
    fmt = format_for(target)
    if fmt == edited.table.format and edited.table.complete:
        try:
            return edited_bytes(edited)
        except SaveConflict:
            pass  # the original changed on disk: the copy is written fresh from what is loaded
    return frame_bytes(edited.frame, fmt)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False
