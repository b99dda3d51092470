"""A run's headline figure, from its task: the one number the Train, Runs and Evaluate pages, the CLI and the
model card lead with (entity F1 for a tagger, never its token accuracy), and how to name it."""

from __future__ import annotations

from . import get_task
from ..errors import ConfigError

# For a metrics.json that names no task (written by hand, or by a very old tlstudio): each task's figures in turn.
ANY_TASK = ("accuracy", "macro_f1", "micro_f1", "f1", "mse", "spearman", "bleu", "chrf", "rougeL", "mean_task_score")


def _task(metrics: dict, task: str | None):
    name = task or metrics.get("task")
    if not isinstance(name, str) or not name:
        return None
    try:
        return get_task(name)
    except ConfigError:
        return None


def _as_dict(metrics) -> dict:
    # A run's RunMetrics (runs/record.py, a layer below the tasks, so it cannot ask them itself) or a plain dict.
    return metrics.to_dict() if hasattr(metrics, "to_dict") else metrics


def headline_keys(metrics: dict, task: str | None = None) -> tuple[str, ...]:
    """The task's headline metric keys in its own order (the first is the headline)."""
    found = _task(metrics, task)
    keys = found.headline_for(metrics) if found is not None else ()
    return tuple(keys) or ANY_TASK


def headline(metrics, task: str | None = None) -> tuple[str, float] | None:
    """``(key, value)`` of the first headline figure ``metrics`` (a dict, or a run's RunMetrics) holds, or None."""
    metrics = _as_dict(metrics)
    for key in headline_keys(metrics, task):
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return key, float(value)
    return None


def metric_title(key: str, metrics: dict | None = None, task: str | None = None) -> str:
    """How people read ``key`` for this task ('f1' of a tagger is 'entity F1')."""
    found = _task(metrics or {}, task)
    titles = getattr(found, "metric_titles", {}) if found is not None else {}
    return titles.get(key, key.replace("_", " "))


# Baselines a task reports beside its figures: (key prefix, what the baseline does).
_BASELINES = (
    ("majority_", "always predicting the most common class"),
    ("copy_", "copying the source text"),
    ("mean_baseline_", "always predicting the mean"),
)
_LOWER_IS_BETTER = {"mse", "rmse", "mae", "eval_loss", "loss"}


def baseline(metrics: dict, key: str) -> tuple[float, str] | None:
    """The trivial baseline's value for ``key`` and what it does, when the run measured one."""
    for prefix, meaning in _BASELINES:
        value = metrics.get(prefix + key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value), meaning
    return None


def below_baseline(metrics, task: str | None = None) -> str | None:
    """A warning when the headline figure (of a dict, or a run's RunMetrics) is no better than the trivial
    baseline, else None."""
    metrics = _as_dict(metrics)
    found = headline(metrics, task)
    if found is None:
        return None
    key, value = found
    base = baseline(metrics, key)
    if base is None:
        return None
    worse = value >= base[0] if key in _LOWER_IS_BETTER else value <= base[0]
    if not worse:
        return None
    return (
        f"{metric_title(key, metrics, task)} {value:.3f} is no better than {base[0]:.3f} for {base[1]}: the "
        "model has not learned anything useful yet (train longer, check the labels, or try another backbone)."
    )
