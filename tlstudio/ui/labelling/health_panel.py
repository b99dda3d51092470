"""Data health before training: balance (with the class-weighting offer), duplicates, leakage,
likely label errors, and slices (label shortcuts before a run, metrics per value after one).

Each finding that is about particular rows opens them in the labelling table
when clicked, so a duplicate or a suspicious label is fixed where it is seen.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..workers.background import run_in_background

LEVEL_ICONS = {
    "error": QStyle.SP_MessageBoxCritical,
    "warning": QStyle.SP_MessageBoxWarning,
    "info": QStyle.SP_MessageBoxInformation,
}


class HealthPanel(QWidget):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.check_button = QPushButton("Check data", self)
        self.check_button.setToolTip(
            "Class balance, exact and near duplicates, conflicting labels and "
            "train/validation leakage under the split the run will use"
        )
        self.check_button.clicked.connect(self.check)
        self.noise_button = QPushButton("Find likely label errors", self)
        self.noise_button.setToolTip("Rows whose label a model trained without them contradicts (5-fold)")
        self.noise_button.clicked.connect(self.find_label_errors)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.noise_button)
        layout.addLayout(buttons)
        self.findings = QListWidget(self)
        self.findings.setAccessibleName("Data health findings")
        self.findings.setWordWrap(True)
        self.findings.itemActivated.connect(self._show_item_rows)
        self.findings.itemClicked.connect(self._show_item_rows)
        layout.addWidget(self.findings, 2)
        self.weighting_button = QPushButton("Turn class weighting on", self)
        self.weighting_button.hide()
        self.weighting_button.clicked.connect(self._use_weighting)
        layout.addWidget(self.weighting_button)

        slices = QHBoxLayout()
        self.slice_column = QComboBox(self)
        self.slice_column.setAccessibleName("Slice column")
        self.balance_button = QPushButton("Labels by slice", self)
        self.balance_button.clicked.connect(self.label_balance)
        self.metrics_button = QPushButton("Metrics by slice", self)
        self.metrics_button.setToolTip("Per-value scores of the open run's validation predictions")
        self.metrics_button.clicked.connect(self.slice_metrics)
        slices.addWidget(QLabel("Slice by", self))
        slices.addWidget(self.slice_column, 1)
        layout.addLayout(slices)
        slice_buttons = QHBoxLayout()
        slice_buttons.addWidget(self.balance_button)
        slice_buttons.addWidget(self.metrics_button)
        layout.addLayout(slice_buttons)
        self.slice_table = QTableWidget(self)
        self.slice_table.setAccessibleName("Slices")
        self.slice_table.setEditTriggers(QTableWidget.NoEditTriggers)
        layout.addWidget(self.slice_table, 2)
        self.slice_note = QLabel(self)
        self.slice_note.setWordWrap(True)
        layout.addWidget(self.slice_note)
        self.curve_button = QPushButton("Would more labels help?", self)
        self.curve_button.setToolTip(
            "Train on 25%, 50% and 100% of the labels (same validation rows) and plot "
            "the scores: three runs, in the background"
        )
        self.curve_button.clicked.connect(self.learning_curve)
        layout.addWidget(self.curve_button)
        self.curve_plot = None
        self._curve_job = None
        self.last_report = None
        self.last_slices = None
        self.last_curve = None

    def reset(self) -> None:
        self.findings.clear()
        self.slice_table.clear()
        self.slice_table.setRowCount(0)
        self.slice_note.clear()
        self.weighting_button.hide()
        self.slice_column.clear()
        table = self.page.session.table
        if table is not None:
            self.slice_column.addItems(table.columns)
            config = self.page.session.config
            others = [c for c in table.columns if c not in (config.text_column, config.label_column)]
            if others:  # a column that is neither the text nor the label is the likely slice
                self.slice_column.setCurrentText(others[0])

    def _add(self, level: str, text: str, rows=(), title: str = "") -> None:
        item = QListWidgetItem(
            self.style().standardIcon(LEVEL_ICONS.get(level, QStyle.SP_MessageBoxInformation)),
            text + (f"  (click to show {len(rows):,} rows)" if rows else ""),
        )
        item.setData(Qt.UserRole, (title or text[:60], list(rows)))
        item.setToolTip(text)
        self.findings.addItem(item)

    def _show_item_rows(self, item) -> None:
        title, rows = item.data(Qt.UserRole) or ("", [])
        if rows:
            self.page.show_rows(title, rows)

    # -- checks ----------------------------------------------------------------------------
    def check(self) -> None:
        session = self.page.session
        if session.table is None:
            return
        import dataclasses

        # A copy: labelling goes on in the GUI thread while the checks read the frame in the background.
        table, config = dataclasses.replace(session.table, frame=session.table.frame.copy()), session.config
        self.findings.clear()
        self._add("info", "Checking the data…")
        self.check_button.setEnabled(False)

        def work(job):
            from ...api import dataset_health

            return dataset_health(table, config, cancel=job.cancel_token)

        run_in_background(
            work, context=self, on_success=self._on_report, on_done=lambda: self.check_button.setEnabled(True)
        )

    def _on_report(self, report) -> None:
        self.last_report = report
        self.findings.clear()
        config = self.page.session.config
        counts = report.basic.label_counts
        if counts:
            total = sum(counts.values())
            shares = " · ".join(f"{name} {count:,} ({count / total:.0%})" for name, count in list(counts.items())[:12])
            self._add("info", f"Class balance: {shares}.")
        titles = {
            "duplicates": "Duplicate texts",
            "conflicts": "Same text, different labels",
            "near-duplicates": "Near-duplicate texts",
            "leakage": "Texts in both splits",
        }
        for item in report.findings:
            self._add(item.level, item.text, item.rows, titles.get(item.kind, ""))
        lengths = self.page.session.token_lengths
        if lengths is not None:
            self._add("info", "Text lengths: " + lengths.describe(config.max_length))
        self.weighting_button.setVisible(report.skewed and config.class_weighting == "off")
        if report.skewed and config.class_weighting == "auto":
            self._add(
                "info", "The classes are skewed, so class weighting ('auto') will weight the loss by class frequency."
            )

    def _use_weighting(self) -> None:
        self.page.session.update_config(class_weighting="on")
        self.weighting_button.hide()
        self.page.status_message.emit("Class weighting is on for the next run.")

    def find_label_errors(self) -> None:
        page = self.page
        if page.controller is None or page.model is None or not page.controller.label_column:
            return
        frame = page.controller.table.frame
        text, label = page.model.text_column, page.controller.label_column
        if label not in frame.columns:
            return
        snapshot = frame[[text, label]].copy()
        self.noise_button.setEnabled(False)
        self._add("info", "Looking for likely label errors (5-fold, a minute on large data)…")

        def work(job):
            from ...api import label_errors_in_columns

            return label_errors_in_columns(snapshot[text].tolist(), snapshot[label].tolist(), cancel=job.cancel_token)

        run_in_background(
            work, context=self, on_success=self._on_label_errors, on_done=lambda: self.noise_button.setEnabled(True)
        )

    def _on_label_errors(self, found) -> None:
        rows = [c.position for c in found]  # positions in the frame, which show_rows takes
        if not rows:
            self._add("info", "No likely label errors: every label agrees with a model trained without its row.")
            return
        examples = "; ".join(
            f"row {c.position + 1}: '{c.given}' looks like '{c.suggested}' ({c.suggested_probability:.0%})"
            for c in found[:3]
        )
        self._add(
            "warning",
            f"{len(rows):,} row(s) may be labelled wrongly, most suspicious first ({examples}).",
            rows,
            "Likely label errors",
        )
        self.page.show_rows("Likely label errors", rows)

    # -- slices ----------------------------------------------------------------------------------
    def label_balance(self) -> None:
        from ...api import label_balance_by_slice

        page = self.page
        column = self.slice_column.currentText()
        if page.controller is None or not column or not page.controller.label_column:
            return
        frame = page.controller.table.frame
        balances, warnings = label_balance_by_slice(
            frame[column].tolist(), frame[page.controller.label_column].tolist()
        )
        classes = sorted({name for b in balances for name in b.label_counts})
        self._fill_slices(
            ["Value", "Rows", *classes],
            [[b.value, b.rows, *(b.label_counts.get(c, 0) for c in classes)] for b in balances],
        )
        self.slice_note.setText(" ".join(warnings) or f"No '{column}' value is a label shortcut among the largest.")

    def slice_metrics(self) -> None:
        page = self.page
        column = self.slice_column.currentText()
        run_dir = page.session.run_dir
        if not column:
            return
        if run_dir is None:
            self.slice_note.setText("Open a finished run (Runs page) to see its scores per slice.")
            return

        def work(job):
            from ...api import run_slice_metrics

            return run_slice_metrics(run_dir, column)

        run_in_background(work, context=self, on_success=self._on_slice_metrics)

    def _on_slice_metrics(self, report) -> None:
        self.last_slices = report
        rows = [
            [
                report.overall.value,
                report.overall.rows,
                f"{report.overall.accuracy:.1%}",
                f"{report.overall.macro_f1:.3f}",
            ]
        ]
        rows += [[s.value, s.rows, f"{s.accuracy:.1%}", f"{s.macro_f1:.3f}"] for s in report.slices]
        self._fill_slices(["Value", "Validation rows", "Accuracy", "Macro F1"], rows)
        self.slice_note.setText(report.gap_text())

    # -- learning curve ---------------------------------------------------------------------------
    def learning_curve(self) -> None:
        from ...api import new_run_name

        session = self.page.session
        if session.table is None or self._curve_job is not None:
            if self._curve_job is not None:
                self._curve_job.cancel()
            return
        config = session.config
        if self.page.controller is not None and self.page.controller.dirty:
            self.slice_note.setText("Save the label edits first: the learning curve trains on the file.")
            return
        project = session.project_dir
        output = project / new_run_name(project, "learning-curve")
        self.curve_button.setText("Stop the learning curve")
        self.slice_note.setText("Training on 25% of the labels…")

        def work(job):
            from ...api import learning_curve

            return learning_curve(config, output, sink=job, cancel=job.cancel_token)

        def progress(event) -> None:
            from ...api import StageChanged

            if isinstance(event, StageChanged) and event.stage == "learning-curve":
                self.slice_note.setText(event.detail + "…")

        def done() -> None:
            self._curve_job = None
            self.curve_button.setText("Would more labels help?")

        self._curve_job = run_in_background(
            work,
            context=self,
            on_success=self._on_curve,
            on_progress=progress,
            on_cancelled=lambda: self.slice_note.setText("Learning curve stopped."),
            on_done=done,
        )

    def _on_curve(self, points) -> None:
        from ...api import verdict

        self.last_curve = points
        self._fill_slices(
            ["Share of labels", "Training rows", "Accuracy", "Macro F1"],
            [[f"{p.fraction:.0%}", p.train_rows, f"{p.accuracy:.1%}", f"{p.macro_f1:.3f}"] for p in points],
        )
        self.slice_note.setText(verdict(points))
        if self.curve_plot is None:
            from ..widgets.plotting import pg

            self.curve_plot = pg.PlotWidget(self)
            self.curve_plot.setAccessibleName("Learning curve")
            self.curve_plot.setMinimumHeight(160)
            self.curve_plot.setLabel("bottom", "training rows")
            self.curve_plot.setLabel("left", "validation macro-F1")
            self.layout().addWidget(self.curve_plot)
        self.curve_plot.clear()
        self.curve_plot.plot([float(p.train_rows) for p in points], [p.macro_f1 for p in points], symbol="o")

    def _fill_slices(self, headers: list[str], rows: list[list]) -> None:
        self.slice_table.clear()
        self.slice_table.setColumnCount(len(headers))
        self.slice_table.setHorizontalHeaderLabels(headers)
        self.slice_table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(f"{value:,}" if isinstance(value, int) else str(value))
                if isinstance(value, int):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.slice_table.setItem(r, c, item)
        self.slice_table.resizeColumnsToContents()
