"""A read-only table model over a pandas DataFrame that stays smooth at a million rows.

The view asks only for the cells on screen.  Rows are fetched from pandas in
blocks of 4,096 per column on first use and kept as numpy arrays, so a cell
costs an array index rather than a pandas lookup, and jumping to row 900,000
converts one block, not the whole column (which would stall the GUI thread
for a quarter of a second).  Long texts are cut for display (the tooltip
shows more).  A column of image paths can show thumbnails beside the paths
(``set_image_column``), decoded on worker threads only for the rows on screen
(``thumbnails.ThumbnailLoader``) and cached; a row shows its thumbnail once
it is ready.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

BLOCK = 4096
THUMBNAIL = 40  # pixels; the row height the data table gives an image column
THUMBNAILS_KEPT = 2000
DISPLAY_CHARS = 300
TOOLTIP_CHARS = 2000


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return " ".join(value)  # a sentence's tokens or tags read as the sentence
    return str(value)


class DataFrameModel(QAbstractTableModel):
    def __init__(self, frame=None, parent=None):
        super().__init__(parent)
        self._frame = None
        self._columns: list[str] = []
        self._blocks: dict[tuple[int, int], object] = {}
        self._highlight: dict[str, str] = {}  # column -> role name shown in its header
        self._image_column: int | None = None
        self._image_name: str | None = None
        self._image_root: Path | None = None
        self._thumbnails: OrderedDict[str, object] = OrderedDict()
        self._waiting_rows: dict[str, set[int]] = {}  # thumbnails being decoded -> rows that asked
        self._loader = None
        if frame is not None:
            self.set_frame(frame)

    @property
    def frame(self):
        """The DataFrame shown (None before a file is open)."""
        return self._frame

    def set_frame(self, frame) -> None:
        self.beginResetModel()
        self._frame = frame
        self._columns = [str(c) for c in frame.columns] if frame is not None else []
        self._blocks = {}
        if self._image_column is not None:
            name = self._image_name
            self._image_column = self._columns.index(name) if name in self._columns else None
        self._waiting_rows.clear()
        self.endResetModel()

    def set_roles(self, roles: dict[str, str]) -> None:
        """Mark columns in the header, e.g. {'text': 'text', 'label': 'label'} -> 'review  [text]'."""
        self._highlight = {column: role for role, column in roles.items() if column}
        if self._columns:
            self.headerDataChanged.emit(Qt.Horizontal, 0, len(self._columns) - 1)

    def set_image_column(self, column: str | None, root: str | Path | None = None) -> None:
        """Show a thumbnail of each row's image in ``column`` (paths relative to ``root``); None turns it off."""
        self._image_name = column
        self._image_column = self._columns.index(column) if column in self._columns else None
        self._image_root = Path(root) if root is not None else None
        self._thumbnails.clear()
        self._waiting_rows.clear()
        if self._loader is not None:
            self._loader.reset()
        if self._columns and self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, len(self._columns) - 1), [Qt.DecorationRole]
            )

    @property
    def thumbnails_pending(self) -> int:
        return len(self._waiting_rows)

    def _thumbnail(self, row: int, value):
        text = _cell_text(value).strip()
        if not text:
            return None
        if text in self._thumbnails:
            self._thumbnails.move_to_end(text)
            return self._thumbnails[text]
        if self._loader is None:
            from .thumbnails import ThumbnailLoader

            self._loader = ThumbnailLoader(THUMBNAIL, self)
            self._loader.ready.connect(self._on_thumbnail)
        path = Path(text).expanduser()
        if not path.is_absolute() and self._image_root is not None:
            path = self._image_root / path
        self._waiting_rows.setdefault(text, set()).add(row)
        self._loader.request(text, str(path))
        return None  # drawn when decoded

    def _on_thumbnail(self, key: str, pixmap) -> None:
        self._thumbnails[key] = pixmap
        if len(self._thumbnails) > THUMBNAILS_KEPT:
            self._thumbnails.popitem(last=False)
        rows = self._waiting_rows.pop(key, set())
        column = self._image_column
        if column is None:
            return
        for row in rows:
            if row < self.rowCount():
                index = self.index(row, column)
                self.dataChanged.emit(index, index, [Qt.DecorationRole])

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self._frame is None else len(self._frame)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def _value(self, row: int, column: int):
        key = (column, row // BLOCK)
        block = self._blocks.get(key)
        if block is None:
            start = key[1] * BLOCK
            block = self._frame.iloc[start : start + BLOCK, column].to_numpy(dtype=object, na_value=None)
            self._blocks[key] = block
        return block[row % BLOCK]

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if role == Qt.DecorationRole and index.isValid() and index.column() == self._image_column:
            return self._thumbnail(index.row(), self._value(index.row(), index.column()))
        if not index.isValid() or role not in (Qt.DisplayRole, Qt.ToolTipRole):
            return None
        text = _cell_text(self._value(index.row(), index.column()))
        if role == Qt.DisplayRole:
            text = text.replace("\n", " ⏎ ")
            return text if len(text) <= DISPLAY_CHARS else text[:DISPLAY_CHARS] + "…"
        return text[:TOOLTIP_CHARS] if len(text) > 60 else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role != Qt.DisplayRole:
            return None
        if orientation == Qt.Vertical:
            return str(section + 1)
        if section >= len(self._columns):
            return None
        name = self._columns[section]
        role_name = self._highlight.get(name)
        return f"{name}  [{role_name}]" if role_name else name
