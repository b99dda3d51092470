"""Optional experiment tracking (TensorBoard, MLflow) through the Trainer's own integrations.

tlstudio never needs a tracker; when a user turns one on (``report_to``) the
run's metrics are also sent there.  The Trainer's callbacks are built here
rather than named in ``TrainingArguments.report_to`` so that their output
lands beside the run instead of inside ``checkpoints/`` (deleting checkpoints
must not delete the training curves) or in whatever the current directory is.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import ConfigError

TENSORBOARD_DIR = "tensorboard"
MLFLOW_DIR = "mlruns"


def _require(module: str, tracker: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"report_to is '{tracker}' but {package} is not installed.",
            f"Install it with: pip install {package} (or set report_to to 'none').",
        )


def check_tracker(report_to: str) -> None:
    """Fail before any work starts when the chosen tracker's package is missing."""
    if report_to == "tensorboard":
        if importlib.util.find_spec("tensorboard") is None and importlib.util.find_spec("tensorboardX") is None:
            _require("tensorboard", "tensorboard", "tensorboard")
    elif report_to == "mlflow":
        _require("mlflow", "mlflow", "mlflow")


def tracking_callbacks(report_to: str, run_path: Path) -> list:
    """The Trainer callbacks for ``report_to`` (none for 'none')."""
    check_tracker(report_to)
    if report_to == "tensorboard":
        from transformers.integrations import TensorBoardCallback

        callback = TensorBoardCallback()
        if os.environ.get("TENSORBOARD_LOGGING_DIR") is None:
            callback.logging_dir = str(run_path / TENSORBOARD_DIR)
        return [callback]
    if report_to == "mlflow":
        return [_mlflow_callback((run_path.parent / MLFLOW_DIR).as_uri())]
    return []


def _mlflow_callback(default_uri: str):
    from transformers.integrations import MLflowCallback

    class ProjectMLflowCallback(MLflowCallback):
        """MLflow's callback, defaulting to a store beside the run folder so a project's runs share one."""

        def setup(self, args, state, model):
            if not os.environ.get("MLFLOW_TRACKING_URI") and not self._ml_flow.is_tracking_uri_set():
                self._ml_flow.set_tracking_uri(default_uri)
            super().setup(args, state, model)

    return ProjectMLflowCallback()
