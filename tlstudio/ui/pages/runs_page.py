"""Runs page: the project folder's runs; reopen, resume, compare, re-run, free disk space."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...api import format_bytes
from ..qmodels.records_model import RecordsModel
from ..widgets.fields import PathField
from ..widgets.live_chart import LiveChart
from ..widgets.run_comparison_view import RunComparisonView
from ..workers.background import LatestOnly, run_in_background
from .base import Page

STATUS_TEXT = {
    "completed": "finished",
    "stopped": "stopped",
    "running": "training now",
    "interrupted": "interrupted (crashed or killed)",
}


NAME_WIDTH = 340  # px: a run name with its date and time fits; longer ones are cut in the middle


def _percent(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _list(project: Path, active: set[Path]):
    from ...api import find_interrupted_runs
    from ...api import list_runs

    runs = list_runs(project, active=active)
    stranded = [r for r in find_interrupted_runs(project) if r.path not in active]
    return runs, stranded


def resume_question(run) -> str:
    """What the app asks about an interrupted run (core.runs.recovery.InterruptedRun)."""
    how = "crashed or was killed" if run.crashed else ("failed" if run.status == "failed" else "was stopped")
    of = f" of {run.total_steps}" if run.total_steps else ""
    why = f"\n\nWhy: {run.reason}" if run.reason else ""
    return (
        f"This run stopped at step {run.step}{of}: {run.path.name} {how}.{why}\n\nResume it from its last checkpoint?"
    )


def _histories(paths: list[Path]):
    from ...api import loss_history

    return [(path, loss_history(path)) for path in paths]


def _compare(a: Path, b: Path):
    from ...api import compare_runs

    return compare_runs(a, b)


def _adapted(summary) -> bool:
    from ...api import read_config

    try:
        return summary.has_model and read_config(summary.path).get("adapt_source", "off") != "off"
    except Exception:  # noqa: BLE001 - an unreadable run is simply not offered
        return False


class RunsPage(Page):
    """Signals: run_open_requested(object path), resume_requested(object path), rerun_requested(object path),
    baseline_requested(object path): train the run again without its domain-adaptation stage, to compare."""

    key, title = "runs", "Runs"
    run_open_requested = Signal(object)
    resume_requested = Signal(object)
    rerun_requested = Signal(object)
    baseline_requested = Signal(object)

    def __init__(self, session, settings, controller, parent=None):
        super().__init__(session, settings, parent)
        self.controller = controller
        self.summaries = []
        self.stranded = []  # core.runs.recovery.InterruptedRun: runs that can be resumed
        self._lister = LatestOnly(self, self._on_listed, uses_transformers=False)
        self._comparer = LatestOnly(
            self,
            self._on_compared,
            lambda failure: self.status_message.emit(f"Not compared: {failure.message}"),
            uses_transformers=False,
        )
        self._pending_pair: tuple[Path, Path] | None = None  # (adapted run, its baseline being trained)
        self.set_subtitle(
            "Every run is a folder in the project folder: the model, its settings, its curves and its checkpoints."
        )
        row = QHBoxLayout()
        self.project_field = PathField("Project folder", "folder", parent=self)
        self.project_field.set_path(session.project_dir)
        self.project_field.path_changed.connect(self._on_project_chosen)
        reveal = QPushButton("Show in file manager", self)
        reveal.setAccessibleName("Show the project folder in the file manager")
        reveal.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.project_dir))))
        row.addWidget(self.project_field, 1)
        row.addWidget(reveal)
        self.outer.addLayout(row)
        self.recovery = QLabel(self)
        self.recovery.setWordWrap(True)
        self.recovery.setAccessibleName("Interrupted run")
        self.recovery.setStyleSheet(
            "QLabel { background: palette(alternate-base); border: 1px solid #c77700; "
            "border-radius: 4px; padding: 6px; }"
        )
        self.recovery_button = QPushButton("Resume…", self)
        self.recovery_button.setAccessibleName("Resume the interrupted run")
        self.recovery_button.clicked.connect(lambda: self.stranded and self.offer_resume(self.stranded[0]))
        recovery_row = QHBoxLayout()
        recovery_row.addWidget(self.recovery, 1)
        recovery_row.addWidget(self.recovery_button)
        self.outer.addLayout(recovery_row)
        self.recovery.hide()
        self.recovery_button.hide()

        self.model = RecordsModel(
            [
                ("name", "run"),
                ("status_text", "status"),
                ("data_name", "data"),
                ("backbone", "backbone"),
                ("task", "task"),
                ("strategy", "strategy"),
                ("started", "started"),
                ("steps", "steps"),
                ("score_name", "score"),
                ("score", "value", _percent),
                ("disk", "disk", format_bytes),
                ("checkpoint_disk", "checkpoints", format_bytes),
            ],
            self,
        )
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        proxy.setSortRole(Qt.UserRole)
        self.proxy = proxy
        self.table = QTableView(self)
        self.table.setModel(proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setAccessibleName("Runs in the project folder")
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        # Run names differ at their ends (the date and time), so a long one is cut in the middle, never shown as
        # "…"; the column fits its names up to a width the user can still drag, and every cell has a tooltip.
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.setStretchLastSection(True)
        self.table.setTextElideMode(Qt.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._sync_buttons())

        buttons = QVBoxLayout()
        self.buttons = {}
        for key, text, slot in (
            ("open", "Open", self.open_selected),
            ("resume", "Resume", self.resume_selected),
            ("rerun", "Run again with these settings", self.rerun_selected),
            ("compare", "Compare loss curves", self.compare_selected),
            ("metrics", "Compare metrics side by side", self.compare_metrics),
            ("baseline", "Compare without adaptation", self.compare_without_adaptation),
            ("checkpoints", "Delete checkpoints", self.delete_checkpoints),
            ("delete", "Delete run", self.delete_runs),
            ("refresh", "Refresh", self.refresh),
        ):
            button = QPushButton(text, self)
            button.setAccessibleName(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        top = QWidget(self)
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        self.buttons["baseline"].setToolTip(
            "For a run with a domain-adaptation stage: its metrics beside the same "
            "run without adaptation (trained now if the project has none)."
        )
        self.compare_chart = LiveChart("Loss curves of the selected runs", "step", "loss")
        self.comparison = RunComparisonView(self)
        self.compare_tabs = QTabWidget(self)
        self.compare_tabs.setAccessibleName("Comparison of the selected runs")
        self.compare_tabs.addTab(self.compare_chart, "Loss curves")
        self.compare_tabs.addTab(self.comparison, "Metrics side by side")
        splitter = QSplitter(Qt.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(self.compare_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.outer.addWidget(splitter, 1)
        session.project_changed.connect(lambda path: (self.project_field.set_path(path), self.refresh()))
        controller.running_changed.connect(lambda _running: self.refresh())
        controller.run_finished.connect(self._on_run_finished)
        self._sync_buttons()
        self.refresh()

    # -- listing ------------------------------------------------------------------------
    def refresh(self) -> None:
        active = {self.controller.run_dir} if self.controller.running and self.controller.run_dir else set()
        project = self.session.project_dir
        self._lister.request(lambda job: _list(project, active))

    def _on_listed(self, result) -> None:
        summaries, stranded = result
        self.stranded = stranded
        self._show_stranded()
        selected = {s.path for s in self.selected()}
        self.summaries = summaries
        self.model.set_records(
            [
                {
                    "summary": s,
                    "name": s.name,
                    "status_text": STATUS_TEXT.get(s.status, s.status),
                    "data_name": s.data_name,
                    "backbone": (s.backbone or "").rstrip("/").split("/")[-1],
                    "started": (s.started_at or "")[:16].replace("T", " "),
                    "steps": s.step,
                    "task": s.task or "",
                    "strategy": s.strategy or "",
                    # The task's own headline (entity F1 for a tagger), decided in the core; a warning when it is no
                    # better than the trivial baseline.
                    "score_name": s.score_title,
                    "score": s.score,
                    "score__tooltip": s.warning,
                    "score_name__tooltip": s.warning,
                    "score_name__warning": bool(s.warning),
                    "disk": s.disk_bytes,
                    "checkpoint_disk": s.checkpoint_bytes,
                }
                for s in summaries
            ]
        )
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, max(120, min(self.table.columnWidth(0), NAME_WIDTH)))
        for row in range(self.proxy.rowCount()):
            if self._summary_at(row).path in selected:
                self._select(row, clear=False)
        total = sum(s.disk_bytes for s in summaries)
        self.set_subtitle(f"{len(summaries)} run(s) using {format_bytes(total)} in {self.session.project_dir}.")
        self._sync_buttons()

    def _summary_at(self, proxy_row: int):
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        return self.model.record(source.row())["summary"]

    def selected(self) -> list:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self._summary_at(row) for row in rows]

    def select_run(self, path: Path) -> None:
        for row in range(self.proxy.rowCount()):
            if self._summary_at(row).path == Path(path).resolve():
                self._select(row, clear=True)

    def _select(self, row: int, *, clear: bool) -> None:
        from PySide6.QtCore import QItemSelectionModel

        flags = QItemSelectionModel.Rows | (QItemSelectionModel.ClearAndSelect if clear else QItemSelectionModel.Select)
        self.table.selectionModel().select(self.proxy.index(row, 0), flags)

    def _sync_buttons(self) -> None:
        chosen = self.selected()
        one = chosen[0] if len(chosen) == 1 else None
        busy = {s.path for s in chosen} & ({self.controller.run_dir} if self.controller.running else set())
        self.buttons["open"].setEnabled(one is not None)
        self.buttons["resume"].setEnabled(one is not None and one.resumable and not self.controller.running)
        self.buttons["rerun"].setEnabled(one is not None)
        self.buttons["compare"].setEnabled(len(chosen) >= 1)
        self.buttons["metrics"].setEnabled(len(chosen) == 2 and chosen[0].task == chosen[1].task)
        adapted = one is not None and _adapted(one)
        self.buttons["baseline"].setEnabled(
            adapted and (not self.controller.running or self._counterpart(one) is not None)
        )
        self.buttons["checkpoints"].setEnabled(bool(chosen) and not busy and any(s.checkpoints for s in chosen))
        self.buttons["delete"].setEnabled(bool(chosen) and not busy)

    def _on_project_chosen(self, path: str) -> None:
        if path and Path(path) != self.session.project_dir:
            Path(path).expanduser().mkdir(parents=True, exist_ok=True)
            self.settings.set_project_dir(path)
            self.session.set_project_dir(Path(path).expanduser())

    # -- actions -------------------------------------------------------------------------------
    def open_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.run_open_requested.emit(chosen[0])

    def resume_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1 and chosen[0].resumable:
            known = next((r for r in self.stranded if r.path == chosen[0].path), None)
            if known is not None:
                self.offer_resume(known)
            else:
                self.resume_requested.emit(chosen[0].path)

    def offer_resume(self, run) -> None:
        """Ask "This run stopped at step N. Resume?" and resume it when the user says yes."""
        if self.controller.running:
            self.status_message.emit("A run is training; resume the other one when it ends.")
            return
        if self._confirm(resume_question(run)):
            self.resume_requested.emit(run.path)

    def _show_stranded(self) -> None:
        shown = [r for r in self.stranded if not self.controller.running]
        if not shown:
            self.recovery.hide()
            self.recovery_button.hide()
            return
        first = shown[0]
        more = f" ({len(shown) - 1} more in the list below)" if len(shown) > 1 else ""
        of = f" of {first.total_steps}" if first.total_steps else ""
        how = {True: "crashed (or was killed)"}.get(
            first.crashed, "failed" if first.status == "failed" else "was stopped"
        )
        self.recovery.setText(
            f"<b>{first.path.name}</b> {how} at step {first.step}{of}. It can continue from its last checkpoint{more}."
        )
        self.recovery.show()
        self.recovery_button.show()

    def rerun_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1:
            self.rerun_requested.emit(chosen[0].path)

    def compare_selected(self) -> None:
        paths = [s.path for s in self.selected()][:6]
        self.compare_tabs.setCurrentWidget(self.compare_chart)
        run_in_background(
            lambda job: _histories(paths), context=self, on_success=self._on_histories, uses_transformers=False
        )

    # -- side by side --------------------------------------------------------------------------
    def compare_metrics(self) -> None:
        chosen = self.selected()
        if len(chosen) == 2:
            older, newer = sorted(chosen, key=lambda s: s.started_at or "")
            self.show_comparison(older.path, newer.path)

    def show_comparison(self, a: Path, b: Path) -> None:
        """Read both runs in the background and show their metrics side by side (a is the reference)."""
        self.compare_tabs.setCurrentWidget(self.comparison)
        self._comparer.request(lambda job: _compare(Path(a), Path(b)))

    def _on_compared(self, comparison) -> None:
        self.comparison.show_comparison(comparison)
        self.compare_tabs.setCurrentWidget(self.comparison)

    def _counterpart(self, summary) -> Path | None:
        from ...api import find_counterpart

        return find_counterpart(summary.path, [s.path for s in self.summaries if s.has_model])

    def compare_without_adaptation(self) -> None:
        """An adapted run beside the same run without adaptation: found in the project, else trained now."""
        chosen = self.selected()
        if len(chosen) != 1 or not _adapted(chosen[0]):
            return
        baseline = self._counterpart(chosen[0])
        if baseline is not None:
            self.show_comparison(baseline, chosen[0].path)
        elif self.controller.running:
            self.status_message.emit("A run is training; compare when it ends.")
        elif self._confirm(
            f"No run in the project matches {chosen[0].name} without domain adaptation. Train one "
            "now with the same settings and data, then show both side by side?"
        ):
            self.baseline_requested.emit(chosen[0].path)

    def expect_comparison(self, adapted: Path, baseline: Path) -> None:
        """Show ``adapted`` beside ``baseline`` once the baseline run being trained finishes."""
        self._pending_pair = (Path(adapted).resolve(), Path(baseline).expanduser().resolve())

    def _on_run_finished(self, outcome) -> None:
        pending, self._pending_pair = self._pending_pair, None
        if pending and outcome.status == "completed" and Path(outcome.output_dir).resolve() == pending[1]:
            self.show_comparison(pending[1], pending[0])
            self.navigate_requested.emit(self.key)

    def _on_histories(self, histories) -> None:
        chart = self.compare_chart
        chart.remove_all_series()
        for index, (path, history) in enumerate(histories):
            if history.train_loss:
                chart.add_series(f"{path}:train", f"{path.name} training", color_index=index)
                chart.set_points(f"{path}:train", *zip(*history.train_loss))
            if history.eval_loss:
                chart.add_series(f"{path}:eval", f"{path.name} validation", color_index=index, points=True, dashed=True)
                chart.set_points(f"{path}:eval", *zip(*history.eval_loss))
        chart.flush()

    def _confirm(self, text: str) -> bool:
        return QMessageBox.question(self, "tlstudio", text) == QMessageBox.Yes

    def delete_checkpoints(self) -> None:
        from ...api import delete_checkpoints

        chosen = [s for s in self.selected() if s.checkpoints]
        size = format_bytes(sum(s.checkpoint_bytes for s in chosen))
        resumable = [s.name for s in chosen if s.resumable]
        warning = f"\n\n{', '.join(resumable)} cannot be resumed afterwards." if resumable else ""
        if not chosen or not self._confirm(
            f"Delete the checkpoints of {len(chosen)} run(s), freeing {size}? The trained models stay.{warning}"
        ):
            return
        paths = [s.path for s in chosen]
        run_in_background(
            lambda job: sum(delete_checkpoints(p) for p in paths),
            context=self,
            on_success=lambda freed: self.status_message.emit(f"Freed {format_bytes(freed)}"),
            on_done=self.refresh,
        )

    def delete_runs(self) -> None:
        from ...api import delete_run

        chosen = self.selected()
        size = format_bytes(sum(s.disk_bytes for s in chosen))
        names = ", ".join(s.name for s in chosen[:5]) + (" …" if len(chosen) > 5 else "")
        if not chosen or not self._confirm(
            f"Delete {len(chosen)} run(s) ({names}) and everything in them, freeing {size}? This cannot be undone."
        ):
            return
        paths = [s.path for s in chosen]

        def deleted(freed: int) -> None:
            self.status_message.emit(f"Deleted; freed {format_bytes(freed)}")
            self.session.open_run(None)  # pages showing a deleted run let go of it

        run_in_background(
            lambda job: sum(delete_run(p) for p in paths), context=self, on_success=deleted, on_done=self.refresh
        )
