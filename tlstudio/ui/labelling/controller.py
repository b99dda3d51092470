"""The labelling state of the open table: edits through an undo stack, journaled, saved on request.

Every change (a key press, a typed label, a rename or merge of classes, an
undo or redo) goes through :meth:`LabellingController.apply`, which sets the
cells, writes the step to the journal (``fsync``'d before it returns) and
tells the views.  The undo stack holds :class:`SetCellsCommand` objects; a
run of typing into one cell merges into one step.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ...api import normalize_label, sort_labels
from ...api import CellChange, EditedTable, reverse_all
from ...api import Journal

TYPING_ID = 7001  # QUndoCommand.id() of typed edits, which merge when they hit the same cell in a row


class SetCellsCommand(QUndoCommand):
    def __init__(self, controller: "LabellingController", changes: list[CellChange], text: str, typed: bool = False):
        super().__init__(text)
        self.controller = controller
        self.changes = list(changes)
        self.typed = typed
        self._first = True

    def redo(self) -> None:
        # The first redo is the edit itself (journaled as an edit); later ones are real redos.
        self.controller.apply(self.changes, "edit" if self._first else "redo")
        self._first = False

    def undo(self) -> None:
        self.controller.apply(reverse_all(self.changes), "undo")

    def id(self) -> int:
        return TYPING_ID if self.typed and len(self.changes) == 1 else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetCellsCommand) or other.id() != self.id():
            return False
        mine, theirs = self.changes[0], other.changes[0]
        if (mine.row, mine.column) != (theirs.row, theirs.column):
            return False
        self.changes = [CellChange(mine.row, mine.column, mine.old, theirs.new)]
        return True


class LabellingController(QObject):
    """Signals: cells_changed(list rows), classes_changed(list), dirty_changed(bool), saved(str path)."""

    cells_changed = Signal(list)
    classes_changed = Signal(list)
    dirty_changed = Signal(bool)
    saved = Signal(str)

    def __init__(self, table, label_column: str | None, journal_dir: Path | None = None, parent=None):
        super().__init__(parent)
        self.edited = EditedTable(table)
        self.label_column = label_column
        self.undo_stack = QUndoStack(self)
        self.journal = Journal(table.path, table.format, {"label": label_column or ""}, journal_dir)
        self.counts_at_load: dict[str, int] | None = None  # rows per class as the file was read
        self.classes: list[str] = self._classes_in_data()
        self._dirty = False
        self.labels_added = 0  # rows given a label since the last retrain (counts toward the auto retrain)

    # -- reading -------------------------------------------------------------------
    @property
    def table(self):
        return self.edited.table

    def label(self, row: int) -> str | None:
        if not self.label_column:
            return None
        return _label(self.edited.value(row, self.label_column))

    def _classes_in_data(self) -> list[str]:
        frame = self.edited.frame
        if not self.label_column or self.label_column not in frame.columns:
            return []
        import pandas as pd

        column = frame[self.label_column]
        if not any(isinstance(v, (list, tuple)) for v in column.head(50).tolist()):
            from ...api import label_counts

            # One pass over the column gives both the classes and their counts (the class list shows them);
            # two passes over a million labels on the GUI thread stalled the window at every open. A file
            # just read comes with the count made on the reading thread.
            counted = self.edited.table.label_counts.pop(self.label_column, None)
            self.counts_at_load = counted if counted is not None else label_counts(column)
            return sort_labels(self.counts_at_load)[:200]
        values = set()
        column = column.dropna()
        try:  # one value per distinct cell: a Python loop over a million cells froze the window at every open
            cells = pd.unique(column).tolist()
        except TypeError:  # a multi-label column holds lists (unhashable): its labels are the lists' members
            cells = column.tolist()
        flat = {str(v) for cell in cells for v in (cell if isinstance(cell, (list, tuple)) else [cell])}
        for value in flat:
            try:
                label = normalize_label(value)
            except TypeError:
                continue
            if label is not None:
                values.add(label)
        return sort_labels(values)[:200]

    # -- editing ----------------------------------------------------------------------
    def set_labels(self, rows: list[int], value: str | None, text: str | None = None, typed: bool = False) -> None:
        """Give ``rows`` the label ``value`` (None clears it) as one undoable step."""
        if not self.label_column:
            return
        changes = [self.edited.change(row, self.label_column, value) for row in rows]
        changes = [c for c in changes if _label(c.old) != _label(c.new)]
        if not changes:
            return
        if value is not None and normalize_label(value) not in self.classes:
            self.add_class(str(value).strip())
        newly = sum(1 for c in changes if normalize_label(c.old) is None and c.new is not None)
        self.labels_added += newly
        what = text or (
            f"Label row {rows[0] + 1} '{value}'"
            if len(rows) == 1 and value is not None
            else f"Clear label of row {rows[0] + 1}"
            if len(rows) == 1
            else f"Label {len(rows)} rows"
        )
        self.undo_stack.push(SetCellsCommand(self, changes, what, typed))

    def set_cell(self, row: int, column: str, value, text: str) -> None:
        """Any one cell (an entity row's tag list, say) as one undoable step."""
        change = self.edited.change(row, column, value)
        if change.old != change.new:
            self.undo_stack.push(SetCellsCommand(self, [change], text))

    def apply(self, changes: list[CellChange], what: str) -> None:
        """Set cells and journal the step (called by the undo commands)."""
        self.edited.apply(changes)
        # The counts read with the file describe it no longer (even once saved: the saved file has these labels).
        self.counts_at_load = None
        self.journal.record(changes, what)
        self.cells_changed.emit(sorted({c.row for c in changes}))
        self._update_dirty()

    def recover(self, recovered, journal_dir: Path | None = None) -> None:
        """Edits from a journal left by a crash: applied, and the same journal continued (not undoable)."""
        self.journal.close()
        self.journal = Journal(recovered.data_path, recovered.data_format, recovered.columns, journal_dir, resume=True)
        for batch in recovered.batches:
            self.edited.apply(batch)
        if recovered.classes:
            self.classes = list(recovered.classes)
            self.classes_changed.emit(self.classes)
        self.cells_changed.emit(sorted({c.row for c in recovered.changes}))
        self._update_dirty()

    # -- classes -------------------------------------------------------------------------
    def add_class(self, name: str) -> None:
        name = (name or "").strip()
        if name and name not in self.classes:
            self.classes.append(name)
            self.journal.record_classes(self.classes)
            self.classes_changed.emit(self.classes)

    def rename_class(self, old: str, new: str) -> None:
        """Every row labelled ``old`` gets ``new`` (one undo step); ``old`` leaves the class list."""
        new = new.strip()
        if not new or new == old:
            return
        self.merge_classes([old], new, text=f"Rename class '{old}' to '{new}'")

    def merge_classes(self, sources: list[str], target: str, text: str | None = None) -> None:
        rows = [i for i in range(len(self.edited)) if self.label(i) in set(sources) - {target}]
        if rows:
            self.set_labels(rows, target, text or f"Merge {', '.join(sources)} into '{target}'")
        self.classes = [c for c in self.classes if c not in sources or c == target]
        if target not in self.classes:
            self.classes.append(target)
        self.journal.record_classes(self.classes)
        self.classes_changed.emit(self.classes)

    # -- saving ------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._dirty

    def _update_dirty(self) -> None:
        dirty = self.edited.dirty
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    def save(self, target: str | Path | None = None) -> Path:
        """Write the edits (raises TlStudioError); in place, the journal goes and the undo history stays."""
        from ...api import save

        written = save(self.edited, target)
        if not self.edited.dirty:
            self.journal.discard()
            self.undo_stack.setClean()
        self._update_dirty()
        self.saved.emit(str(written))
        return written

    def discard(self) -> None:
        """Throw the unsaved edits away: cells back to the file's values, journal deleted."""
        pending = self.edited.pending()
        changes = [CellChange(row, column, now, in_file) for (row, column), (in_file, now) in pending.items()]
        self.edited.apply(changes)
        for column in self.edited.added_columns:
            if column in self.edited.frame.columns:
                del self.edited.frame[column]
        self.edited.mark_saved()
        self.journal.discard()
        self.undo_stack.clear()
        self.cells_changed.emit(sorted({c.row for c in changes}))
        self._update_dirty()

    def close(self) -> None:
        """Stop journaling; an unsaved journal stays on disk for recovery."""
        self.journal.close()


def _label(value) -> str | None:
    try:
        return normalize_label(value)
    except TypeError:  # a list or object in a JSON cell is not a class
        return None
