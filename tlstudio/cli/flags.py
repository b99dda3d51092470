"""The command line's flags that come from the run config or repeat across commands.

``commands.py`` builds the sub-commands from these; kept apart so the command
module stays about commands.  Like the rest of the front end it imports nothing heavy.
"""

from __future__ import annotations

import argparse
import sys

from ..api import RunConfig, config_fields
from ..api import ConfigError
from ..api import find_task


def _help(text: str | None) -> str | None:
    """A config field's help as argparse wants it: '%' is its formatting character ('10%' broke --help)."""
    return text.replace("%", "%%") if text else text


def add_allow_pickle(parser: argparse.ArgumentParser, what: str) -> None:
    # Deliberately a per-command flag and not a run.json setting: trusting a file is the
    # decision of the person running the command, never something a shared config can carry.
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help=f"load {what}'s weights from a pickle (.bin/.pt) when it has no safetensors. Pickle files can run code "
        "when loaded; they are loaded weights-only, but use this only for models from a source you trust",
    )


def warn_if_loading_pickle(model_dir: str, allowed: bool) -> None:
    """Name the risk whenever --allow-pickle actually lets a pickle load (training warns through its sink)."""
    from pathlib import Path

    from ..api import PICKLE_RISK, uses_pickle_weights

    if allowed and Path(model_dir).is_dir() and uses_pickle_weights(model_dir):
        print(
            f"warning: loading pickle weights from {model_dir} because of --allow-pickle. {PICKLE_RISK}",
            file=sys.stderr,
        )


def add_runtime_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime",
        choices=("auto", "pytorch", "onnx", "onnx-int8"),
        default="auto",
        help="how to run the model: 'auto' uses MODEL_DIR/onnx/model.onnx in onnxruntime when "
        "present, else PyTorch (default: auto)",
    )


def add_subtask_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--subtask",
        metavar="NAME",
        help="MODEL_DIR is a multi-task run: use its sub-task NAME (the folder MODEL_DIR/tasks/NAME)",
    )


_METAVARS = {
    "output": "DIR",
    "eval_data": "FILE",
    "backbone": "NAME_OR_PATH",
    "learning_rate": "LR",
    "label_delimiter": "SEP",
    "source_prefix": "TEXT",
    "subtasks": "FILE",
}
GENERATION_FLAGS = ("num_beams", "max_new_tokens", "length_penalty", "temperature", "top_p")


def add_column_flags(parser: argparse.ArgumentParser, roles: tuple[str, ...], where: str) -> None:
    """--text-column, --tokens-column...: the same names and help as the training flags."""
    fields = {f.name: f for f in config_fields()}
    for role in roles:
        name = f"{role}_column"
        help_text = _help(fields[name].metadata["help"].split(". ")[0]) + (f" ({where})" if where else "")
        parser.add_argument("--" + name.replace("_", "-"), dest=name, metavar="COL", help=help_text)


def add_sheet_flag(parser: argparse.ArgumentParser, where: str) -> None:
    """--sheet NAME for commands that read one data file: the same help as the training flag."""
    help_text = _help(next(f for f in config_fields() if f.name == "sheet").metadata["help"])
    parser.add_argument("--sheet", metavar="NAME", help=help_text + (f" ({where})" if where else ""))


def add_generation_flags(parser: argparse.ArgumentParser) -> None:
    fields = {f.name: f for f in config_fields()}
    for name in GENERATION_FLAGS:
        kind = int if str(fields[name].type).startswith("int") else float
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=kind,
            help=_help(fields[name].metadata["help"]) + " (default: the model's own setting)",
        )


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field, named after it, listed in --help under its setting group (data, task, model,
    ...); unset flags keep the config's value."""
    fields_by_name = {f.name: f for f in config_fields()}
    for group, names in RunConfig.groups().items():
        section = parser.add_argument_group(f"{group.removesuffix('s') if group == 'checkpoints' else group} settings")
        for name in names:
            if name != "data":  # the positional argument
                _add_config_flag(section, fields_by_name[name])


def _add_config_flag(section, f) -> None:
    flag = "--" + f.name.replace("_", "-")
    kind = str(f.type)
    options = {"help": _help(f.metadata.get("help")), "default": argparse.SUPPRESS, "dest": f.name}
    if f.metadata.get("choices"):
        options["choices"] = f.metadata["choices"]
    if kind.startswith("bool"):
        options["action"] = argparse.BooleanOptionalAction
    else:
        options["type"] = int if kind.startswith("int") else float if kind.startswith("float") else str
        if not f.metadata.get("choices"):
            default_metavar = "COL" if f.name.endswith("_column") else f.name.split("_")[-1].upper()
            options["metavar"] = _METAVARS.get(f.name, default_metavar)
    section.add_argument(flag, **options)


def config_from_args(args: argparse.Namespace) -> RunConfig:
    values = RunConfig.load(args.config).to_dict() if args.config else {}
    given = {f.name: getattr(args, f.name) for f in config_fields() if hasattr(args, f.name) and f.name != "data"}
    values.update(given)
    if args.data:
        values["data"] = args.data
    task = find_task(values.get("task"))
    if not values.get("data") and not (task is not None and task.has_subtasks):  # sub-tasks may name their own files
        raise ConfigError("no training data given.", "Usage: tlstudio train DATA --output DIR (or --resume DIR).")
    if args.config and "output" not in given:
        raise ConfigError("--config repeats a run's settings but needs a new --output folder.")
    return RunConfig.from_dict(values, source="the command line")
