"""The StudioTrainer for a multi-task model: batches by sub-task, every sub-task evaluated.

An evaluation scores each sub-task's validation split with that sub-task's
own metrics hook, then reports them together in one evaluation (one
``Evaluated`` event), keyed ``<sub-task>/<metric>``, with ``loss`` the
loss-weighted mean of the sub-tasks' losses and ``mean_task_score`` the mean
of their scores (the figure that picks the best checkpoint).
"""

from __future__ import annotations

import time

from ..training.trainer import StudioTrainer

MEAN_SCORE = "mean_task_score"


class MultiTaskTrainer(StudioTrainer):
    def __init__(
        self, *args, task_batches, eval_sets: dict, metric_hooks: dict, score_keys: dict, weights: dict, **kwargs
    ):
        super().__init__(*args, train_sampler=task_batches, **kwargs)
        self.task_batches = task_batches
        self.eval_sets = eval_sets
        self.metric_hooks = metric_hooks
        self.score_keys = score_keys  # sub-task -> the metric its score is
        self.weights = weights

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"):
        if eval_dataset is not None:
            return super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        started = time.time()
        metrics: dict[str, float] = {}
        losses, scores = {}, []
        try:
            for name, dataset in self.eval_sets.items():
                hook = self.metric_hooks.get(name)
                self.compute_metrics = hook
                prefix = f"{metric_key_prefix}_{name}"
                output = self.evaluation_loop(
                    self.get_eval_dataloader(dataset),
                    description=f"Evaluation ({name})",
                    prediction_loss_only=True if hook is None else None,
                    ignore_keys=ignore_keys,
                    metric_key_prefix=prefix,
                )
                for key, value in output.metrics.items():
                    metric = key.removeprefix(prefix + "_")
                    if metric.endswith(("runtime", "per_second")):
                        continue
                    metrics[f"{metric_key_prefix}_{name}/{metric}"] = value
                    if metric == "loss":
                        losses[name] = value
                    if metric == self.score_keys[name]:
                        scores.append(value)
        finally:
            self.compute_metrics = None
        if losses:
            total = sum(self.weights[name] for name in losses)
            metrics[f"{metric_key_prefix}_loss"] = sum(self.weights[n] * v for n, v in losses.items()) / total
        if len(scores) == len(self.eval_sets):
            metrics[f"{metric_key_prefix}_{MEAN_SCORE}"] = sum(scores) / len(scores)
        metrics[f"{metric_key_prefix}_runtime"] = round(time.time() - started, 4)
        if self.state.epoch is not None:
            metrics["epoch"] = self.state.epoch
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics
