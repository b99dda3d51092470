"""Hyperparameter search from the app: a budget, a live trials table, the objective per trial, promote the best.

The search itself is ``core.studies.tuning.tune`` on its own QThread, like a training
run (``workers/study.StudyController``), reporting ``TrialStarted`` /
``TrialFinished`` through the worker's sink; Stop sets its cancel token from
the GUI thread (the running trial saves and stops; finished trials are kept).
"Use the best settings" copies the best trial's settings into the session, so
the next run on the Train page is the full run of that configuration.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..api import TrialFinished, TrialStarted
from ..api import SPACE
from .theme import chart_colors
from .widgets.plotting import pg, style_plot
from .workers.study import StudyController


class TuneDialog(QDialog):
    """Runs a search over the session's current config; ``promoted`` holds the applied settings, if any."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Search hyperparameters")
        self.session = session
        self.controller = StudyController(self)
        self.controller.event_emitted.connect(self._on_event)
        self.controller.returned.connect(self._on_finished)
        self.controller.cancelled.connect(lambda: self.status.setText("Stopped before the first trial ended."))
        self.controller.failed.connect(self._on_failed)
        self.controller.running_changed.connect(self._set_running)
        self.result = None
        self.promoted: dict | None = None
        self._rows: dict[int, int] = {}
        self._points: list[tuple[int, float]] = []
        self._greater = True

        budget = QFormLayout()
        self.trials = QSpinBox(self, minimum=0, maximum=1000, value=10, specialValueText="no limit")
        self.minutes = QDoubleSpinBox(self, minimum=0, maximum=10_000, value=0, decimals=0, specialValueText="no limit")
        budget.addRow("Trials", self.trials)
        budget.addRow("Minutes", self.minutes)
        space = QHBoxLayout()
        self.space = {}
        for name in SPACE:
            box = QCheckBox(name.replace("_", " "), self, checked=True)
            box.setToolTip(f"Search over {name}; unchecked, the value on the Model page is used.")
            self.space[name] = box
            space.addWidget(box)
        budget.addRow("Search over", space)

        self.table = QTableWidget(0, 4 + len(SPACE), self)
        self.table.setHorizontalHeaderLabels(["trial", "state", "score", "time", *SPACE])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setAccessibleName("Trials")
        self.plot_view = pg.PlotWidget(self)
        self.plot = self.plot_view.getPlotItem()
        self.plot.setLabel("bottom", "trial")
        style_plot(self.plot, chart_colors(), "Validation score per trial")
        colors = chart_colors()
        self.scatter = self.plot.plot([], [], pen=None, symbol="o", symbolBrush=colors.series[0])
        self.best_line = self.plot.plot([], [], pen=pg.mkPen(colors.series[1], width=2))
        self.status = QLabel("Each trial is a short run on the current data and settings.", self)
        self.status.setWordWrap(True)

        self.start_button = QPushButton("Start search", self)
        self.stop_button = QPushButton("Stop", self, enabled=False)
        self.promote_button = QPushButton("Use the best settings", self, enabled=False)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        for button in (self.start_button, self.stop_button, self.promote_button):
            buttons.addButton(button, QDialogButtonBox.ActionRole)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.promote_button.clicked.connect(self.promote)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(budget)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.plot_view, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(900, 640)

    # -- running ---------------------------------------------------------------------
    def start(self) -> None:
        import dataclasses

        from ..api import new_run_name
        from ..api import objective_of, tune

        if self.controller.running:
            return
        trials, minutes = self.trials.value() or None, self.minutes.value() or None
        space = [name for name, box in self.space.items() if box.isChecked()]
        output = self.session.project_dir / (
            "search-" + new_run_name(self.session.project_dir, self.session.config.data or None)
        )
        config = dataclasses.replace(self.session.config, output=str(output))
        objective, self._greater = objective_of(config)
        self.plot.setLabel("left", objective)
        self.table.setRowCount(0)
        self._rows.clear()
        self._points.clear()
        self.status.setText(f"Searching; trials are saved in {output}.")
        self.controller.start(
            lambda sink, cancel: tune(config, trials=trials, minutes=minutes, space=space, sink=sink, cancel=cancel),
            "tlstudio-search",
        )

    def stop(self) -> None:
        if self.controller.running and not self.controller.stopping:
            self.controller.stop()
            self.status.setText("Stopping after the current trial's step…")

    def reject(self) -> None:
        self.stop()  # closing the dialog ends the search; finished trials stay on disk
        super().reject()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for box in self.space.values():
            box.setEnabled(not running)

    # -- events ----------------------------------------------------------------------
    def _on_event(self, event) -> None:
        if isinstance(event, TrialStarted):
            row = self.table.rowCount()
            self.table.insertRow(row)
            self._rows[event.number] = row
            self._fill(row, event.number, "running", None, None, event.params)
        elif isinstance(event, TrialFinished):
            row = self._rows.get(event.number)
            if row is not None:
                self._fill(row, event.number, event.state, event.value, event.duration_seconds, event.params)
                if event.note and event.state != "complete":
                    self.table.item(row, 1).setToolTip(event.note)
            if event.value is not None:
                self._points.append((event.number, event.value))
                self._draw(event)

    def _fill(self, row: int, number: int, state: str, value, seconds, params: dict) -> None:
        cells = [
            str(number),
            state,
            "" if value is None else f"{value:.4f}",
            "" if seconds is None else f"{seconds:.0f} s",
        ]
        cells += [(f"{params[n]:.3g}" if isinstance(params.get(n), float) else str(params.get(n, ""))) for n in SPACE]
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter if column != 1 else Qt.AlignLeft | Qt.AlignVCenter)
            self.table.setItem(row, column, item)

    def _draw(self, event: TrialFinished) -> None:
        xs = [float(n) for n, _ in self._points]
        ys = [v for _, v in self._points]
        self.scatter.setData(xs, ys)
        pick = max if self._greater else min
        line = [pick(ys[: i + 1]) for i in range(len(ys))]  # the best so far, in trial order
        self.best_line.setData(xs, line)

    def _on_finished(self, result) -> None:
        self.result = result
        best = result.best
        if best is None:
            self.status.setText(f"No trial completed. Results are in {result.output_dir}.")
            return
        self.promote_button.setEnabled(True)
        stopped = "Stopped. " if result.status == "cancelled" else ""
        self.status.setText(
            f"{stopped}Best: trial {best.number}, {result.objective} {best.value:.4f}. Results are in "
            f"{result.output_dir} (trials.csv, best_run.json)."
        )

    def _on_failed(self, failure) -> None:
        from . import error_dialog

        error_dialog.show_failure(self, failure, "The search stopped")

    def promote(self) -> None:
        """Copy the best trial's settings to the Model page's config: the next run is the full run."""
        if self.result is None or self.result.best is None:
            return
        self.promoted = dict(self.result.best.params)
        self.session.update_config(**self.promoted)
        self.status.setText(
            f"The best settings are on the Model page; start a run to train it in full "
            f"({Path(self.result.best_config).name} holds them too)."
        )
