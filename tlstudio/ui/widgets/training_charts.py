"""The Train page's charts: loss per step (train and validation), learning rate, metrics per epoch."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ...api import Evaluated, StepLogged
from .live_chart import LiveChart

# Metrics drawn per epoch when a task reports them; others are in the metrics table.
EPOCH_METRICS = ("accuracy", "macro_f1", "f1", "precision", "recall", "bleu", "rouge1", "rougeL")
# A multi-task run's evaluations: one series per sub-task's score ("topic/macro_f1") and their mean.
SUBTASK_SCORES = ("macro_f1", "f1", "micro_f1", "r2")
MULTI_TASK_MEAN = "mean_task_score"


class TrainingCharts(QWidget):
    """Feeds three LiveCharts from the training worker's events."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss = LiveChart("Loss", "step", "loss")
        self.loss.add_series("train", "training loss", color_index=0)
        self.loss.add_series("eval", "validation loss", color_index=1, points=True)
        self.learning_rate = LiveChart("Learning rate", "step", legend=None)
        self.learning_rate.add_series("lr", "learning rate", color_index=2)
        self.metrics = LiveChart("Validation metrics per epoch", "epoch")
        self._metric_keys: list[str] = []
        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(self.learning_rate)
        lower.addWidget(self.metrics)
        lower.setChildrenCollapsible(False)
        outer = QSplitter(Qt.Vertical)
        outer.addWidget(self.loss)
        outer.addWidget(lower)
        outer.setStretchFactor(0, 3)
        outer.setStretchFactor(1, 2)
        outer.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

    def clear(self) -> None:
        """Empty charts for a new run: the metric series go too (a translation run showed the previous
        classification run's accuracy and F1 in its legend); each run adds those it reports."""
        for chart in (self.loss, self.learning_rate, self.metrics):
            chart.clear()
        self.metrics.remove_all_series()
        self._metric_keys.clear()

    def add_step(self, event: StepLogged) -> None:
        if event.loss is not None:
            self.loss.append("train", event.step, event.loss)
        if event.learning_rate is not None:
            self.learning_rate.append("lr", event.step, event.learning_rate)

    def add_evaluation(self, event: Evaluated) -> None:
        if isinstance(event.metrics.get("loss"), (int, float)):
            self.loss.append("eval", event.step, event.metrics["loss"])
        keys = [
            *EPOCH_METRICS,
            *(k for k in event.metrics if k.rpartition("/")[2] in SUBTASK_SCORES and "/" in k),
            MULTI_TASK_MEAN,
        ]
        for key in keys:
            value = event.metrics.get(key)
            if not isinstance(value, (int, float)):
                continue
            if key not in self._metric_keys:
                title = key.replace("/", ": ").replace("_", " ")
                self.metrics.add_series(key, title, color_index=3 + len(self._metric_keys), points=True)
                self._metric_keys.append(key)
            self.metrics.append(key, event.epoch, value)

    def show_history(self, history) -> None:
        """Draw a saved run's curves (runs.LossHistory), e.g. before resuming it."""
        self.clear()
        if history.train_loss:
            self.loss.set_points("train", *zip(*history.train_loss))
        if history.eval_loss:
            self.loss.set_points("eval", *zip(*history.eval_loss))
        if history.learning_rate:
            self.learning_rate.set_points("lr", *zip(*history.learning_rate))
        for epoch, metrics in history.eval_metrics:
            self.add_evaluation(Evaluated(step=0, epoch=epoch, metrics={k: v for k, v in metrics.items()}))
        for chart in (self.loss, self.learning_rate, self.metrics):
            chart.flush()
