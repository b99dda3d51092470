"""The checks a RunConfig must pass before a run starts: each an (ok, message, hint) triple.

Kept apart from the settings' declarations in ``config.py``; ``RunConfig.validate``
raises a ConfigError for the first check that fails.  The checks take the config object without importing
``config.py`` (which imports them): the choices they compare against come from the leaf ``config_choices``.
"""

from __future__ import annotations

import dataclasses
import math

from .config_choices import (
    ADAPT_SOURCES,
    CLASS_WEIGHTING,
    EVAL_STRATEGIES,
    LONG_TEXTS,
    MULTI_TASK_STRATEGIES,
    PRECISIONS,
    STRATEGIES,
    TASKS,
    TRACKERS,
)

Check = tuple[bool, str, "str | None"]


def run_checks(config) -> list[Check]:
    """Every check of ``config``, general ones first, then its task's (and a multi-task run's)."""
    checks = [
        (config.task in TASKS, f"unknown task '{config.task}'", f"Choose one of: {', '.join(TASKS)}."),
        (
            bool(config.data) or config.task == "multi-task",
            "no training data given",
            "Pass the data file as the first argument.",
        ),
        (bool(config.output), "no output folder given", "Pass --output DIR."),
        (0.0 < config.eval_fraction < 1.0, f"eval_fraction must be between 0 and 1, got {config.eval_fraction}", None),
        (config.epochs > 0, f"epochs must be positive, got {config.epochs}", None),
        (config.max_steps is None or config.max_steps > 0, f"max_steps must be positive, got {config.max_steps}", None),
        (config.batch_size > 0, f"batch_size must be positive, got {config.batch_size}", None),
        (
            config.learning_rate is None or (math.isfinite(config.learning_rate) and 0 < config.learning_rate < 1),
            f"learning_rate must be between 0 and 1, got {config.learning_rate}",
            "Typical values are 1e-5 to 3e-4.",
        ),
        (0.0 <= config.warmup_ratio < 1.0, f"warmup_ratio must be in [0, 1), got {config.warmup_ratio}", None),
        (config.weight_decay >= 0, f"weight_decay must not be negative, got {config.weight_decay}", None),
        (config.max_length >= 8, f"max_length must be at least 8 tokens, got {config.max_length}", None),
        (config.gradient_accumulation_steps >= 1, "gradient_accumulation_steps must be at least 1", None),
        (config.strategy in STRATEGIES, f"unknown strategy '{config.strategy}'", f"Use {', '.join(STRATEGIES)}."),
        (config.gradual_stages >= 2, f"gradual_stages must be at least 2, got {config.gradual_stages}", None),
        (
            0 < config.layer_lr_decay <= 1,
            f"layer_lr_decay must be in (0, 1], got {config.layer_lr_decay}",
            "Typical values are 0.7 to 0.95.",
        ),
        (config.lora_rank >= 1, f"lora_rank must be at least 1, got {config.lora_rank}", None),
        (config.lora_alpha >= 1, f"lora_alpha must be at least 1, got {config.lora_alpha}", None),
        (0 <= config.lora_dropout < 1, f"lora_dropout must be in [0, 1), got {config.lora_dropout}", None),
        (
            config.adapt_source in ADAPT_SOURCES,
            f"unknown adapt_source '{config.adapt_source}'",
            f"Use {', '.join(ADAPT_SOURCES)}.",
        ),
        (
            config.adapt_source != "folder" or bool(config.adapt_path),
            "adapt_source 'folder' needs adapt_path",
            "Pass --adapt-path FOLDER (a folder of .txt files).",
        ),
        (config.adapt_epochs > 0, f"adapt_epochs must be positive, got {config.adapt_epochs}", None),
        (config.adapt_max_steps is None or config.adapt_max_steps > 0, "adapt_max_steps must be positive", None),
        (
            math.isfinite(config.adapt_learning_rate) and 0 < config.adapt_learning_rate < 1,
            f"adapt_learning_rate must be between 0 and 1, got {config.adapt_learning_rate}",
            None,
        ),
        (
            0 < config.mlm_probability < 1,
            f"mlm_probability must be between 0 and 1, got {config.mlm_probability}",
            None,
        ),
        (config.early_stopping_patience >= 0, "early_stopping_patience must not be negative", None),
        (config.save_total_limit >= 1, "save_total_limit must be at least 1", None),
        (config.eval_strategy in EVAL_STRATEGIES, f"unknown eval_strategy '{config.eval_strategy}'", None),
        (
            config.eval_strategy != "steps" or (config.eval_steps or 0) > 0,
            "eval_strategy 'steps' needs a positive eval_steps",
            "Pass --eval-steps N.",
        ),
        (config.logging_steps is None or config.logging_steps > 0, "logging_steps must be positive", None),
        (config.checkpoint_steps is None or config.checkpoint_steps > 0, "checkpoint_steps must be positive", None),
        (config.precision in PRECISIONS, f"unknown precision '{config.precision}'", f"Use {', '.join(PRECISIONS)}."),
        (config.class_weighting in CLASS_WEIGHTING, f"unknown class_weighting '{config.class_weighting}'", None),
        (config.report_to in TRACKERS, f"unknown report_to '{config.report_to}'", f"Use {', '.join(TRACKERS)}."),
        (
            config.device == "auto"
            or config.device == "cpu"
            or config.device.startswith("cuda")
            or config.device == "mps",
            f"unknown device '{config.device}'",
            "Use auto, cpu, cuda or cuda:N.",
        ),
    ]
    checks += _task_checks(config)
    if config.task == "multi-task":
        checks += _multi_task_checks(config)
    return checks


def _multi_task_checks(config) -> list[Check]:
    per_task = "it is set per sub-task in the --subtasks file"
    return [
        (
            config.subtasks is not None,
            "a multi-task run needs its sub-tasks",
            "Pass --subtasks TASKS.json (see docs/techniques.md, Multi-task learning).",
        ),
        (
            config.strategy in MULTI_TASK_STRATEGIES,
            f"strategy '{config.strategy}' is not available for multi-task runs",
            f"Use {' or '.join(MULTI_TASK_STRATEGIES)}.",
        ),
        (
            config.adapt_source == "off",
            "domain adaptation is not available for multi-task runs",
            "Adapt the backbone in a single-task run first, then pick its adapted-backbone/ folder as --backbone.",
        ),
        (
            config.eval_data is None,
            f"eval_data does not apply to a multi-task run as a whole: {per_task}",
            'Add "eval_data" to the sub-task\'s entry.',
        ),
        (
            config.split_column is None,
            f"split_column does not apply to a multi-task run as a whole: {per_task}",
            'Add "split_column" to the sub-task\'s entry.',
        ),
    ]


def _task_checks(config) -> list[Check]:
    checks = [
        (
            not (config.multi_label and config.regression),
            "multi_label and regression cannot both be on",
            "A regression target is one number per row; choose one of them.",
        ),
        (
            config.label_delimiter is None or config.multi_label,
            "label_delimiter only applies with multi_label",
            "Add --multi-label, or leave out --label-delimiter.",
        ),
        (config.long_texts in LONG_TEXTS, f"unknown long_texts '{config.long_texts}'", f"Use {', '.join(LONG_TEXTS)}."),
        (
            config.long_texts != "windows" or 0 <= config.window_overlap <= config.max_length // 2,
            f"window_overlap must be between 0 and half of max_length ({config.max_length // 2}), "
            f"got {config.window_overlap}",
            None,
        ),
        (config.num_beams >= 1, f"num_beams must be at least 1, got {config.num_beams}", None),
        (config.max_new_tokens >= 1, f"max_new_tokens must be at least 1, got {config.max_new_tokens}", None),
        (math.isfinite(config.length_penalty), "length_penalty must be a number", None),
        (config.generation_eval_rows >= 0, "generation_eval_rows must not be negative", None),
        (
            config.image_size is None or 16 <= config.image_size <= 2048,
            f"image_size must be between 16 and 2048 pixels, got {config.image_size}",
            None,
        ),
        (
            config.temperature >= 0 and math.isfinite(config.temperature),
            f"temperature must not be negative, got {config.temperature}",
            None,
        ),
        (0 < config.top_p <= 1, f"top_p must be in (0, 1], got {config.top_p}", None),
        (
            config.prompt_template is None
            or ("{prompt}" in config.prompt_template and config.prompt_template.rstrip().endswith("{response}")),
            "prompt_template must contain {prompt} and end with {response}",
            "For example: 'Question: {prompt}\nAnswer: {response}'.",
        ),
        (
            bool(config.prompt_column) == bool(config.response_column),
            "prompt_column and response_column go together",
            "Give both, or a text column instead.",
        ),
    ]
    if config.task == "image-classification":
        from .vision.augment import parse_augment

        parse_augment(config.augment)
    # A setting that only means something for other tasks is almost certainly a mistake
    # (say, --multi-label on a translation run): refuse it rather than ignore it silently.
    defaults = type(config)()
    for f in dataclasses.fields(config):
        applies = f.metadata.get("tasks")
        if applies and config.task in TASKS and config.task not in applies:
            value = getattr(config, f.name)
            checks.append(
                (
                    value == getattr(defaults, f.name),
                    f"{f.name} is a setting for {' and '.join(applies)}, not {config.task}",
                    f"Leave out --{f.name.replace('_', '-')}, or choose --task {applies[0]}.",
                )
            )
    return checks
