"""Multi-task runs as the registry sees them: what the engine, the CLI and run listings ask of any task.

The run itself is built in ``core/multitask/`` (several sub-tasks sharing one
encoder); this class answers the questions asked of every run: its data
fingerprint, its headline figures, the metric that picks the best checkpoint.
"""

from __future__ import annotations

import hashlib

from ..errors import ConfigError
from .base import Task


def combined_sha256(configs) -> str:
    """One fingerprint of every sub-task's data (each sub-task's own, in order)."""
    from . import get_task

    digest = hashlib.sha256()
    for config in configs:
        digest.update(get_task(config.task).data_sha256(config).encode())
        if config.eval_data:
            from ..files import sha256_of

            digest.update(sha256_of(config.eval_data).encode())
    return digest.hexdigest()


class MultiTask(Task):
    name = "multi-task"
    title = "Multi-task (one shared backbone)"
    pipeline_task = None  # each sub-task's folder under tasks/ has its own
    metric_for_best = "mean_task_score"
    greater_is_better = True
    headline_metrics = ("mean_task_score",)
    input_kind = None  # each sub-task reads its own data and columns
    has_subtasks = True
    evaluation_view = "multi-task"
    label_type = None

    def data_sha256(self, config) -> str:
        from ..multitask.spec import read_spec, sub_config

        subtasks = read_spec(config.subtasks, default_data=config.data)
        return combined_sha256(sub_config(config, sub) for sub in subtasks)

    def headline_for(self, metrics: dict) -> tuple[str, ...]:
        return ("mean_task_score", *(key for key in metrics if "/" in key))

    def prepare(self, config, sink):
        raise ConfigError("a multi-task run is trained by tlstudio train --task multi-task.")
