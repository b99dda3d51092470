"""The main window: pages in a side bar, menus, shortcuts, drag-and-drop, and a clean close.

It assembles pages and wires their signals; what to do with data, models
and runs lives in the pages (and below them, the core).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QWidget,
)

from ..api import RunConfig
from ..api import KeepAwake
from ..api import TlStudioError
from . import error_dialog
from .icon import app_icon
from .menus import build_menus
from .notify import Notifier
from .pages.data_page import DataPage
from .pages.evaluate_page import EvaluatePage
from .pages.export_page import ExportPage
from .pages.model_page import ModelPage
from .pages.runs_page import RunsPage
from .pages.train_page import TrainPage
from .pages.try_page import TryPage
from .labelling.label_page import LabelPage
from .session import Session
from .settings import Settings
from .workers.failures import Failure
from .workers.log_bridge import LogBridge
from .workers.training import TrainingController

PAGE_ICONS = {
    "data": QStyle.SP_FileDialogDetailedView,
    "label": QStyle.SP_FileDialogListView,
    "model": QStyle.SP_ComputerIcon,
    "train": QStyle.SP_MediaPlay,
    "evaluate": QStyle.SP_FileDialogContentsView,
    "try": QStyle.SP_DialogApplyButton,
    "export": QStyle.SP_DialogSaveButton,
    "runs": QStyle.SP_DirIcon,
}
DATA_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".json",
    ".jsonl",
    ".ndjson",
    ".parquet",
    ".pq",
    ".xlsx",
    ".xlsm",
    ".conll",
    ".iob",
)
# Settings of a run remembered between sessions (the data, columns and output belong to one dataset).
REMEMBERED = (
    "task",
    "multi_label",
    "regression",
    "long_texts",
    "num_beams",
    "max_new_tokens",
    "length_penalty",
    "backbone",
    "max_length",
    "epochs",
    "max_steps",
    "batch_size",
    "learning_rate",
    "warmup_ratio",
    "weight_decay",
    "gradient_accumulation_steps",
    "class_weighting",
    "early_stopping_patience",
    "seed",
    "eval_strategy",
    "eval_steps",
    "logging_steps",
    "save_total_limit",
    "device",
    "precision",
    "report_to",
)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, *, notifications: bool = True):
        super().__init__()
        from .refcount_guard import protect
        from .widgets.input_guard import install_input_guard

        protect()  # a window made without create_application (tests, embedding) is guarded too
        install_input_guard()  # the wheel scrolls forms, Tab leaves tables (also without create_application)
        self.settings = settings or Settings()
        self.setWindowTitle("tlstudio")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.session = Session(self.settings.project_dir(), self)
        self._restore_choices()
        self.controller = TrainingController(self)
        self.keep_awake = KeepAwake("Training a model in tlstudio")
        self.notifier = Notifier(app_icon(), self, enabled=notifications)
        self._close_when_stopped = False

        self.data_page = DataPage(self.session, self.settings)
        self.model_page = ModelPage(self.session, self.settings)
        self.train_page = TrainPage(self.session, self.settings, self.controller, self.notifier, self.keep_awake)
        self.evaluate_page = EvaluatePage(self.session, self.settings)
        self.try_page = TryPage(self.session, self.settings)
        self.export_page = ExportPage(self.session, self.settings)
        self.runs_page = RunsPage(self.session, self.settings, self.controller)
        self.label_page = LabelPage(self.session, self.settings)
        # Last, so the pages before keep their Ctrl+1.. keys.
        self.pages = [
            self.data_page,
            self.model_page,
            self.train_page,
            self.evaluate_page,
            self.try_page,
            self.export_page,
            self.runs_page,
            self.label_page,
        ]

        self.nav = QListWidget(self)
        self.nav.setAccessibleName("Pages")
        self.nav.setFixedWidth(170)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 7px 6px; }")
        self.stack = QStackedWidget(self)
        for page in self.pages:
            item = QListWidgetItem(self.style().standardIcon(PAGE_ICONS[page.key]), page.title)
            item.setToolTip(page.subtitle.text())
            self.nav.addItem(item)
            self.stack.addWidget(page)
            page.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            page.navigate_requested.connect(self.show_page)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.training_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.training_label)

        self.actions = build_menus(self)
        self.data_page.file_loaded.connect(lambda _path: self.actions.refresh_recent())
        self.data_page.sample_requested.connect(self.open_sample)
        self.runs_page.run_open_requested.connect(self.open_run)
        self.runs_page.resume_requested.connect(self.resume_run)
        self.runs_page.rerun_requested.connect(self.rerun)
        self.runs_page.baseline_requested.connect(self.train_without_adaptation)
        self.controller.running_changed.connect(self._on_running_changed)
        self.controller.step_ended.connect(
            lambda e: self.training_label.setText(f"Training: step {e.step} of {e.total_steps}")
        )
        self.session.run_opened.connect(lambda path: path and self.settings.set("files/last_run", str(path)))
        self.log_bridge = LogBridge(self)
        self.log_bridge.record_logged.connect(lambda level, text: self.train_page.log.add(text, level))
        self.log_bridge.attach("tlstudio")
        self.label_page.open_data_requested.connect(self.open_data)
        self._restore_window()
        self._look_for_interrupted_runs()
        QTimer.singleShot(0, self.label_page.offer_recovery)  # label edits a crash left unsaved

    def _look_for_interrupted_runs(self) -> None:
        """A run cut off by a crash or a kill is offered for resume at start ("This run stopped at step N.
        Resume?"), once per run and step: a "no" is remembered, and the Runs page keeps offering it."""
        from .workers.background import run_in_background

        project = self.session.project_dir
        run_in_background(
            lambda job: _find_interrupted(project),
            context=self,
            on_success=self._offer_resume,
            on_failure=lambda failure: None,
            uses_transformers=False,
        )

    def _offer_resume(self, stranded) -> None:
        from .pages.runs_page import resume_question

        if not stranded or self.controller.running:
            return
        names = ", ".join(
            f"{r.path.name} ({'crashed' if r.crashed else r.status} at step {r.step})" for r in stranded[:3]
        )
        self.statusBar().showMessage(f"Interrupted run(s) can be resumed from the Runs page: {names}", 20_000)
        declined = set(self.settings.get("recovery/declined", "", str).split("\n")) - {""}
        run = next((r for r in stranded if f"{r.path}@{r.step}" not in declined), None)
        if run is None:
            return
        if self.ask(resume_question(run)):
            self.runs_page.refresh()
            self.resume_run(run.path)
        else:
            declined.add(f"{run.path}@{run.step}")
            self.settings.set("recovery/declined", "\n".join(sorted(declined)[-50:]))

    # -- pages -----------------------------------------------------------------------------
    def show_page(self, key: str) -> None:
        for row, page in enumerate(self.pages):
            if page.key == key:
                self.nav.setCurrentRow(row)

    def current_page(self):
        return self.pages[self.stack.currentIndex()]

    # -- data -----------------------------------------------------------------------------------
    def open_data(self, path: str | Path, then=None) -> None:
        self.show_page("data")
        self.data_page.open_file(str(path), then)

    def open_sample(self, name: str) -> None:
        """Open one of tlstudio's own samples with its task and columns chosen."""
        from ..api import SAMPLES, sample_path

        sample = next(s for s in SAMPLES if s.name == name)
        self.session.set_task(sample.task)
        self.open_data(sample_path(name), then=lambda: self.session.update_config(**sample.columns))

    def dragEnterEvent(self, event) -> None:
        if self._dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        elif event.mimeData().hasUrls():
            self.statusBar().showMessage("Drop a CSV, TSV, JSON, JSONL, Parquet or Excel file.", 5000)
            event.ignore()

    def dropEvent(self, event) -> None:
        path = self._dropped_file(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.open_data(path)

    @staticmethod
    def _dropped_file(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            path = url.toLocalFile()
            if path and Path(path).suffix.lower() in DATA_SUFFIXES and Path(path).is_file():
                return path
            if path and Path(path).is_dir():  # a folder of images in class sub-folders
                return path
        return None

    # -- runs -------------------------------------------------------------------------------------
    def start_training(self) -> None:
        self.show_page("train")
        self.train_page.start()

    def stop_training(self) -> None:
        self.train_page.stop()

    def open_run(self, summary) -> None:
        self.session.open_run(summary.path)
        if summary.has_model:
            self.show_page("evaluate")
        elif summary.resumable:
            self.train_page.offer_resume(summary.path)
            self.show_page("train")

    def resume_run(self, path) -> None:
        self.show_page("train")
        self.train_page.resume(path)

    def _config_of_run(self, path) -> RunConfig | None:
        """A run's settings, or None (after saying why) when its data file is gone."""
        from ..api import read_config

        try:
            config = RunConfig.from_dict(read_config(path))
            if not Path(config.data).is_file():
                raise TlStudioError(
                    f"the data file of this run, {config.data}, no longer exists.",
                    "Open the data again on the Data page and start a new run.",
                )
        except TlStudioError as exc:
            error_dialog.show_failure(self, Failure(exc.message[:1].upper() + exc.message[1:], exc.hint))
            return None
        return config

    def rerun(self, path) -> None:
        config = self._config_of_run(path)
        if config is None:
            return
        again = dataclasses.replace(config, output="")
        self.open_data(config.data, then=lambda: (self.session.replace_config(again), self.show_page("train")))

    def train_without_adaptation(self, path) -> None:
        """Train ``path``'s run again without its domain-adaptation stage, then show both side by side."""
        from ..api import without_adaptation

        config = self._config_of_run(path)
        if config is None or self.controller.running:
            return
        name = f"{Path(path).name}-no-adaptation"
        while (self.session.project_dir / name).exists():
            name += "-again"

        def start() -> None:
            self.session.replace_config(without_adaptation(config))
            self.train_page.name_edit.setText(name)
            self.runs_page.expect_comparison(Path(path), self.session.project_dir / name)
            self.start_training()

        self.open_data(config.data, then=start)

    def _on_running_changed(self, running: bool) -> None:
        self.actions.sync(running)
        self.setWindowTitle("tlstudio — training…" if running else "tlstudio")
        if not running:
            self.training_label.clear()
            if self._close_when_stopped:
                self.close()

    # -- settings --------------------------------------------------------------------------------
    def _restore_choices(self) -> None:
        stored = self.settings.get("choices/run_config")
        try:
            values = json.loads(stored) if stored else {}
            config = RunConfig.from_dict({k: v for k, v in values.items() if k in REMEMBERED})
            dataclasses.replace(config, data="-", output="-").validate()  # stale or hand-edited values: start fresh
        except (TlStudioError, ValueError, TypeError):
            config = RunConfig()
        self.session.config = config.with_offline_backbone_for_task()

    def _restore_window(self) -> None:
        geometry = self.settings.get("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        state = self.settings.get("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.nav.setCurrentRow(max(0, min(len(self.pages) - 1, self.settings.get("window/page", 0, int))))

    def save_settings(self) -> None:
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.set("window/state", self.saveState())
        self.settings.set("window/page", self.nav.currentRow())
        config = self.session.config.to_dict()
        self.settings.set("choices/run_config", json.dumps({k: config[k] for k in REMEMBERED}))

    # -- closing -------------------------------------------------------------------------------------
    def ask(self, question: str) -> bool:
        return QMessageBox.question(self, "tlstudio", question) == QMessageBox.Yes

    def closeEvent(self, event) -> None:
        if self.controller.running:
            event.ignore()
            if self._close_when_stopped:
                return
            if self.ask(
                "A run is training. Stop it and quit?\n\nA checkpoint is saved first, so the run can be "
                "resumed later from the Runs page."
            ):
                self._close_when_stopped = True
                self.stop_training()
                self.statusBar().showMessage("Stopping the run, then quitting…")
            return
        if not self.label_page.may_close():
            event.ignore()
            return
        self.save_settings()
        self.keep_awake.release()
        self.log_bridge.detach("tlstudio")
        event.accept()


def _find_interrupted(project: Path):
    from ..api import find_interrupted_runs

    return find_interrupted_runs(project)
