"""tlstudio's public face: everything the app, the command line and a Python user take from the core.

    from tlstudio.api import RunConfig, headline, load_predictor, open_run, train

    result = train(RunConfig(data="reviews.csv", text_column="text", label_column="label", output="runs/first"))
    print(headline(open_run(result.output_dir).metrics()))
    print(load_predictor(result.output_dir).predict(["a lovely film"]))

The app (``tlstudio.ui``) and the command line (``tlstudio.cli``) import the core only from here: an
import-linter contract in pyproject.toml fails CI otherwise, so a module inside ``tlstudio.core`` can move
or split without touching either front.  docs/api.md describes the main entry points.

Names load lazily, on first use: ``import tlstudio.api`` (like ``import tlstudio.core``) loads no torch,
transformers or pandas, so the app starts fast and ``tlstudio --help`` answers at once.  Every access looks
the name up in its module again, so a test that replaces ``tlstudio.core.training.engine.train`` replaces
what the app calls too.
"""

from __future__ import annotations

import importlib
from typing import Any

# module (relative to the tlstudio package) -> the names it offers, grouped by what they are for.
PUBLIC: dict[str, tuple[str, ...]] = {
    # Settings and plans
    "core.config": (
        "IMAGE_BACKBONE",
        "RunConfig",
        "config_fields",
        "controlling_settings",
        "setting_applies",
    ),
    "core.demo": (
        "default_runs_dir",
        "demo_config",
    ),
    "core.presets": (
        "PRESETS",
        "apply_preset",
        "matching_preset",
    ),
    "core.run_plan": (
        "devices",
        "measure_lengths",
        "measured_column",
        "plan_for_config",
        "plan_run",
        "resolve_device",
        "resolve_precision",
    ),
    "core.samples": (
        "SAMPLES",
        "available_samples",
        "sample_path",
    ),
    # Data: reading, columns, health
    "core.data.columns": (
        "choose_column",
        "refuse_nested_cells",
        "require_column",
    ),
    "core.data.health": (
        "classification_health",
        "label_counts",
    ),
    "core.tasks.column_roles": ("suggest_roles",),
    "core.tasks.health_report": ("dataset_health",),
    "core.data.image_tables": (
        "image_root",
        "read_image_data",
        "resolve_image",
    ),
    "core.data.label_errors": ("label_errors_in_columns",),
    "core.data.labels": (
        "normalize_label",
        "sort_labels",
    ),
    "core.data.pixels": ("images_from_pixels",),
    "core.data.readers": ("read_table",),
    "core.data.roles": ("suggest_text_column",),
    "core.data.slices": (
        "label_balance_by_slice",
        "run_slice_metrics",
    ),
    "core.tasks.task_hint": ("suggest_task",),
    "core.data.token_stats": ("histogram",),
    # Backbones
    "core.backbones": (
        "ALIASES",
        "BUNDLED",
        "CONVERTED",
        "DEFAULT_BACKBONE",
        "PICKLE_RISK",
        "looks_like_hub_id",
        "resolve_backbone",
        "uses_pickle_weights",
    ),
    "core.backbone_download": (
        "download_backbone",
        "hub_summary",
    ),
    "core.model_info": (
        "describe_model_folder",
        "format_bytes",
    ),
    # Tasks and their metrics
    "core.tasks": (
        "find_task",
        "is_single_label_text",
        "task_names",
        "task_title",
    ),
    "core.tasks.headline": (
        "below_baseline",
        "headline",
        "headline_keys",
        "metric_title",
    ),
    "core.tasks.notes": ("task_notes",),
    "core.tasks.text_classification": ("mode_name",),
    # Training runs
    "core.multitask.compare": ("compare_with_runs",),
    "core.multitask.folders": (
        "is_multitask_run",
        "subtask_folder",
        "subtask_names",
    ),
    "core.multitask.spec": (
        "SUBTASK_TASKS",
        "check_entries",
        "entry_from_row",
        "row_from_entry",
    ),
    "core.runs.recovery": ("find_interrupted_runs",),
    "core.runs.comparison": (
        "compare_runs",
        "find_counterpart",
        "format_difference",
        "format_value",
        "without_adaptation",
    ),
    "core.runs.events": (
        "EventFollower",
        "EventLog",
        "TeeSink",
        "replay",
    ),
    "core.runs.folder": ("RunFolder", "open_run"),
    "core.runs.record": ("RunMetrics", "RunRecord"),
    "core.runs.listing": (
        "delete_checkpoints",
        "delete_run",
        "list_runs",
        "loss_history",
        "new_run_name",
        "read_config",
    ),
    "core.training.adaptation": ("in_progress",),
    "core.training.distributed": ("is_main_process",),
    "core.training.engine": (
        "RunResult",
        "resume",
        "train",
    ),
    "core.training.learning_curve": (
        "learning_curve",
        "verdict",
    ),
    # Prediction and evaluation
    "core.predictors.evaluation": (
        "evaluate_file",
        "evaluate_file_with_rows",
    ),
    "core.predictors.loading": (
        "Classifier",
        "load_predictor",
    ),
    "core.predictors.onnx": (
        "onnx_file",
        "onnxruntime_available",
    ),
    "core.predictors.predict_file": ("predict_file",),
    "core.predictors.folder": ("task_from_config",),
    "core.predictors.runtime": ("runs_on_onnx",),
    # Studies
    "core.studies.labels_needed": (
        "INITS",
        "StudyProgress",
        "labelled_rows",
        "labels_needed",
        "parse_sizes",
        "read_study",
        "suggest_sizes",
    ),
    "core.studies.tuning": (
        "SPACE",
        "objective_of",
        "tune",
    ),
    # Labelling
    "core.labelling.edits": (
        "CellChange",
        "EditedTable",
        "reverse_all",
    ),
    "core.labelling.journal": (
        "Journal",
        "journal_path",
        "pending_journals",
        "read_journal",
    ),
    "core.labelling.retrain": ("quick_retrain",),
    "core.labelling.save": (
        "SAVE_AS_FILTER",
        "save",
    ),
    "core.labelling.suggestions": (
        "load_suggester",
        "model_labels",
        "suggest",
    ),
    "core.labelling.uncertainty": ("label_next_order",),
    # Images
    "core.vision.augment": (
        "AUGMENTATIONS",
        "DESCRIPTIONS",
        "parse_augment",
        "preview_strip",
    ),
    # Export
    "core.export": (
        "ExportOptions",
        "export",
    ),
    "core.export.hub_push": (
        "TokenStore",
        "push_model",
    ),
    "core.export.plan": (
        "plan_export",
        "record_export",
        "supported_formats",
        "usage_snippet",
    ),
    # Errors, progress events, logs, the desktop
    "core.desktop": (
        "KeepAwake",
        "notification_command",
    ),
    "core.diagnostics": ("diagnostics_text",),
    "core.durations": ("format_duration",),
    "core.errors": (
        "ConfigError",
        "DataError",
        "PickleWeightsRefused",
        "RunCancelled",
        "TlStudioError",
    ),
    "core.logs": (
        "get_logger",
        "log_dir",
        "log_exception",
    ),
    "core.progress": (
        "CancelToken",
        "CheckpointSaved",
        "Evaluated",
        "ListSink",
        "Message",
        "NullSink",
        "RunStarted",
        "SamplesGenerated",
        "StageChanged",
        "StepEnded",
        "StepLogged",
        "StudyPointMeasured",
        "TrialFinished",
        "TrialProgressed",
        "TrialStarted",
        "WorkProgressed",
    ),
}

_HOME = {name: module for module, names in PUBLIC.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'tlstudio.api' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tlstudio.{module}"), name)


def __dir__() -> list[str]:
    return __all__
