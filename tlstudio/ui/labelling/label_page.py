"""Label page: fix and add labels by keyboard, with undo, a crash-proof journal and format-preserving save.

Keys in the table: 1-9 give the current row that class and move to the next
unlabelled row; 0 or Delete clears the label; A accepts the model's
suggestion; double-click or F2 types a label (a new name becomes a class).
The side panels hold model-assisted labelling and the data-health checks.

Signals: open_data_requested(str path) (a recovered journal's file must be opened first).
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
)

from ...api import TlStudioError
from ..pages.base import Page
from ..workers.failures import Failure
from .class_actions import ClassActions
from .class_delegate import ClassDelegate
from .controller import LabellingController
from .label_model import LABEL, TEXT, LabelTableModel
from .recovery import RecoveryActions
from .row_filters import FILTERS, filter_rows

DIGIT_KEYS = {getattr(Qt, f"Key_{n}"): n for n in range(10)}


class LabelPage(ClassActions, RecoveryActions, Page):
    key, title = "label", "Label"
    open_data_requested = Signal(str)

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.controller: LabellingController | None = None
        self.model: LabelTableModel | None = None
        self._pending_recovery = None  # a journal the user chose to recover, waiting for its file to load
        self._extra_rows: tuple[str, list[int]] | None = None  # rows named by a health check, as a filter
        self._build()
        session.data_changed.connect(self._on_data_changed)
        session.columns_changed.connect(self._on_columns_changed)
        self.set_subtitle("Open a data file on the Data page to label it here.")

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        bar = QHBoxLayout()
        self.state_label = QLabel("No data", self)
        self.save_button = QPushButton("Save", self)
        self.save_button.setToolTip(
            "Write the edited labels back into the file, changing only the edited rows "
            f"({QKeySequence(QKeySequence.Save).toString()})"
        )
        self.save_button.clicked.connect(self.save)
        self.save_as_button = QPushButton("Save as…", self)
        self.save_as_button.clicked.connect(self.save_as)
        self.discard_button = QPushButton("Discard changes", self)
        self.discard_button.clicked.connect(self.discard)
        self.undo_button, self.redo_button = QPushButton("Undo", self), QPushButton("Redo", self)
        for button in (self.save_button, self.save_as_button, self.discard_button, self.undo_button, self.redo_button):
            button.setEnabled(False)
        bar.addWidget(self.state_label, 1)
        for widget in (self.undo_button, self.redo_button, self.discard_button, self.save_as_button, self.save_button):
            bar.addWidget(widget)
        self.outer.addLayout(bar)

        classes_row = QHBoxLayout()
        self.class_list = QListWidget(self)
        self.class_list.setAccessibleName("Classes")
        self.class_list.setFlow(QListWidget.LeftToRight)
        self.class_list.setWrapping(True)
        self.class_list.setMaximumHeight(self.fontMetrics().height() * 2 + 14)
        self.class_list.itemDoubleClicked.connect(lambda item: self.rename_class(item.data(Qt.UserRole)))
        classes_row.addWidget(self.class_list, 1)
        for text, slot in (
            ("Add class…", self.add_class),
            ("Rename…", self.rename_class),
            ("Merge…", self.merge_classes),
            ("New label column…", self.new_label_column),
        ):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _=False, s=slot: s())
            classes_row.addWidget(button)
        self.outer.addLayout(classes_row)

        filters = QHBoxLayout()
        self.filter_combo = QComboBox(self)
        self.filter_combo.setAccessibleName("Show rows")
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.refresh_rows())
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search the text…")
        self.search.setAccessibleName("Search")
        self._search_timer = QTimer(self, singleShot=True, interval=250, timeout=self.refresh_rows)
        self._classes_timer = QTimer(
            self, singleShot=True, interval=150, timeout=lambda: self._show_classes(self.classes)
        )
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.count_label = QLabel(self)
        filters.addWidget(QLabel("Show", self))
        filters.addWidget(self.filter_combo)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)
        self.outer.addLayout(filters)

        self.table_view = QTableView(self)
        self.table_view.setAccessibleName("Rows to label")
        self.table_view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table_view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table_view.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.table_view.setWordWrap(False)
        self.table_view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table_view.installEventFilter(self)
        self.table_view.setItemDelegateForColumn(LABEL, ClassDelegate(lambda: self.classes, self.table_view))

        from .assist_panel import AssistPanel
        from .health_panel import HealthPanel

        self.assist = AssistPanel(self)
        self.health = HealthPanel(self)
        self.side = QTabWidget(self)
        self.side.setAccessibleName("Labelling tools")
        self.side.addTab(self.assist, "Model assist")
        self.side.addTab(self.health, "Data health")
        from .entity_panel import EntityPanel

        self.entities = EntityPanel(self)
        self.side.addTab(self.entities, "Entities")
        from ..widgets.row_detail import RowDetail
        from ..widgets.text_columns import TextColumnRoom

        self.text_room = TextColumnRoom(self.table_view)
        # The whole text of the current row, wrapped, with the keys that label it: long reviews are elided
        # in their cell.
        self.detail = RowDetail("The current row's whole text", self)
        rows = QSplitter(Qt.Vertical, self)
        rows.addWidget(self.table_view)
        rows.addWidget(self.detail)
        rows.setStretchFactor(0, 3)
        rows.setStretchFactor(1, 1)
        rows.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(rows)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.outer.addWidget(splitter, 1)
        self.help_label = QLabel(
            "Keys: <b>1-9</b> give the row that class and go to the next unlabelled row · "
            "<b>0</b>/<b>Del</b> clear · <b>A</b> accept the suggestion · <b>F2</b> type a label · "
            "<b>Ctrl+Z</b> undo",
            self,
        )
        self.outer.addWidget(self.help_label)

        self.save_action = self._shortcut(QKeySequence.Save, self.save)
        # Edit > Undo / Redo (and Ctrl+Z / Ctrl+Shift+Z) follow this group: the open file's stack while this
        # page is shown, nothing on the other pages (an invisible label edit must not be undone from there).
        self.undo_group = QUndoGroup(self)
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)

    def _shortcut(self, keys, slot) -> QAction:
        action = QAction(self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- data coming and going --------------------------------------------------------------
    @property
    def classes(self) -> list[str]:
        return self.controller.classes if self.controller else []

    def journal_dir(self) -> Path | None:
        stored = self.settings.get("files/journal_dir")
        return Path(stored) if stored else None

    def _on_data_changed(self) -> None:
        previous = (self.controller, self.model)
        if self.controller is not None:
            self.undo_group.removeStack(self.controller.undo_stack)
            if self.controller.dirty:
                self.status_message.emit(
                    f"Unsaved label edits to {Path(self.controller.table.path).name} are kept "
                    "in the journal; they are offered again when you open it."
                )
            self.controller.close()
        table = self.session.table
        if table is None:
            return
        label_column = self.session.config.label_column
        if label_column in table.columns and any(
            isinstance(v, (list, tuple)) for v in table.frame[label_column].head(50).tolist()
        ):
            label_column = None  # lists of labels are multi-label data; this page labels one class per row
        self.controller = LabellingController(table, label_column, self.journal_dir(), self)
        self.controller.cells_changed.connect(self._on_cells_changed)
        self.controller.classes_changed.connect(self._show_classes)
        self.controller.dirty_changed.connect(lambda _d: self._show_state())
        stack = self.controller.undo_stack
        stack.indexChanged.connect(self._on_undo_index)
        self.undo_group.addStack(stack)
        self._activate_undo(self.isVisible())
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.model = LabelTableModel(self.controller, self._text_column(), self)
        self.table_view.setModel(self.model)
        # The previous file's controller and model are children of this page: without deleting them, every
        # file opened stayed in memory (its whole table, through the controller's edit layer) until exit.
        for old in previous:
            if old is not None:
                old.deleteLater()
        self._size_columns()
        self._extra_rows = None
        self.assist.reset()
        self.health.reset()
        self.entities.reset()
        self.table_view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self._show_classes(self.classes)
        self._fill_filters()
        self._show_state()
        self.set_subtitle(
            "Label rows by keyboard; edits are journaled as you make them and saved into the file "
            "only when you press Save."
        )
        self._offer_journal_for(table.path)

    def _on_columns_changed(self) -> None:
        if self.controller is None or self.session.table is None:
            return
        label = self.session.config.label_column
        text = self._text_column()
        if label != self.controller.label_column or (self.model and text != self.model.text_column):
            self.controller.label_column = label
            self.controller.classes = self.controller._classes_in_data()
            self.controller.journal.record_columns({"label": label or ""})
            self.model = LabelTableModel(self.controller, self._text_column(), self)
            self.table_view.setModel(self.model)
            self.table_view.selectionModel().currentRowChanged.connect(self._on_current_row)
            self._size_columns()
            self.assist.reset()
            self.entities.reset()
            self._show_classes(self.classes)
            self._fill_filters()

    def _text_column(self) -> str | None:
        """The text column, or for token rows (NER) the column of words."""
        config = self.session.config
        return config.text_column or self.entities.columns()[0]

    def _size_columns(self) -> None:
        labelled = bool(self.controller and self.controller.label_column)
        self.table_view.setColumnHidden(LABEL, not labelled)  # token rows are labelled in the Entities panel
        self.table_view.setColumnHidden(LABEL + 1, not labelled)
        self.table_view.horizontalHeader().setDefaultSectionSize(130)
        self.text_room.set_text_column(TEXT)  # the label and suggestion columns fit their contents

    def _on_current_row(self, current, _previous) -> None:
        self.entities.show_row(self.current_position())
        self._show_detail()

    def _show_detail(self) -> None:
        from ..widgets.row_detail import cell_text

        position = self.current_position()
        if position is None or self.controller is None or self.model is None:
            self.detail.clear()
            return
        column = self.model.text_column
        text = self.controller.table.frame[column].iloc[position] if column else ""
        label = self.controller.label(position)
        keys = "   ".join(f"{number} {name}" for number, name in enumerate(self.classes[:9], start=1))
        fields = [("label", label or "(none)")] + ([("keys", keys)] if keys and self.controller.label_column else [])
        self.detail.show_row(f"Row {position + 1}", cell_text(text), fields)

    def _on_cells_changed(self, rows: list[int]) -> None:
        self._classes_timer.start()  # class counts scan the whole column: once per burst of key presses
        self._show_state()
        if self.entities.position in rows:
            self.entities.show_row(self.entities.position)
        if self.current_position() in rows:
            self._show_detail()
        self.session_frame_edited()
        self.assist.on_labels_changed()

    def session_frame_edited(self) -> None:
        notify = getattr(self.session, "frame_edited", None)
        if notify is not None:
            notify.emit()

    # -- filters ----------------------------------------------------------------------------------
    def _fill_filters(self) -> None:
        current = self.filter_combo.currentData()
        self.filter_combo.blockSignals(True)
        self.filter_combo.clear()
        for key, text in FILTERS:
            self.filter_combo.addItem(text, key)
        for name in self.classes:
            self.filter_combo.addItem(f"Class: {name}", f"class:{name}")
        if self._extra_rows is not None:
            self.filter_combo.addItem(self._extra_rows[0], "rows")
        index = self.filter_combo.findData(current)
        self.filter_combo.setCurrentIndex(max(0, index))
        self.filter_combo.blockSignals(False)

    def show_filter(self, key: str) -> None:
        index = self.filter_combo.findData(key)
        if index >= 0:
            self.filter_combo.setCurrentIndex(index)
            self.refresh_rows()

    def show_rows(self, title: str, rows: list[int]) -> None:
        """A filter of rows named by a health check (duplicates, leakage, likely label errors)."""
        self._extra_rows = (title, list(rows))
        self._fill_filters()
        self.show_filter("rows")

    def refresh_rows(self) -> None:
        if self.model is None:
            return
        key = self.filter_combo.currentData() or "all"
        extra = self._extra_rows[1] if self._extra_rows and key == "rows" else None
        rows = filter_rows(
            self.controller, key, self.model.suggestions, self.search.text(), self.model.text_column, extra
        )
        current = self.current_position()
        self.model.set_rows(rows)
        self.count_label.setText(f"{len(rows):,} of {len(self.controller.edited):,} rows")
        if current is not None and self.model.view_row(current) >= 0:
            self.select_position(current)
        elif rows:
            self.select_position(rows[0])

    # -- keyboard labelling ---------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        if (
            watched is self.table_view
            and event.type() == QEvent.KeyPress
            and self.controller is not None
            and self.table_view.state() != QAbstractItemView.EditingState
        ):
            key, modifiers = event.key(), event.modifiers() & ~Qt.KeypadModifier
            if modifiers == Qt.NoModifier:
                if key in DIGIT_KEYS and DIGIT_KEYS[key] > 0:
                    self.assign_class(DIGIT_KEYS[key])
                    return True
                if key in (Qt.Key_0, Qt.Key_Delete, Qt.Key_Backspace):
                    self.clear_label()
                    return True
                if key == Qt.Key_A:
                    self.assist.accept_current()
                    return True
        return super().eventFilter(watched, event)

    def current_position(self) -> int | None:
        index = self.table_view.currentIndex()
        if self.model is None or not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.position(index.row())

    def select_position(self, position: int) -> None:
        view_row = self.model.view_row(position) if self.model else -1
        if view_row < 0:
            return
        index = self.model.index(view_row, LABEL)
        self.table_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows
        )
        self.table_view.scrollTo(index)

    def assign_class(self, number: int) -> None:
        """Key ``number`` (1-9): the current row gets that class, then the next unlabelled row is selected."""
        position = self.current_position()
        if position is None or not self._require_label_column():
            return
        if number > len(self.classes):
            self.status_message.emit(f"There is no class {number}; add one with 'Add class…'.")
            return
        self.set_label(position, self.classes[number - 1])
        self.next_unlabelled(position)

    def set_label(self, position: int, value: str | None) -> None:
        self.controller.set_labels([position], value)

    def clear_label(self) -> None:
        position = self.current_position()
        if position is not None and self._require_label_column():
            self.controller.set_labels([position], None)

    def next_unlabelled(self, after: int | None = None) -> None:
        rows = self.model.rows
        start = self.model.view_row(after) + 1 if after is not None else 0
        for view_row in list(range(start, len(rows))) + list(range(0, start)):
            if self.controller.label(rows[view_row]) is None:
                self.select_position(rows[view_row])
                return
        self.status_message.emit("Every row shown has a label.")

    # -- undo, save, discard -------------------------------------------------------------------
    def _on_undo_index(self, _index: int) -> None:
        if not shiboken6.isValid(self.undo_button) or self.controller is None:
            return  # the window is being torn down
        stack = self.controller.undo_stack
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())
        self.undo_button.setToolTip(f"Undo {stack.undoText()}" if stack.canUndo() else "")
        self.redo_button.setToolTip(f"Redo {stack.redoText()}" if stack.canRedo() else "")

    def _activate_undo(self, shown: bool) -> None:
        self.undo_group.setActiveStack(self.controller.undo_stack if shown and self.controller else None)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not event.spontaneous():  # another page chosen, not the window restored
            self._activate_undo(True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if not event.spontaneous():
            self._activate_undo(False)

    def undo(self) -> None:
        if self.controller is not None:
            self.controller.undo_stack.undo()

    def redo(self) -> None:
        if self.controller is not None:
            self.controller.undo_stack.redo()

    def _show_state(self) -> None:
        has = self.controller is not None
        dirty = has and self.controller.dirty
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        self.save_as_button.setEnabled(has)
        if not has:
            self.state_label.setText("No data")
            return
        name = Path(self.controller.table.path).name
        count = len(self.controller.edited.pending())
        self.state_label.setText(
            f"<b>{name}</b> — {count:,} unsaved edit(s), safe in the journal"
            if dirty
            else f"<b>{name}</b> — no unsaved edits"
        )

    def save(self) -> bool:
        if self.controller is None or not self.controller.dirty:
            return True
        return self._write(None)

    def save_as(self) -> bool:
        """Ask where to save, then write there. Takes no arguments on purpose: it is wired to a button whose
        clicked(bool) would otherwise arrive as a "path" (False) and skip the dialog, overwriting the open file."""
        if self.controller is None:
            return False
        from ...api import SAVE_AS_FILTER

        path, _ = QFileDialog.getSaveFileName(
            self, "Save the labelled data as", str(self.controller.table.path), SAVE_AS_FILTER
        )
        if not path:
            return False
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the labelled data to `path` (a new file, or the open one only when the user chose it)."""
        if self.controller is None:
            return False
        return self._write(path)

    def _write(self, path: str | None) -> bool:
        from ..error_dialog import show_failure

        try:
            written = self.controller.save(path)
        except TlStudioError as exc:
            show_failure(self, Failure(exc.message[:1].upper() + exc.message[1:], exc.hint))
            return False
        self._show_state()
        self.status_message.emit(f"Saved {written}")
        return True

    def discard(self) -> None:
        if self.controller is None or not self.controller.dirty:
            return
        count = len(self.controller.edited.pending())
        if (
            QMessageBox.question(
                self,
                "Discard changes",
                f"Throw away {count:,} unsaved label edit(s)? The file keeps its current labels.",
            )
            != QMessageBox.Yes
        ):
            return
        self.controller.discard()
        self._show_state()

    def may_close(self) -> bool:
        """Asked by the window before quitting: unsaved edits are saved, or kept in the journal for next time."""
        if self.controller is None or not self.controller.dirty:
            return True
        count = len(self.controller.edited.pending())
        answer = QMessageBox.question(
            self,
            "Unsaved labels",
            f"{count:,} label edit(s) are not saved into "
            f"{Path(self.controller.table.path).name}. Save them now?\n\nIf not, they stay in the journal and are "
            "offered the next time tlstudio starts.",
            QMessageBox.Save | QMessageBox.No | QMessageBox.Cancel,
        )
        if answer == QMessageBox.Cancel:
            return False
        if answer == QMessageBox.Save and not self.save():
            return False
        self.controller.close()
        return True
