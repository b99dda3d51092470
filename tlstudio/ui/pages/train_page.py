"""Train page: start, watch (charts, progress, log), stop, resume."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...api import format_duration
from ...api import TlStudioError
from ...api import find_task
from .. import error_dialog
from ..widgets.log_pane import LogPane
from ..widgets.sample_texts import SampleTexts
from ..widgets.training_charts import TrainingCharts
from ..workers.failures import Failure
from .base import Page


def _needs_pickle(backbone: str) -> bool:
    """Whether the backbone's only weights are a pickle (asked about before the run starts)."""
    from ...api import resolve_backbone
    from ...api import PickleWeightsRefused, TlStudioError

    try:
        resolve_backbone(backbone)
    except PickleWeightsRefused:
        return True
    except TlStudioError:
        return False  # any other problem is reported by the run itself, in its own words
    return False


def _run_backbone(run_dir: Path) -> str:
    from ...api import read_config

    try:
        return read_config(run_dir).get("backbone") or "minilm"
    except Exception:  # an unreadable run.json is reported by resume itself
        return "minilm"


class TrainPage(Page):
    key, title = "train", "Train"

    def __init__(self, session, settings, controller, notifier, keep_awake, parent=None):
        super().__init__(session, settings, parent)
        self.controller = controller
        self.notifier = notifier
        self.keep_awake = keep_awake
        self.resumable_run: Path | None = None  # a stopped run this page can continue
        self._starting = False  # the pre-start check (pickle weights) is running
        self.set_subtitle(
            "Start a run with the settings from the Data and Model pages. Stop keeps the last "
            "checkpoint; Resume continues from it."
        )
        self._build()
        for name in controller.forwarded:  # every signal the controller passes on from its worker
            getattr(controller, name).connect(getattr(self, f"_on_{name}"))
        controller.running_changed.connect(self._on_running_changed)
        session.data_changed.connect(self._suggest_name)
        session.data_changed.connect(self._forget_previous_run)  # another file: the last one's banner goes
        session.project_changed.connect(lambda _p: self._suggest_name())
        self._suggest_name()
        self._sync_buttons()

    def _build(self) -> None:
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Run name")
        self.name_edit.setToolTip("The run's folder name inside the project folder.")
        self.project_label = QLabel(self)
        self.project_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow("Run name", self.name_edit)
        form.addRow("Saved in", self.project_label)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start training", self)
        self.start_button.setAccessibleName("Start training")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setAccessibleName("Stop training")
        self.stop_button.clicked.connect(self.stop)
        self.resume_button = QPushButton("Resume", self)
        self.resume_button.setAccessibleName("Resume the stopped run")
        self.resume_button.clicked.connect(lambda: self.resume(self.resumable_run))
        for button in (self.start_button, self.stop_button, self.resume_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.summary = QLabel("No run yet.", self)
        self.summary.setWordWrap(True)
        # What went wrong or was changed on the user's behalf (out of memory, a diverged loss), in plain words.
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.notice.setAccessibleName("Notices about the run")
        self.notice.hide()
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Training progress")
        self.progress.setFormat("")
        self.progress.setValue(0)
        self.rate = QLabel(self)
        self.rate.setAccessibleName("Speed and time left")
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.rate)
        self.charts = TrainingCharts(self)
        # Text generation: what the model writes for fixed prompts after each evaluation, beside the charts.
        self.samples = SampleTexts(self)
        self.samples.hide()
        upper = QSplitter(Qt.Horizontal, self)
        upper.addWidget(self.charts)
        upper.addWidget(self.samples)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 2)
        upper.setChildrenCollapsible(False)
        self.log = LogPane(self)
        splitter = QSplitter(Qt.Vertical, self)
        splitter.addWidget(upper)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(form)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.summary)
        top_layout.addWidget(self.notice)
        top_layout.addLayout(progress_row)
        self.outer.addWidget(top)
        self.outer.addWidget(splitter, 1)

    # -- naming ------------------------------------------------------------------------
    def _suggest_name(self) -> None:
        from ...api import new_run_name

        if not self.controller.running:
            self.name_edit.setText(new_run_name(self.session.project_dir, self.session.config.data or None))
        self.project_label.setText(str(self.session.project_dir))

    def _forget_previous_run(self) -> None:
        """What the page said about a run on other data (a failure, a warning) no longer applies."""
        if self.controller.running:
            return
        self.notice.hide()
        self.notice.clear()
        self.summary.setText("No run yet.")
        self.charts.clear()  # the last run's curves belong to the last file
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.rate.clear()

    # -- actions ---------------------------------------------------------------------------
    def show_notice(self, text: str, level: str = "warning") -> None:
        colors = {"error": ("#fdecea", "#b71c1c"), "warning": ("#fff4e5", "#8a4b00")}
        back, fore = colors.get(level, colors["warning"])
        self.notice.setStyleSheet(f"QLabel {{ background: {back}; color: {fore}; border-radius: 4px; padding: 6px; }}")
        self.notice.setText(text)
        self.notice.show()

    def start(self) -> None:
        if self.controller.running or self._starting:
            return
        name = self.name_edit.text().strip()
        try:
            if self.session.table is None or not self.session.config.data:
                raise TlStudioError("no data is open.", "Open a data file on the Data page first.")
            if not name or "/" in name or "\\" in name or name in (".", ".."):
                raise TlStudioError("the run name must be a plain folder name.", "Type a name such as reviews-1.")
            if (self.session.project_dir / name).exists():
                raise TlStudioError(
                    f"a run named '{name}' already exists in {self.session.project_dir}.", "Choose another name."
                )
            config = dataclasses.replace(self.session.config, output=str(self.session.project_dir / name))
            config.validate()
        except TlStudioError as exc:
            error_dialog.show_failure(self, Failure(exc.message[:1].upper() + exc.message[1:], exc.hint))
            return
        warning = self.session.memory_warning
        if (
            warning
            and "but the device has" in warning
            and not self._confirm(
                f"The memory estimate says this run {warning}\n\nIf it runs out of GPU memory, tlstudio halves the "
                "batch and carries on; on the CPU the computer may slow down a lot. Start anyway?"
            )
        ):
            return
        self._check_then(config.backbone, lambda allow: self._start(config, name, allow))

    def _confirm(self, text: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        return QMessageBox.question(self, "tlstudio", text) == QMessageBox.Yes

    def _check_then(self, backbone: str, go) -> None:
        """Ask about pickle weights (in the background, then in a dialog) before ``go(allow_pickle)``."""
        from ..pickle_prompt import allowed, ask_allow_pickle
        from ..workers.background import run_in_background

        def checked(needs: bool) -> None:
            self._starting = False
            if needs and not allowed(backbone) and not ask_allow_pickle(self, backbone):
                self.status_message.emit("Not started: the backbone's pickle weights were not allowed.")
                self._sync_buttons()
                return
            go(needs)

        self._starting = True
        self._sync_buttons()
        run_in_background(
            lambda job: _needs_pickle(backbone),
            context=self,
            on_success=checked,
            on_failure=lambda failure: checked(False),
        )

    def _start(self, config, name: str, allow_pickle: bool) -> None:
        if self.controller.running:
            return
        self.charts.clear()
        self.samples.clear()
        task = find_task(config.task)
        self.samples.setVisible(task is not None and task.samples_each_epoch)
        self.log.clear()
        self.notice.hide()
        self.resumable_run = None
        self.log.add(f"Starting run {name} in {self.session.project_dir}")
        self.progress.setMaximum(0)
        self.rate.clear()
        self.controller.start(config, allow_pickle=allow_pickle)

    def stop(self) -> None:
        if self.controller.running and not self.controller.stopping:
            self.controller.stop()
            self.log.add("Stopping after the current step; a checkpoint is saved first…")
            self.status_message.emit("Stopping…")
            self._sync_buttons()

    def resume(self, run_dir: str | Path | None) -> None:
        from ...api import loss_history

        if self.controller.running or self._starting or not run_dir:
            return
        run_dir = Path(run_dir)

        def go(allow_pickle: bool) -> None:
            if self.controller.running:
                return
            self.charts.show_history(loss_history(run_dir))
            self.samples.clear()  # shown again with the resumed run's next samples
            self.samples.hide()
            self.log.clear()
            self.notice.hide()
            self.rate.clear()
            self.log.add(f"Resuming {run_dir.name} from its last checkpoint")
            self.name_edit.setText(run_dir.name)
            self.controller.resume(run_dir, allow_pickle=allow_pickle)

        self._check_then(_run_backbone(run_dir), go)

    def offer_resume(self, run_dir: Path) -> None:
        """Show a stopped run's curves with Resume enabled (from the Runs page)."""
        from ...api import loss_history

        if self.controller.running:
            return
        self.resumable_run = Path(run_dir)
        self.name_edit.setText(self.resumable_run.name)
        history = loss_history(run_dir)
        self.charts.show_history(history)
        if history.max_steps and history.train_loss:
            self.progress.setRange(0, history.max_steps)
            self.progress.setFormat("step %v of %m")
            self.progress.setValue(history.train_loss[-1][0])
        self.summary.setText(f"{self.resumable_run.name} stopped before finishing; Resume continues it.")
        self._sync_buttons()

    # -- controller events ---------------------------------------------------------------------
    def _on_running_changed(self, running: bool) -> None:
        if running:
            self.keep_awake.acquire()
        else:
            self.keep_awake.release()
            self.rate.clear()  # no speed or time left once nothing trains (stopped, failed or finished)
            self._suggest_name()
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        running = self.controller.running or self._starting
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(self.controller.running and not self.controller.stopping)
        self.resume_button.setEnabled(not running and self.resumable_run is not None)
        self.name_edit.setEnabled(not running)

    def _on_run_started(self, event) -> None:
        if not event.resumed_from_step:
            self.notice.hide()  # a new run: the last one's notice is history (it stays in the log)
        resumed = f", resuming from step {event.resumed_from_step}" if event.resumed_from_step else ""
        self.summary.setText(
            f"Training on {event.device} in {event.precision}: {event.train_size:,} training and "
            f"{event.eval_size:,} validation rows, {event.total_steps:,} steps{resumed}."
        )
        self.progress.setRange(0, max(1, event.total_steps))
        self.progress.setFormat("step %v of %m")
        self.progress.setValue(event.resumed_from_step)
        self.log.add(self.summary.text())

    def _on_step_logged(self, event) -> None:
        self.charts.add_step(event)
        loss = f"{event.loss:.4f}" if isinstance(event.loss, float) else str(event.loss)
        self.log.add(f"step {event.step}/{event.total_steps}  epoch {event.epoch:.2f}  loss {loss}")
        self.rate.setText(f"{event.samples_per_second:.1f} samples/s · ETA {format_duration(event.eta_seconds)}")

    def _on_step_ended(self, event) -> None:
        self.progress.setValue(event.step)
        if event.eta_seconds is not None:
            text = self.rate.text().split(" · ")[0] if " · " in self.rate.text() else ""
            self.rate.setText(f"{text} · ETA {format_duration(event.eta_seconds)}".lstrip(" ·"))

    def _on_evaluated(self, event) -> None:
        self.charts.add_evaluation(event)
        shown = "  ".join(f"{k} {v:.4f}" for k, v in event.metrics.items() if isinstance(v, float) and k != "epoch")
        self.log.add(f"validation at step {event.step} (epoch {event.epoch:.2f}): {shown}")

    def _on_samples_generated(self, event) -> None:
        self.samples.show()
        self.samples.show_samples(event)
        self.log.add(
            f"sample generations at step {event.step}: "
            + " | ".join(f"{sample['prompt'][:30]}… → {sample['text'][:60]}" for sample in event.samples[:2])
        )

    def _on_checkpoint_saved(self, event) -> None:
        self.log.add(f"checkpoint saved at step {event.step}")

    def _on_message(self, event) -> None:
        self.log.add(event.text, event.level)
        if event.level == "warning" and "out of memory" in event.text:
            # The core shrank the batch and carries on: say so where the user is looking.
            self.show_notice(event.text[:1].upper() + event.text[1:])

    def _on_stage_changed(self, event) -> None:
        text = event.stage[:1].upper() + event.stage[1:] + (f": {event.detail}" if event.detail else "")
        self.log.add(text)
        self.status_message.emit(text + "…")

    def _on_run_finished(self, outcome) -> None:
        self.rate.clear()
        name = Path(outcome.output_dir).name
        if outcome.status == "completed":
            from ...api import below_baseline, headline_keys, metric_title

            metrics = outcome.metrics
            task = self.session.config.task if not metrics.get("task") else None
            shown = [k for k in headline_keys(metrics, task) if isinstance(metrics.get(k), (int, float))][:3]
            headline = ", ".join(f"{metric_title(k, metrics, task)} {metrics[k]:.3f}" for k in shown) or "no metrics"
            warning = below_baseline(metrics, task)
            if warning:  # not only a log line: where the user looks
                self.show_notice(warning[:1].upper() + warning[1:])
                self.log.add(warning, "warning")
            self.log.add(f"Finished: {headline}. The model is in {outcome.output_dir}")
            self.summary.setText(f"{name} finished: {headline}.")
            self.progress.setValue(self.progress.maximum())
            self.resumable_run = None
            self.session.open_run(outcome.output_dir)
            self.notifier.notify("tlstudio: training finished", f"{name}: {headline}")
            self.status_message.emit(f"{name} finished")
        elif outcome.step:
            self.resumable_run = Path(outcome.output_dir)
            self.log.add(f"Stopped at step {outcome.step}; Resume continues from there.")
            self.summary.setText(f"{name} stopped at step {outcome.step} of {self.progress.maximum()}.")
            self.notifier.notify("tlstudio: training stopped", f"{name} stopped at step {outcome.step}")
            self.status_message.emit(f"{name} stopped at step {outcome.step}")
        else:
            self.log.add("Stopped before training began; nothing to resume.")
            self.summary.setText(f"{name} stopped before training began.")
            _remove_if_empty(Path(outcome.output_dir))
        self._sync_buttons()

    def _on_run_failed(self, failure) -> None:
        self.rate.clear()
        self.log.add(failure.text, "error")
        self.summary.setText("The run failed.")
        self.show_notice(f"<b>{failure.message}</b>" + (f"<br>{failure.hint}" if failure.hint else ""), "error")
        self.notifier.notify("tlstudio: training failed", failure.message)
        run_dir = self.controller.run_dir
        if run_dir is not None and (run_dir / "checkpoints").is_dir():
            self.resumable_run = run_dir
        elif run_dir is not None:
            _remove_if_empty(run_dir)
        error_dialog.show_failure(self, failure)


def _remove_if_empty(folder: Path) -> None:
    """A run that failed or stopped before writing anything leaves no empty folder behind."""
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (or already gone): keep it
