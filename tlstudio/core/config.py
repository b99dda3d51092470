"""RunConfig: the single description of a training run.

Every field becomes a command-line flag of the same name (``learning_rate`` ->
``--learning-rate``), a row of the app's hyperparameter form (with the help
text as its tooltip) and a key of ``run.json``.  A run folder's ``run.json``
fed back through ``--config`` repeats the run.

The defaults were chosen by measurement with the bundled backbone; see
``docs/defaults.md`` for the numbers behind them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .config_checks import run_checks
from .config_types import coerce, type_hints

# The choices live in a leaf module so that config_checks reads them without importing this one; they stay
# importable from here, where the rest of the code has always found them.
from .config_choices import (
    ADAPT_SOURCES,
    CLASS_WEIGHTING,
    EVAL_STRATEGIES,
    GENERATION_TASKS,
    LONG_TEXTS,
    MULTI_TASK_STRATEGIES as MULTI_TASK_STRATEGIES,  # read by studies/tuning.py from here
    PRECISIONS,
    SEQ2SEQ_TASKS,
    STRATEGIES,
    TASKS,
    TRACKERS,
)
from .errors import ConfigError

# What each setting is about, in the order --help and the docs list them; every field names one.
SETTING_GROUPS = (
    "data",
    "task",
    "model",
    "strategy",
    "optimisation",
    "evaluation",
    "checkpoints",
    "tracking",
    "runtime",
)

_CLS = ("text-classification",)
# Settings that only matter with another choice: left out of model cards (and greyed out by forms) otherwise.
_LORA, _GRADUAL, _LLRD = {"strategy": ("lora",)}, {"strategy": ("gradual",)}, {"strategy": ("llrd",)}
_ADAPT = {"adapt_source": ("dataset", "folder")}
_ADAPT_DATASET, _ADAPT_FOLDER = {"adapt_source": ("dataset",)}, {"adapt_source": ("folder",)}
_NER = ("token-classification",)
_IMG = ("image-classification",)
_LM = ("text-generation",)
_MULTI = ("multi-task",)

# Settings whose best value depends on the task; a field left as None takes the task's value when a run
# starts (run.json records the value used).  The numbers come from measurements, see docs/tasks.md.
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "text-classification": {"learning_rate": 1e-4},
    "token-classification": {"learning_rate": 1e-4},
    "translation": {"learning_rate": 1e-4},
    "summarization": {"learning_rate": 1e-4},
    # Measured with EfficientNet-Lite0 (docs/images-and-generation.md); ViT-style models prefer 1e-4 or less.
    "image-classification": {"learning_rate": 1e-3},
    "text-generation": {"learning_rate": 5e-5},
    # Its sub-tasks are text and token classification, which share that value.
    "multi-task": {"learning_rate": 1e-4},
}
# A text backbone cannot read images: an image run left on the text default starts from this one instead.
IMAGE_BACKBONE = "efficientnet-lite0"

# Training only a head or small adapters moves few weights, so they need a larger step than full fine-tuning.
STRATEGY_DEFAULTS: dict[str, dict[str, Any]] = {
    "frozen": {"learning_rate": 1e-3},
    "lora": {"learning_rate": 5e-4},
}


def _f(default: Any, help: str, form: str = "training", *, group: str, **extra: Any) -> Any:
    """A field with its help text, its setting group (one of SETTING_GROUPS), the box of the app's form it sits
    in and, in ``tasks``, the tasks it applies to (absent: all).

    The form's box stays under the metadata key "group", where the app, the model card and multi-task have always
    read it; the setting group, which --help and the docs use, is "setting_group".
    """
    meta = {"help": help, "group": form, "setting_group": group, **extra}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class RunConfig:
    # --- data ---------------------------------------------------------------
    data: str = _f(
        "",
        "Training data file (CSV, TSV, JSON, JSONL, Parquet or Excel); for images also a folder "
        "with one sub-folder of images per class.",
        "data",
        group="data",
    )
    task: str = _f("text-classification", "What the model learns to do.", "data", choices=TASKS, group="task")
    text_column: str | None = _f(
        None,
        "Column holding the text (for text generation: plain text to learn to continue). Suggested from the "
        "data when omitted.",
        "data",
        tasks=_CLS + _LM,
        group="data",
    )
    image_column: str | None = _f(
        None,
        "Column holding each image's file path (relative to the data file). Not needed for a folder of class "
        "sub-folders.",
        "data",
        tasks=_IMG,
        group="data",
    )
    prompt_column: str | None = _f(
        None,
        "Column holding the instruction or prompt, with response_column (instruction tuning).",
        "data",
        tasks=_LM,
        group="data",
    )
    response_column: str | None = _f(
        None,
        "Column holding the answer the model learns to write after the prompt.",
        "data",
        tasks=_LM,
        group="data",
    )
    label_column: str | None = _f(
        None,
        "Column holding the label (a class; several labels with multi_label; a number with regression). "
        "Suggested from the data when omitted.",
        "data",
        tasks=_CLS + _IMG,
        group="data",
    )
    text_pair_column: str | None = _f(
        None,
        "Second text column, for sentence pairs (paraphrase, entailment, question-answer relevance): "
        "both texts are encoded together.",
        "data",
        tasks=_CLS,
        group="data",
    )
    tokens_column: str | None = _f(
        None,
        "Column holding each sentence's tokens (a list, or a string split on spaces), or its raw text when "
        "the tags are spans. Not needed for CoNLL files.",
        "data",
        tasks=_NER,
        group="data",
    )
    tags_column: str | None = _f(
        None,
        "Column holding one BIO or IO tag per token, or a list of {start, end, label} spans. "
        "Not needed for CoNLL files.",
        "data",
        tasks=_NER,
        group="data",
    )
    source_column: str | None = _f(
        None,
        "Column holding the text to translate or summarise. Suggested from the data when omitted.",
        "data",
        tasks=SEQ2SEQ_TASKS,
        group="data",
    )
    target_column: str | None = _f(
        None,
        "Column holding the translation or summary to learn. Suggested from the data when omitted.",
        "data",
        tasks=SEQ2SEQ_TASKS,
        group="data",
    )
    subtasks: list | str | None = _f(
        None,
        "Multi-task: the sub-tasks sharing the backbone, a JSON file (a list of {name, task, data, columns, "
        "weight, proportion}; see docs/techniques.md). data, when given, is the file sub-tasks read by default.",
        "data",
        tasks=_MULTI,
        group="task",
    )
    compare_single_task: bool = _f(
        False,
        "Multi-task: afterwards also train each sub-task alone with the same settings and put its metrics "
        "beside the multi-task ones (takes as long again).",
        "data",
        tasks=_MULTI,
        group="evaluation",
    )
    eval_data: str | None = _f(
        None, "Separate evaluation file; when omitted a validation split is held out.", "data", group="data"
    )
    split_column: str | None = _f(
        None, "Column whose values (train / validation / test) say which split each row is in.", "data", group="data"
    )
    eval_fraction: float = _f(
        0.1,
        "Share of labelled rows held out for validation (stratified by label when every class can spare a row) "
        "when no eval file is given.",
        "data",
        group="data",
    )
    sheet: str | None = _f(
        None,
        "Excel workbooks: the name of the data file's sheet to read (default: the first sheet).",
        "data",
        group="data",
    )

    # --- model --------------------------------------------------------------
    backbone: str = _f(
        "minilm",
        "Pretrained model to start from: 'minilm' (bundled, offline), a local model folder, or a Hub id.",
        "model",
        group="model",
    )
    max_length: int = _f(
        128,
        "Longest input in tokens; longer texts are truncated (how many is reported).",
        "model",
        tasks=tuple(t for t in TASKS if t not in _IMG),
        group="model",
    )

    # --- fine-tuning strategy (see core/training/strategies.py) -------------
    strategy: str = _f(
        "auto",
        "How much of the backbone to train: 'auto' (the default: 'lora' for text generation with a backbone "
        "above 500 M parameters, else 'full'), 'full' (all of it), 'frozen' (only the task head: fast, a strong "
        "baseline with very little data), 'gradual' (head first, then the top layers, then all, in "
        "gradual_stages equal parts of the run), 'llrd' (all, lower layers with a smaller learning rate, see "
        "layer_lr_decay), 'lora' (small low-rank adapters through peft; the export holds the merged model and "
        "adapter/ the adapter alone).",
        "model",
        choices=STRATEGIES,
        group="strategy",
    )
    gradual_stages: int = _f(
        3,
        "Stages of gradual unfreezing: the first trains the head only, the last the whole backbone.",
        "model",
        when=_GRADUAL,
        group="strategy",
    )
    layer_lr_decay: float = _f(
        0.8,
        "Layer-wise learning-rate decay (llrd): each layer down learns at this times the rate of the one above.",
        "model",
        when=_LLRD,
        group="strategy",
    )
    lora_rank: int = _f(
        8,
        "LoRA: rank of the adapter matrices (more = more capacity, more parameters).",
        "model",
        when=_LORA,
        group="strategy",
    )
    lora_alpha: int = _f(
        16, "LoRA: scaling of the adapters' output (usually twice the rank).", "model", when=_LORA, group="strategy"
    )
    lora_dropout: float = _f(0.1, "LoRA: dropout on the adapters' input.", "model", when=_LORA, group="strategy")
    lora_target_modules: str | None = _f(
        None,
        "LoRA: comma-separated names of the layers that get adapters (default: the attention query and value "
        "layers of the backbone's architecture).",
        "model",
        when=_LORA,
        group="strategy",
    )

    # --- domain adaptation (see core/training/adaptation.py) -------------------
    adapt_source: str = _f(
        "off",
        "Domain adaptation before fine-tuning: continue the backbone's masked-language-model pre-training on "
        "unlabelled text from your domain. 'dataset': the training file's text (training and unlabelled rows, "
        "never the validation rows); 'folder': the .txt files in adapt_path. The adapted backbone is saved in "
        "the run folder's adapted-backbone/, to pick as a backbone for other runs.",
        "model",
        choices=ADAPT_SOURCES,
        group="strategy",
    )
    adapt_column: str | None = _f(
        None,
        "Domain adaptation: the column whose text to read (default: the task's text column).",
        "model",
        when=_ADAPT_DATASET,
        group="strategy",
    )
    adapt_path: str | None = _f(
        None,
        "Domain adaptation: a folder of .txt files (read recursively) or one .txt file.",
        "model",
        when=_ADAPT_FOLDER,
        group="strategy",
    )
    adapt_epochs: float = _f(
        1.0, "Domain adaptation: passes over the unlabelled text.", "model", when=_ADAPT, group="strategy"
    )
    adapt_max_steps: int | None = _f(
        None,
        "Domain adaptation: stop after this many steps instead of adapt_epochs.",
        "model",
        when=_ADAPT,
        group="strategy",
    )
    adapt_learning_rate: float = _f(
        1e-4, "Domain adaptation: peak learning rate of the masked-LM stage.", "model", when=_ADAPT, group="strategy"
    )
    mlm_probability: float = _f(
        0.15,
        "Domain adaptation: share of tokens masked for the model to restore.",
        "model",
        when=_ADAPT,
        group="strategy",
    )

    # --- task options ---------------------------------------------------------
    multi_label: bool = _f(
        False,
        "Several labels per row (a list, or a string such as 'sport|politics'): one yes/no output per label, "
        "with the decision threshold tuned on the validation split.",
        "task",
        tasks=_CLS,
        group="task",
    )
    label_delimiter: str | None = _f(
        None,
        "Separator between the labels of a multi-label text cell (default: detected among | ; ,).",
        "task",
        tasks=_CLS,
        when={"multi_label": (True,)},
        group="task",
    )
    regression: bool = _f(
        False,
        "The label is a number to predict (a score or rating) rather than a class.",
        "task",
        tasks=_CLS,
        group="task",
    )
    long_texts: str = _f(
        "truncate",
        "Texts longer than max_length: 'truncate' keeps their start; 'windows' splits them into overlapping "
        "windows for training and prediction and combines the windows' predictions.",
        "task",
        choices=LONG_TEXTS,
        tasks=_CLS,
        group="task",
    )
    window_overlap: int = _f(
        32,
        "Tokens neighbouring windows share when long_texts is 'windows'.",
        "task",
        tasks=_CLS,
        when={"long_texts": ("windows",)},
        group="task",
    )
    image_size: int | None = _f(
        None,
        "Side in pixels images are resized to (default: the backbone's own). CNNs such as EfficientNet, "
        "ResNet and ConvNeXt take any size; ViT-style models only their own.",
        "task",
        tasks=_IMG,
        group="model",
    )
    augment: str = _f(
        "none",
        "Training-image augmentation, comma-separated among flip (mirror), crop (random 80-100% crop) "
        "and color (brightness/contrast/saturation jitter), or 'none'.",
        "task",
        tasks=_IMG,
        group="data",
    )
    prompt_template: str | None = _f(
        None,
        "How a prompt and its response are joined into one training text, with {prompt} and {response} "
        "(default: '### Prompt:\n{prompt}\n\n### Response:\n{response}').",
        "task",
        tasks=_LM,
        group="task",
    )
    sample_prompts: str | None = _f(
        None,
        "Prompts (separated by '|') the model continues after each epoch, to watch it learn (default: the "
        "starts of the first validation rows).",
        "task",
        tasks=_LM,
        group="evaluation",
    )

    # --- generation (translation, summarization) ------------------------------
    num_beams: int = _f(
        4,
        "Beams searched when generating; 1 is greedy and fastest.",
        "generation",
        tasks=SEQ2SEQ_TASKS,
        group="task",
    )
    max_new_tokens: int = _f(
        128,
        "Longest generated text in tokens; also the length targets are truncated to in training.",
        "generation",
        tasks=GENERATION_TASKS,
        group="task",
    )
    temperature: float = _f(
        0.8,
        "Sampling temperature for text generation's samples and default output (0 = greedy).",
        "generation",
        tasks=_LM,
        group="task",
    )
    top_p: float = _f(
        0.95,
        "Nucleus sampling: sample among the most likely tokens whose probabilities add up to this.",
        "generation",
        tasks=_LM,
        group="task",
    )
    length_penalty: float = _f(
        1.0,
        "Above 1 favours longer outputs in beam search, below 1 shorter ones.",
        "generation",
        tasks=SEQ2SEQ_TASKS,
        group="task",
    )
    source_prefix: str | None = _f(
        None,
        "Text put before every source, for models trained with task prefixes (T5: 'summarize: ').",
        "generation",
        tasks=SEQ2SEQ_TASKS,
        group="task",
    )
    generation_eval_rows: int = _f(
        200,
        "Validation rows scored on generated text (BLEU, chrF, ROUGE) at the end of a run; generating is slow "
        "on a CPU. 0 = all of them.",
        "generation",
        tasks=SEQ2SEQ_TASKS,
        group="evaluation",
    )

    # --- training -----------------------------------------------------------
    epochs: float = _f(3.0, "Passes over the training data (ignored when max_steps is set).", group="optimisation")
    max_steps: int | None = _f(
        None, "Stop after this many optimizer steps instead of a number of epochs.", group="optimisation"
    )
    batch_size: int = _f(32, "Examples per optimizer step. Lower it if memory runs out.", group="optimisation")
    learning_rate: float | None = _f(
        None,
        "Peak learning rate; too high makes the loss jump around, too low learns slowly. "
        "Default: the task's measured value ("
        + ", ".join(f"{task} {values['learning_rate']:g}" for task, values in TASK_DEFAULTS.items())
        + "; with the "
        + " and ".join(f"{name} strategy {values['learning_rate']:g}" for name, values in STRATEGY_DEFAULTS.items())
        + "). Short runs (a few hundred steps) often do better with a higher rate: entity tagging on WNUT-16 "
        "reached F1 0.20 at 3e-4 against 0.16 at the default in 2 epochs.",
        group="optimisation",
    )
    warmup_ratio: float = _f(
        0.06, "Share of the steps spent ramping the learning rate up from zero.", group="optimisation"
    )
    weight_decay: float = _f(
        0.01, "L2-style penalty that keeps weights small, against overfitting.", group="optimisation"
    )
    gradient_accumulation_steps: int = _f(
        1,
        "Add up gradients over this many batches before a step (a larger effective batch in the same memory).",
        group="optimisation",
    )
    class_weighting: str = _f(
        "auto",
        "Weight the loss by inverse class frequency: 'auto' does it when the labels are skewed (largest class at "
        "least 3x the smallest).",
        choices=CLASS_WEIGHTING,
        tasks=_CLS,
        group="optimisation",
    )
    early_stopping_patience: int = _f(
        0,
        "Stop when the validation score (macro-F1 for classes, entity F1 for tagging, loss for regression and "
        "generation) has not improved for this many evaluations (0 = off).",
        group="evaluation",
    )
    seed: int = _f(42, "Random seed for the split, the head's initialisation and the data order.", group="runtime")

    # --- evaluation and checkpoints -----------------------------------------
    eval_strategy: str = _f(
        "epoch",
        "When to evaluate and checkpoint: at the end of each 'epoch' or every eval_steps 'steps'.",
        "checkpoints",
        choices=EVAL_STRATEGIES,
        group="evaluation",
    )
    eval_steps: int | None = _f(
        None, "Steps between evaluations when eval_strategy is 'steps'.", "checkpoints", group="evaluation"
    )
    checkpoint_steps: int | None = _f(
        None,
        "Also save a resumable checkpoint every this many steps, between evaluations (default: only at each "
        "evaluation). Frequent checkpoints lose less work to a crash but cost disk writes.",
        "checkpoints",
        group="checkpoints",
    )
    logging_steps: int | None = _f(
        None,
        "Steps between progress lines and chart points (default: about 50 points per run).",
        "checkpoints",
        group="tracking",
    )
    save_total_limit: int = _f(
        2,
        "Newest checkpoints kept on disk while training; the best one is kept as well, always.",
        "checkpoints",
        group="checkpoints",
    )
    keep_checkpoints: bool = _f(
        False,
        "Keep the resumable checkpoints (weights with optimizer state) once the run has finished. By default "
        "they are deleted then: the finished model is in the run folder, and checkpoints take several times its "
        "size.",
        "checkpoints",
        group="checkpoints",
    )

    # --- hardware -----------------------------------------------------------
    device: str = _f(
        "auto", "'auto' (a GPU when there is one), 'cpu', 'cuda' or 'cuda:N'.", "hardware", group="runtime"
    )
    precision: str = _f(
        "auto",
        "Number format for training: 'auto' uses bf16 where the hardware runs it fast, fp16 on older GPUs, else fp32.",
        "hardware",
        choices=PRECISIONS,
        group="runtime",
    )

    # --- tracking -----------------------------------------------------------
    report_to: str = _f(
        "none",
        "Also send the run's metrics to an experiment tracker: 'tensorboard' (logs in the run folder's "
        "tensorboard/) or 'mlflow' (MLFLOW_TRACKING_URI, else mlruns/ beside the run folder). Needs that "
        "package installed.",
        "tracking",
        choices=TRACKERS,
        group="tracking",
    )

    # --- output -------------------------------------------------------------
    output: str = _f(
        "",
        "Run folder to write: the exported model, metrics, model card and checkpoints.",
        "output",
        group="checkpoints",
    )

    # ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Every setting under its own name, flat: run.json's ``config`` as every version has written it."""
        return dataclasses.asdict(self)

    @classmethod
    def groups(cls) -> dict[str, tuple[str, ...]]:
        """The setting names of each group of SETTING_GROUPS, in that order and in declaration order within."""
        return {
            group: tuple(f.name for f in fields(cls) if f.metadata["setting_group"] == group)
            for group in SETTING_GROUPS
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any], *, source: str = "the configuration") -> "RunConfig":
        """A config from JSON or command-line values, each turned into its field's type.

        ``source`` names where the values come from in error messages: a file's path, "the command line" (the
        messages then name the flag) or a sub-task.
        """
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(
                f"{source} has unknown setting(s): {', '.join(unknown)}.",
                f"Known settings are: {', '.join(known)}.",
            )
        hints = type_hints(cls)
        converted = {
            name: coerce(name, hints[name], value, source, known[name].default) for name, value in values.items()
        }
        return cls(**converted)

    @classmethod
    def load(cls, path: str | Path) -> "RunConfig":
        """Read a config from ``run.json`` (its ``config`` member) or a plain config file."""
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist.", "Check the path.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}.", "It must be a JSON file.") from None
        if isinstance(raw, dict) and isinstance(raw.get("config"), dict):
            raw = raw["config"]
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {path} does not hold a JSON object of settings.")
        return cls.from_dict(raw, source=str(path))

    def with_absolute_paths(self) -> "RunConfig":
        """The same settings with every local path made absolute, so that run.json can be resumed, bundled or
        reopened from any working folder (a path kept as typed only works from the folder it was typed in)."""
        changes: dict[str, Any] = {}
        for name in ("data", "eval_data", "adapt_path", "output"):
            value = getattr(self, name)
            if isinstance(value, str) and value and not Path(value).is_absolute():
                changes[name] = str(Path(value).expanduser().resolve())
        for name in ("backbone", "subtasks"):  # a name ('minilm', a Hub id) stays a name; a local path resolves
            value = getattr(self, name)
            if isinstance(value, str) and value and not Path(value).is_absolute() and Path(value).expanduser().exists():
                changes[name] = str(Path(value).expanduser().resolve())
        return dataclasses.replace(self, **changes) if changes else self

    def validate(self) -> "RunConfig":
        """Raise ConfigError for values that cannot make a sensible run."""
        for ok, message, hint in run_checks(self):
            if not ok:
                raise ConfigError(message + ".", hint)
        return self

    def measured_defaults(self) -> dict[str, Any]:
        """The measured values that fill unset settings for this task and strategy (the strategy's win)."""
        return {**TASK_DEFAULTS.get(self.task, {}), **STRATEGY_DEFAULTS.get(self.strategy, {})}

    def default_for(self, name: str):
        """The measured default that fills ``name`` when it is left unset (None when there is none)."""
        return self.measured_defaults().get(name)

    def with_task_defaults(self) -> "RunConfig":
        """A copy with the settings left unset filled in with the task's measured defaults."""
        values = {name: value for name, value in self.measured_defaults().items() if getattr(self, name) is None}
        if self.strategy == "auto":  # what auto means for a large model is decided at launch (strategy_choice.py)
            values["strategy"] = "full"
        return dataclasses.replace(self.with_offline_backbone_for_task(), **values)

    def with_offline_backbone_for_task(self) -> "RunConfig":
        """A copy whose offline backbone suits the task: a text encoder cannot read images, nor a CNN text.

        Only the two offline defaults are swapped; a backbone the user named is kept (and checked at launch).
        """
        from .backbones import ALIASES, DEFAULT_BACKBONE

        name = self.backbone.strip().lower()
        current = ALIASES.get(name, name)
        if self.task == "image-classification" and current == DEFAULT_BACKBONE:
            return dataclasses.replace(self, backbone=IMAGE_BACKBONE)
        if self.task != "image-classification" and current == IMAGE_BACKBONE:
            return dataclasses.replace(self, backbone=DEFAULT_BACKBONE)
        return self


def field_applies(f: dataclasses.Field, values: dict[str, Any]) -> bool:
    """False for a setting that only matters with another choice (lora_rank without the lora strategy)."""
    return all(values.get(name) in allowed for name, allowed in f.metadata.get("when", {}).items())


def setting_applies(f: dataclasses.Field, config: "RunConfig | dict[str, Any]") -> bool:
    """Whether a setting matters to ``config`` at all: it belongs to the config's task and every choice it
    depends on is made (forms show only these rows)."""
    values = config.to_dict() if isinstance(config, RunConfig) else config
    tasks = f.metadata.get("tasks")
    return (not tasks or values.get("task") in tasks) and field_applies(f, values)


def controlling_settings() -> set[str]:
    """Settings whose value decides whether others apply (task, strategy, adapt_source...)."""
    return {"task"} | {name for f in fields(RunConfig) for name in f.metadata.get("when", {})}


def config_fields() -> list[dataclasses.Field]:
    """The fields in declaration order, for building forms and flags."""
    return list(fields(RunConfig))
