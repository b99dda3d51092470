"""The Label page's class list: shown with each class's key and count; add, rename, merge, new label column."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QListWidgetItem


class ClassActions:
    """Mixed into :class:`~.label_page.LabelPage` (uses its controller, class list widget and session)."""

    # -- classes --------------------------------------------------------------------------
    def _show_classes(self, classes: list[str]) -> None:
        counts = self._class_counts()
        self.class_list.clear()
        for number, name in enumerate(classes, start=1):
            key = f"{number}  " if number <= 9 else ""
            item = QListWidgetItem(f"{key}{name} ({counts.get(name, 0):,})")
            item.setData(Qt.UserRole, name)
            item.setToolTip(f"Press {number} to give the current row '{name}'" if number <= 9 else name)
            self.class_list.addItem(item)
        self._fill_filters()

    def _class_counts(self) -> dict[str, int]:
        if self.controller is None or not self.controller.label_column:
            return {}
        from ...api import label_counts

        if self.controller.counts_at_load is not None and not self.controller.dirty:
            return self.controller.counts_at_load
        frame = self.controller.table.frame
        if self.controller.label_column not in frame.columns:
            return {}
        if any(isinstance(v, (list, tuple)) for v in frame[self.controller.label_column].head(50).tolist()):
            return {}  # lists of labels (multi-label data): this page counts one class per row
        return label_counts(frame[self.controller.label_column])

    def add_class(self, name: str | None = None) -> None:
        if self.controller is None or not self._require_label_column():
            return
        if name is None:
            name, ok = QInputDialog.getText(self, "Add class", "Name of the new class:")
            if not ok:
                return
        self.controller.add_class(name)

    def rename_class(self, old: str | None = None, new: str | None = None) -> None:
        if self.controller is None or not self.classes:
            return
        if old is None:
            item = self.class_list.currentItem()
            old = item.data(Qt.UserRole) if item else None
            if old is None:
                old, ok = QInputDialog.getItem(self, "Rename class", "Class to rename:", self.classes, 0, False)
                if not ok:
                    return
        if new is None:
            new, ok = QInputDialog.getText(self, "Rename class", f"New name for '{old}':", text=old)
            if not ok:
                return
        self.controller.rename_class(old, new)

    def merge_classes(self, sources: list[str] | None = None, target: str | None = None) -> None:
        if self.controller is None or len(self.classes) < 2:
            return
        if sources is None:
            first, ok = QInputDialog.getItem(self, "Merge classes", "Merge this class…", self.classes, 0, False)
            if not ok:
                return
            others = [c for c in self.classes if c != first]
            target, ok = QInputDialog.getItem(
                self, "Merge classes", f"…into this one ('{first}' rows get it):", others, 0, False
            )
            if not ok:
                return
            sources = [first]
        self.controller.merge_classes(sources, target)

    def new_label_column(self, name: str | None = None) -> None:
        if self.session.table is None:
            return
        if name is None:
            name, ok = QInputDialog.getText(
                self, "New label column", "Name of the column to put labels in:", text="label"
            )
            if not ok or not name.strip():
                return
        self.session.update_config(label_column=name.strip())

    def _require_label_column(self) -> bool:
        if self.controller is not None and self.controller.label_column:
            return True
        self.status_message.emit(
            "Choose the label column on the Data page, or make a new one with 'New label column…'."
        )
        return False
