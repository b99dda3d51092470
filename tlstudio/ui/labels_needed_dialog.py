"""The labels-needed study from the app: how much the pretrained backbone saves against random weights.

``core.studies.labels_needed.labels_needed`` trains the Model page's run at each
labelled-set size twice (pretrained, random weights) on a QThread
(``workers/study.StudyController``); each measured point lands on one chart
and in the table as it comes, with the overall progress and time left from
``StudyProgress``.  Stop ends the run in progress within a step; points
already measured stay on disk (labels_needed.json/.csv) and on screen.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..api import TlStudioError
from ..api import StageChanged, StepEnded, StudyPointMeasured
from .theme import chart_colors
from .widgets.plotting import pg, style_plot
from .workers.study import StudyController

INIT_TITLES = {"pretrained": "pretrained backbone", "random": "same architecture, random weights"}


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "estimating time left…"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute left"
    return f"about {minutes} min left" if minutes < 90 else f"about {minutes / 60:.1f} h left"


class LabelsNeededDialog(QDialog):
    """Runs a study over the session's data and settings; ``points`` holds the measured (size, init, value)."""

    def __init__(self, session, parent=None):
        from ..api import labelled_rows, suggest_sizes

        super().__init__(parent)
        self.setWindowTitle("How many labels are needed?")
        self.session = session
        self.controller = StudyController(self)
        self.controller.event_emitted.connect(self._on_event)
        self.controller.returned.connect(self._on_finished)
        self.controller.cancelled.connect(lambda: self._on_stopped("Stopped before any result was written."))
        self.controller.failed.connect(self._on_failed)
        self.controller.running_changed.connect(self._set_running)
        self.progress_model = None
        self.result = None
        self.output: Path | None = None
        self.points: list[tuple[int, str, float]] = []

        intro = QLabel(
            "Trains the run set up on the Model page with a few labelled-set sizes, each twice: from "
            "the pretrained backbone and from the same architecture with random weights. Every run is "
            "scored on the same validation rows, so the gap between the curves is what pretraining "
            "saves.",
            self,
        )
        intro.setWordWrap(True)
        config = session.config
        table = getattr(session.table, "frame", None)
        available, classes = labelled_rows(table, config.label_column, config.eval_fraction)
        self.sizes = QLineEdit(", ".join(map(str, suggest_sizes(available, max(classes, 2)))), self)
        self.sizes.setAccessibleName("Labelled-set sizes")
        self.sizes.setToolTip("Numbers of labelled training rows, separated by commas; each size trains two runs.")
        self.sizes.textChanged.connect(self._describe_plan)
        self.plan = QLabel(self)
        self.plan.setWordWrap(True)
        self.plan.setStyleSheet("color: palette(placeholder-text);")
        self._available = available
        form = QFormLayout()
        form.addRow("Labelled rows", self.sizes)
        form.addRow("", self.plan)

        self.plot_view = pg.PlotWidget(self)
        self.plot_view.setAccessibleName("Validation macro-F1 against labelled rows")
        self.plot = self.plot_view.getPlotItem()
        self.plot.addLegend(offset=(10, 10))
        self.plot.setLabel("bottom", "labelled training rows")
        self.plot.setLabel("left", "macro-F1")
        self.plot.setLogMode(x=True, y=False)
        colors = chart_colors()
        self.curves = {
            init: self.plot.plot(
                [],
                [],
                name=INIT_TITLES[init],
                pen=pg.mkPen(color, width=2),
                symbol="o",
                symbolBrush=color,
                symbolPen=color,
            )
            for init, color in zip(INIT_TITLES, colors.series)
        }
        style_plot(self.plot, colors, "What pretraining saves")

        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["labelled rows", "pretrained", "random weights", "gain"])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setAccessibleName("Macro-F1 per labelled-set size")
        self.table.setMaximumHeight(150)

        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Study progress")
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Study status")

        self.start_button = QPushButton("Start study", self)
        self.stop_button = QPushButton("Stop", self, enabled=False)
        self.folder_button = QPushButton("Show results folder", self, enabled=False)
        self.open_button = QPushButton("Open a finished study…", self)
        self.open_button.setToolTip("Show the curves of a study run earlier (its labels-needed-… folder).")
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        for button in (self.start_button, self.stop_button, self.folder_button, self.open_button):
            buttons.addButton(button, QDialogButtonBox.ActionRole)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.open_button.clicked.connect(self.choose_study)
        self.folder_button.clicked.connect(
            lambda: self.output and QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.output)))
        )
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.plot_view, 1)
        layout.addWidget(self.table)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(820, 700)
        self._describe_plan()

    # -- set-up ---------------------------------------------------------------------------
    def _problem(self) -> str | None:
        config = self.session.config
        if self.session.table is None or not config.data:
            return "Open a data file on the Data page first."
        from ..api import is_single_label_text

        if not is_single_label_text(config):
            return "The study is for single-label text classification: choose that task on the Model page."
        return None

    def _describe_plan(self) -> None:
        from ..api import parse_sizes

        problem = self._problem()
        if problem:
            self.plan.setText(problem)
            self.start_button.setEnabled(False)
            return
        try:
            sizes = parse_sizes(self.sizes.text())
        except TlStudioError as exc:
            self.plan.setText(exc.message[:1].upper() + exc.message[1:])
            self.start_button.setEnabled(False)
            return
        config = self.session.config
        too_big = [size for size in sizes if self._available and size > self._available]
        text = (
            f"{2 * len(sizes)} runs with the Model page's settings ({config.epochs:g} epochs"
            + (f", at most {config.max_steps} steps" if config.max_steps else "")
            + f") on {config.backbone}."
        )
        if too_big:
            text += f" The data has about {self._available} labelled training rows: {too_big[-1]} is too many."
        self.plan.setText(text)
        self.start_button.setEnabled(not too_big and not self.controller.running)

    # -- running ---------------------------------------------------------------------------
    def start(self) -> None:
        from ..api import StudyProgress, labels_needed, parse_sizes
        from ..api import new_run_name

        if self.controller.running or self._problem():
            return
        try:
            sizes = parse_sizes(self.sizes.text())
        except TlStudioError:
            return
        project = self.session.project_dir
        self.output = project / ("labels-needed-" + new_run_name(project, self.session.config.data or None))
        config = dataclasses.replace(self.session.config, output=str(self.output))
        self.points.clear()
        self.result = None
        for curve in self.curves.values():
            curve.setData([], [])
        self.table.setRowCount(0)
        self.progress_model = StudyProgress(sizes)
        self._set_ticks(sizes)
        self.bar.setValue(0)
        self.status.setText(f"Starting; the runs are saved in {self.output}.")
        self.controller.start(
            lambda sink, cancel: labels_needed(config, sizes, sink=sink, cancel=cancel), "tlstudio-labels-needed"
        )

    def choose_study(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, "A labels-needed study's folder", str(self.session.project_dir))
        if folder:
            self.show_study(folder)

    def show_study(self, folder: str | Path) -> None:
        """Draw a study saved earlier (its labels_needed.json)."""
        from ..api import read_study

        if self.controller.running:
            return
        try:
            result = read_study(folder)
        except TlStudioError as exc:
            self.status.setText(exc.message[:1].upper() + exc.message[1:] + (f" {exc.hint}" if exc.hint else ""))
            return
        self.output = result.output_dir
        self.points = [
            (int(p["size"]), str(p["init"]), float(p[result.metric]))
            for p in result.points
            if isinstance(p.get(result.metric), (int, float))
        ]
        self._set_ticks(sorted({size for size, _i, _v in self.points}))
        self._draw()
        self.bar.setValue(1000 if result.status == "completed" else 0)
        self._set_running(False)
        self._on_finished(result)

    def stop(self) -> None:
        if self.controller.running and not self.controller.stopping:
            self.controller.stop()
            self.status.setText("Stopping after the current step; measured points are kept…")

    def reject(self) -> None:
        self.stop()  # closing the dialog ends the study; the points measured so far stay on disk
        super().reject()

    def _set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        self.sizes.setEnabled(not running)
        self.open_button.setEnabled(not running)
        self.folder_button.setEnabled(self.output is not None and self.output.exists())
        self._describe_plan()

    # -- events ------------------------------------------------------------------------------
    def _on_event(self, event) -> None:
        progress = self.progress_model
        if progress is None:
            return
        progress.update(event)
        if isinstance(event, StudyPointMeasured):
            value = event.metrics.get("macro_f1")
            if isinstance(value, (int, float)) and math.isfinite(value):
                self.points.append((event.size, event.init, float(value)))
                self._draw()
        if isinstance(event, (StudyPointMeasured, StepEnded, StageChanged)):
            self.bar.setValue(int(progress.fraction * 1000))
            current = progress.current_run
            doing = (
                f"Run {progress.measured + 1} of {len(progress.runs)}: {current[0]} labels, {INIT_TITLES[current[1]]}"
                if current
                else "Writing the results"
            )
            self.status.setText(f"{doing} — {_duration(progress.eta_seconds())}.")

    def _set_ticks(self, sizes: list[int]) -> None:
        # The x axis is logarithmic (sizes double); ticks at the sizes themselves read better than 3·10¹.
        self.plot.getAxis("bottom").setTicks([[(math.log10(size), str(size)) for size in sizes], []])

    def _draw(self) -> None:
        for init, curve in self.curves.items():
            mine = sorted((size, value) for size, i, value in self.points if i == init)
            curve.setData([float(s) for s, _ in mine], [v for _, v in mine])
        by_size: dict[int, dict[str, float]] = {}
        for size, init, value in self.points:
            by_size.setdefault(size, {})[init] = value
        self.table.setRowCount(len(by_size))
        for row, (size, values) in enumerate(sorted(by_size.items())):
            pre, rand = values.get("pretrained"), values.get("random")
            gain = None if pre is None or rand is None else pre - rand
            cells = [
                str(size),
                "" if pre is None else f"{pre:.3f}",
                "" if rand is None else f"{rand:.3f}",
                "" if gain is None else f"{gain * 100:+.1f} points",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)

    def _on_finished(self, result) -> None:
        self.result = result
        table = result.table()
        complete = [(size, v) for size, v in table.items() if {"pretrained", "random"} <= set(v)]
        if result.status != "completed":
            self._on_stopped(f"Stopped; {len(result.points)} point(s) measured are in {result.output_dir}.")
            return
        self.bar.setValue(1000)
        if complete:
            size, values = complete[-1]
            gain = (values["pretrained"] - values["random"]) * 100
            self.status.setText(
                f"Done. With {size} labels the pretrained backbone scores {gain:+.1f} macro-F1 "
                f"points against random weights. Results: {result.output_dir} "
                "(labels_needed.csv, labels_needed.json)."
            )
        else:
            self.status.setText(f"Done. Results: {result.output_dir}.")

    def _on_stopped(self, text: str) -> None:
        self.status.setText(text)

    def _on_failed(self, failure) -> None:
        from . import error_dialog

        self.status.setText(f"The study stopped: {failure.message}")
        error_dialog.show_failure(self, failure, "The study stopped")
