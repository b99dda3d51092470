"""Data page: open a file, see it, pick the columns and the split, spot problems before training."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...api import find_task, is_single_label_text
from ..qmodels.dataframe_model import THUMBNAIL, DataFrameModel
from ..widgets.bar_chart import CategoryBarChart
from ..widgets.column_roles import ColumnRoles
from ..widgets.split_settings import DATA_FILTER, SplitSettings
from ..widgets.histogram import MarkedHistogram
from ..widgets.plot_host import prefetch_plotting
from ..workers.background import LatestOnly, run_in_background
from .base import Page
from .data_welcome import Welcome

# Files at least this big show their first rows while the rest loads (a million-row CSV takes
# seconds; its first rows, well under one).  Smaller files load whole about as fast as a preview.
PREVIEW_FROM_BYTES = 8 << 20
PREVIEW_ROWS = 500

LEVEL_ICONS = {
    "error": QStyle.SP_MessageBoxCritical,
    "warning": QStyle.SP_MessageBoxWarning,
    "info": QStyle.SP_MessageBoxInformation,
}


def task_title(name: str) -> str:
    from ...api import task_title as title

    return title(name)


def _mode(config) -> str:
    from ...api import mode_name

    return mode_name(config)


def _long_texts_apply(config) -> bool:
    """Whether the task can read long texts as windows: the long_texts setting belongs to it."""
    from ...api import config_fields, setting_applies

    return setting_applies(next(f for f in config_fields() if f.name == "long_texts"), config)


def _load(path: str, task: str, mode: str, pinned: bool = False):
    """The table, the task to switch to (or None: the current one fits, or the user pinned it), and column
    suggestions for the task the data will be used for."""
    from ...api import read_image_data
    from ...api import suggest_roles
    from ...api import suggest_task

    table = read_image_data(path)  # a data file, or a folder of images in class sub-folders
    hint = None if pinned else suggest_task(table, task)
    if hint and hint[0] != task:
        task, mode = hint[0], "single-label"
    suggestions = suggest_roles(table.frame, task, mode)
    label = suggestions.get("label")
    column = label.column if label is not None else None
    if column in table.frame.columns and not any(
        isinstance(v, (list, tuple)) for v in table.frame[column].head(50).tolist()
    ):
        from ...api import label_counts

        table.label_counts[column] = label_counts(table.frame[column])
    return table, suggestions, hint


def _suggest(frame, task: str, mode: str):
    from ...api import suggest_roles

    return suggest_roles(frame, task, mode)


def _preview(path: str):
    from ...api import read_table

    return read_table(path, nrows=PREVIEW_ROWS)


def _health(frame, text_column, label_column):
    from ...api import classification_health

    return classification_health(frame, text_column, label_column)


def _token_lengths(job, backbone: str, frame, column: str):
    from ...api import measure_lengths

    return measure_lengths(backbone, frame, column, cancel=job.cancel_token)


def measured_column(config) -> str | None:
    from ...api import measured_column as column

    return column(config)


WINDOWS_OFFER_SHARE = 0.1  # the share of truncated texts at which reading them as windows is offered


class DataPage(Page):
    """Signals: file_loaded(str path), sample_requested(str sample name)."""

    key, title = "data", "Data"
    file_loaded = Signal(str)
    sample_requested = Signal(str)

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.stack = QStackedWidget(self)
        self.welcome = Welcome(settings, self)
        self.welcome.open_requested.connect(self.choose_file)
        self.welcome.file_chosen.connect(self.open_file)
        self.welcome.sample_chosen.connect(self.sample_requested)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self._build_loaded())
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Loading")
        self.busy.hide()
        self.outer.addWidget(self.busy)
        self.outer.addWidget(self.stack, 1)
        self._loading: str | None = None  # the file being loaded
        self._shown_before: tuple[int, str] | None = None  # what a preview replaced, put back if the load fails
        self._health_jobs = LatestOnly(self, self._on_health, uses_transformers=False)
        self._token_jobs = LatestOnly(self, self._on_token_lengths, self._on_token_failure)
        self._suggestion_jobs = LatestOnly(self, self._on_suggestions, uses_transformers=False)
        self._entity_jobs = LatestOnly(
            self,
            lambda counts: self.label_chart.set_counts(counts, "Entities per type", "entities"),
            uses_transformers=False,
        )
        self._class_jobs = LatestOnly(
            self, lambda counts: self.label_chart.set_counts(counts, "Rows per label"), uses_transformers=False
        )
        self._refresh_timer = QTimer(self, singleShot=True, interval=150, timeout=self._refresh_insight)
        session.columns_changed.connect(self._on_columns_changed)
        session.config_changed.connect(self._on_config_changed)
        # Labels edited on the Label page change the open frame in place: show them and recount the classes.
        self._edited_timer = QTimer(self, singleShot=True, interval=1000, timeout=self._on_frame_edited)
        session.frame_edited.connect(self._edited_timer.start)
        self.set_subtitle(
            "Open a CSV, TSV, JSON, JSON Lines, Parquet or Excel file, drop one on the window, or start with a sample."
        )

    # -- layout ------------------------------------------------------------------
    def _build_loaded(self) -> QWidget:
        self.table_model = DataFrameModel(parent=self)
        self._image_shown: tuple = (None, None)  # (image column, data file) the thumbnails are for
        self.table_view = QTableView(self)
        self.table_view.setModel(self.table_model)
        self.table_view.setAccessibleName("Data preview")
        self.table_view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table_view.setWordWrap(False)
        self.table_view.setAlternatingRowColors(True)
        vertical = self.table_view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.Fixed)  # uniform rows: no per-row measuring on a million rows
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table_view.horizontalHeader().setDefaultSectionSize(140)
        from ..widgets.row_detail import RowDetail
        from ..widgets.text_columns import TextColumnRoom

        self.text_room = TextColumnRoom(self.table_view)
        self.detail = RowDetail("The selected row in full", self)
        self.table_view.selectionModel().currentRowChanged.connect(lambda current, _p: self._show_detail(current))

        columns = self.roles = ColumnRoles(self)
        columns.column_chosen.connect(lambda field, column: self.session.update_config(**{field: column}))
        self.text_combo = columns.combos["text_column"]
        self.label_combo = columns.combos["label_column"]

        split = self.split = SplitSettings(self)
        split.changed.connect(lambda values: self.session.update_config(**values))

        problems = QGroupBox("What tlstudio noticed", self)
        self.problems = QListWidget(self)
        self.problems.setAccessibleName("Problems found in the data")
        self.problems.setWordWrap(True)
        QVBoxLayout(problems).addWidget(self.problems)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.file_label = QLabel(self)
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.open_other = QPushButton("Open another file…", self)
        self.open_other.setAccessibleName("Open another data file")
        self.open_other.clicked.connect(self.choose_file)
        left_layout.addWidget(self.file_label)
        left_layout.addWidget(self.open_other)
        left_layout.addWidget(columns)
        left_layout.addWidget(split)
        left_layout.addWidget(problems, 1)
        self.left_panel = left

        self.label_chart = CategoryBarChart("Rows per label")
        self.length_chart = MarkedHistogram("Text length in tokens", "tokens")
        self.length_summary = QLabel(self)
        self.length_summary.setWordWrap(True)
        lengths = QWidget(self)
        lengths_layout = QVBoxLayout(lengths)
        lengths_layout.setContentsMargins(0, 0, 0, 0)
        lengths_layout.addWidget(self.length_chart, 1)
        lengths_layout.addWidget(self.length_summary)
        # Many texts longer than max length: classification can read them as overlapping windows instead.
        self.use_windows = QPushButton("Read long texts as overlapping windows", self)
        self.use_windows.setAccessibleName("Read long texts as overlapping windows")
        self.use_windows.setToolTip(
            "Splits each long text into overlapping windows for training and prediction "
            "and combines the windows' predictions, instead of keeping only its start."
        )
        self.use_windows.clicked.connect(lambda: self.session.update_config(long_texts="windows"))
        self.use_windows.hide()
        lengths_layout.addWidget(self.use_windows)
        charts = QTabWidget(self)
        charts.setAccessibleName("Data charts")
        charts.addTab(self.label_chart, "Label distribution")
        charts.addTab(lengths, "Text lengths")
        self.charts = charts

        right = QSplitter(Qt.Vertical, self)
        right.addWidget(self.table_view)
        right.addWidget(self.detail)
        right.addWidget(charts)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setStretchFactor(2, 2)
        right.setChildrenCollapsible(False)
        # The columns, split and notes scroll on a short screen instead of squeezing their help text.
        left_scroll = QScrollArea(self)
        left_scroll.setWidget(left)
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QScrollArea.NoFrame)
        left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # Wide enough for its widest control beside the scroll bar: never cut at the right edge.
        left_scroll.setMinimumWidth(
            left.minimumSizeHint().width() + left_scroll.verticalScrollBar().sizeHint().width() + 4
        )
        outer = QSplitter(Qt.Horizontal, self)
        outer.addWidget(left_scroll)
        outer.addWidget(right)
        outer.setStretchFactor(1, 1)
        outer.setSizes([380, 900])
        outer.setChildrenCollapsible(False)
        return outer

    # -- opening -------------------------------------------------------------------
    def choose_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Open a data file", self.settings.last_dir(), DATA_FILTER)
        if path:
            self.open_file(path)

    def choose_image_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path = QFileDialog.getExistingDirectory(
            self, "Open a folder of images (one sub-folder per class)", self.settings.last_dir()
        )
        if path:
            self.open_file(path)

    def open_file(self, path: str, then=None) -> None:
        """Load ``path`` in the background; ``then()`` runs after it is shown (e.g. to apply a saved config)."""
        path = str(path)
        self.busy.show()
        self.status_message.emit(f"Loading {path}…")
        self._loading = path
        try:
            big = Path(path).is_file() and Path(path).stat().st_size >= PREVIEW_FROM_BYTES
        except OSError:
            big = False
        if not big:
            prefetch_plotting()  # the charts show with the rows: import pyqtgraph while the file loads
        else:
            # A failed preview says nothing: the full load reports what is wrong with the file.
            # (pyqtgraph is imported once the first rows show: not racing the read for the GIL.)
            run_in_background(
                lambda job: _preview(path),
                context=self,
                on_success=lambda table: self._on_preview(path, table),
                on_failure=lambda _f: None,
                uses_transformers=False,
            )

        def loaded(result) -> None:
            self._loading = self._shown_before = None
            self.left_panel.setEnabled(True)
            self._on_loaded(path, *result)
            if then is not None:
                then()

        def failed(failure) -> None:
            from .. import error_dialog

            if self._loading == path:
                self._loading = None
                self._restore_after_failed_load()
            error_dialog.show_failure(self, failure)

        task, mode, pinned = self.session.config.task, _mode(self.session.config), self.session.task_pinned
        run_in_background(
            lambda job: _load(path, task, mode, pinned),
            context=self,
            on_success=loaded,
            on_failure=failed,
            on_done=self.busy.hide,
            uses_transformers=False,
        )

    def _on_preview(self, path: str, table) -> None:
        """The first rows of a big file, shown while the whole of it loads (columns are set up after)."""
        if self._loading != path:  # loaded already, or another file was opened since
            return
        self._shown_before = (self.stack.currentIndex(), self.file_label.text())
        prefetch_plotting()
        self.table_model.set_frame(table.frame)
        self.left_panel.setEnabled(False)
        self.file_label.setText(
            f"<b>{Path(path).name}</b><br>Loading all rows; the first {len(table):,} are shown."
            f"<br><span style='color:gray'>{path}</span>"
        )
        self.stack.setCurrentIndex(1)

    def _restore_after_failed_load(self) -> None:
        """Put back what was shown before a preview of a file that then failed to load."""
        before, self._shown_before = self._shown_before, None
        self.left_panel.setEnabled(True)
        if before is None:
            return
        index, label = before
        table = self.session.table
        self.table_model.set_frame(table.frame if table is not None else None)
        self.file_label.setText(label)
        self.stack.setCurrentIndex(index if table is not None else 0)

    def _on_loaded(self, path: str, table, suggestions, hint=None) -> None:
        switched = ""
        if hint and hint[0] != self.session.config.task:
            self.session.set_task(hint[0])
            switched = (
                f"Task switched to {task_title(hint[0])}: {hint[1]}. (Pin the task on the Model page to keep it.)"
            )
        self.settings.add_recent_file(path)
        self.settings.remember_dir(path)
        self.welcome.refresh()
        self.table_model.set_frame(table.frame)
        self.session.set_table(table, suggestions)
        details = [f"{len(table):,} rows", f"{len(table.columns)} columns", table.format.upper()]
        if table.encoding:
            details.append(table.encoding)
        self.file_label.setText(
            f"<b>{Path(path).name}</b><br>{' · '.join(details)}<br><span style='color:gray'>{path}</span>"
        )
        self._fill_columns()
        self.stack.setCurrentIndex(1)
        self.set_subtitle(
            switched or "Check the columns and the split; the charts and notes update as you change them."
        )
        self.status_message.emit(
            f"Loaded {len(table):,} rows from {Path(path).name}" + (f". {switched}" if switched else "")
        )
        self.file_loaded.emit(path)

    def _fill_columns(self) -> None:
        columns = self.session.columns
        self.roles.show_columns(columns, self.session.config, self.session.suggestions)
        self.split.show_config(columns, self.session.config)

    # -- choices -------------------------------------------------------------------------
    def _on_columns_changed(self) -> None:
        if self.session.table is None:
            return
        config = self.session.config
        text = measured_column(config)
        task = find_task(config.task)
        fields = task.column_roles if task is not None else {}
        self.table_model.set_roles({role: getattr(config, field) for field, role in fields.items()})
        # Thumbnails beside the image paths, decoded off the GUI thread (paths are relative to the data file).
        image = config.image_column if task is not None and task.input_kind == "image" else None
        if (image, self.session.table.path) != self._image_shown:
            self._image_shown = (image, self.session.table.path)
            from ...api import image_root

            self.table_model.set_image_column(image, image_root(self.session.table))
            self.table_view.verticalHeader().setDefaultSectionSize(
                THUMBNAIL + 4 if image else self.fontMetrics().height() + 8
            )
        self.roles.show_columns(self.session.columns, config, self.session.suggestions)
        # The text column gets the room; the others keep a readable width (all can be dragged).
        columns = self.session.columns
        self.text_room.set_text_column(columns.index(text) if text in columns else None)
        self._refresh_timer.start()

    def _show_detail(self, current) -> None:
        from ..widgets.row_detail import cell_text

        frame = self.table_model.frame
        if frame is None or not current.isValid() or current.row() >= len(frame):
            self.detail.clear()
            return
        row = frame.iloc[current.row()]
        text = measured_column(self.session.config)
        main = cell_text(row[text]) if text in frame.columns else ""
        fields = [(str(name), cell_text(row[name])[:300]) for name in frame.columns if name != text][:12]
        self.detail.show_row(f"Row {current.row() + 1}", main, fields)

    def _on_frame_edited(self) -> None:
        table, config = self.session.table, self.session.config
        if table is not None:
            self.table_model.set_frame(table.frame)
            self._health_jobs.request(lambda job: _health(table.frame, config.text_column, config.label_column))

    def _on_config_changed(self, name: str) -> None:
        if name == "task" and self.session.table is not None:
            # Roles differ per task (tokens/tags, source/target): ask the core again, off the GUI thread.
            table, task, mode = self.session.table, self.session.config.task, _mode(self.session.config)
            self._suggestion_jobs.request(lambda job: (table, task, mode, _suggest(table.frame, task, mode)))
        elif name == "backbone" and self.session.table is not None:
            self._refresh_timer.start()
        elif name in ("max_length", "long_texts"):
            self._show_lengths(self.session.token_lengths)

    def _on_suggestions(self, result) -> None:
        table, task, mode, suggestions = result
        if table is self.session.table and (task, mode) == (self.session.config.task, _mode(self.session.config)):
            self.session.set_suggestions(suggestions)

    # -- insight (background) ----------------------------------------------------------
    def _refresh_insight(self) -> None:
        table, config = self.session.table, self.session.config
        if table is None:
            return
        frame, label = table.frame, config.label_column
        text = measured_column(config)
        if is_single_label_text(config):  # the one task with a label health check of its own
            self._health_jobs.request(lambda job: _health(frame, text, label))
        else:
            self._show_other_task_notes()
        if text:
            backbone = config.backbone
            self.length_summary.setText("Measuring text lengths with the backbone's tokenizer…")
            self._token_jobs.request(lambda job: _token_lengths(job, backbone, frame, text))

    def _on_health(self, health) -> None:
        self.problems.clear()
        warnings = list(self.session.table.warnings) if self.session.table is not None else []
        for text in warnings:
            self._add_problem("warning", text)
        for finding in health.findings:
            self._add_problem(finding.level, finding.text)
        if health.label_counts:
            total = sum(health.label_counts.values())
            shares = " · ".join(
                f"{name} {count:,} ({count / total:.0%})" for name, count in list(health.label_counts.items())[:12]
            )
            more = f" and {len(health.label_counts) - 12} more" if len(health.label_counts) > 12 else ""
            self._add_problem("info", f"Classes: {shares}{more}.")
        self.label_chart.set_counts(health.label_counts, "Rows per label")

    def _show_other_task_notes(self) -> None:
        """Tasks without a health check of their own: the reader's warnings, and what the run will check."""
        self.problems.clear()
        for text in self.session.table.warnings if self.session.table is not None else []:
            self._add_problem("warning", text)
        config = self.session.config
        task = find_task(config.task)
        what = task.data_checks if task is not None else "the labels"
        self._add_problem(
            "info", f"{config.task}: tlstudio checks {what} when the run starts, and reports what it skipped."
        )
        table = self.session.table
        field, unit = (task.counted if task is not None else None) or (None, "rows")
        column = getattr(config, field) if field else None
        if table is not None and column in table.columns:  # labels the core counts (entities per type, images)
            jobs = self._entity_jobs if unit == "entities" else self._class_jobs
            jobs.request(lambda job: task.count_labels(table.frame, column))
        else:
            self.label_chart.set_counts({}, "Rows per label")

    def _add_problem(self, level: str, text: str) -> None:
        item = QListWidgetItem(self.style().standardIcon(LEVEL_ICONS.get(level, QStyle.SP_MessageBoxInformation)), text)
        item.setToolTip(text)
        self.problems.addItem(item)

    def _on_token_lengths(self, lengths) -> None:
        self.session.set_token_lengths(lengths)
        self._show_lengths(lengths)

    def _on_token_failure(self, failure) -> None:
        self.length_summary.setText(f"Cannot measure token lengths: {failure.message}")

    def _show_lengths(self, lengths) -> None:
        if lengths is None:
            return
        from ...api import histogram

        max_length = self.session.config.max_length
        self.length_chart.set_histogram(*histogram(lengths))
        self.length_chart.set_marker(max_length, f"max length {max_length}")
        text = lengths.describe(max_length).capitalize()
        config = self.session.config
        windows = _long_texts_apply(config)
        offer = (
            windows and config.long_texts == "truncate" and lengths.truncated_share(max_length) >= WINDOWS_OFFER_SHARE
        )
        if windows and config.long_texts == "windows":
            text += " Long texts are read as overlapping windows."
        self.length_summary.setText(text)
        self.use_windows.setVisible(offer)
