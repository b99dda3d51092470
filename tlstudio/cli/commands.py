"""The command line: argparse over the core.

``tlstudio`` alone (or with a data file) opens the desktop app instead; that
choice is made in ``tlstudio/launch.py``, above this package, so the command
line never imports the app or Qt.

Exit codes: 0 success; 2 a user error (one ``error: ...`` line on stderr);
130 after Ctrl+C (a checkpoint is saved first, so ``--resume`` continues);
1 an unexpected failure (details written to the log file).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys

from .. import __version__
from ..api import config_fields
from ..api import ConfigError, TlStudioError
from ..api import CancelToken
from ..api import find_task
from .exit_codes import EXIT_INTERRUPTED, EXIT_USER_ERROR
from .flags import (
    add_allow_pickle,
    add_column_flags,
    add_config_flags,
    add_generation_flags,
    add_runtime_flag,
    add_subtask_flag,
    add_sheet_flag,
    config_from_args,
)
from .models import cmd_evaluate, cmd_predict
from .studies import cmd_labels_needed, cmd_tune


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error:`` line, like every other user error."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        sys.stderr.write(f"error: {message} (see '{self.prog} --help')\n")
        sys.exit(EXIT_USER_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tlstudio", description="Fine-tune pretrained transformers on your own data.")
    parser.add_argument("--version", action="version", version=f"tlstudio {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="fine-tune a backbone on a dataset",
        description="Fine-tune a backbone. Every run.json setting is also a flag.",
    )
    train.add_argument(
        "data",
        nargs="?",
        help="training data file (CSV, TSV, JSON, JSONL, Parquet, Excel), or for images a folder of class sub-folders",
    )
    train.add_argument("--resume", metavar="DIR", help="continue the interrupted run in DIR from its last checkpoint")
    train.add_argument("--config", metavar="RUN_JSON", help="take settings from a run.json (flags override it)")
    train.add_argument("--json", action="store_true", help="print the final result as JSON")
    train.add_argument(
        "--dry-run",
        action="store_true",
        help="print the resolved run (strategy, device, longest batch, memory and disk it needs) "
        "and stop without training",
    )
    add_allow_pickle(train, "the backbone")
    add_config_flags(train)

    tune = commands.add_parser(
        "tune",
        help="search hyperparameters with many short runs (Optuna), unpromising ones stopped early",
        description="Search learning rate, batch size, epochs, warmup, weight decay and the fine-tuning strategy. "
        "Settings given as flags stay fixed. Writes trials.csv, tuning.json and best_run.json (train it "
        "with: tlstudio train --config OUTPUT/best_run.json --output DIR) into --output.",
    )
    tune.add_argument("data", nargs="?", help="training data file")
    tune.add_argument("--trials", type=int, metavar="N", help="number of trials to run")
    tune.add_argument("--minutes", type=float, metavar="M", help="time budget; the running trial stops at the limit")
    tune.add_argument(
        "--space",
        metavar="NAMES",
        help="comma-separated settings to search (default: "
        "learning_rate,batch_size,epochs,warmup_ratio,weight_decay,strategy)",
    )
    tune.add_argument("--config", metavar="RUN_JSON", help="take the base settings from a run.json")
    tune.add_argument("--json", action="store_true", help="print the trials as JSON")
    add_allow_pickle(tune, "the backbone")
    add_config_flags(tune)

    needed = commands.add_parser(
        "labels-needed",
        help="how much a pretrained backbone saves: runs with few labels, pretrained vs random weights",
        description="Train at each labelled-set size from the pretrained backbone and from the same architecture "
        "with random weights, all scored on the same validation rows (single-label text "
        "classification). Writes labels_needed.csv/.json and the runs into --output.",
    )
    needed.add_argument("data", nargs="?", help="training data file")
    needed.add_argument(
        "--sizes", default="50,100,200", metavar="N,N,...", help="labelled-set sizes (default: 50,100,200)"
    )
    needed.add_argument("--config", metavar="RUN_JSON", help="take the run settings from a run.json")
    add_allow_pickle(needed, "the backbone")
    add_config_flags(needed)

    predict = commands.add_parser(
        "predict",
        help="run a trained model on texts, images or a file",
        description="Classify, tag, translate, summarise or continue texts, or classify "
        "images (give image files as TEXT), with a trained model.",
    )
    predict.add_argument("model_dir", metavar="MODEL_DIR")
    add_subtask_flag(predict)
    predict.add_argument("texts", nargs="*", metavar="TEXT", help="texts, prompts, or image files")
    predict.add_argument(
        "--pair",
        action="append",
        metavar="TEXT",
        help="second text of a sentence pair, once per TEXT (sentence-pair models)",
    )
    predict.add_argument("--input", metavar="FILE", help="data file whose texts to predict")
    predict.add_argument("--output", metavar="FILE", help="where to write the predictions (CSV or JSONL)")
    predict.add_argument("--force", action="store_true", help="replace --output FILE if it exists")
    add_column_flags(predict, ("text", "text_pair", "tokens", "source", "image"), "of --input")
    add_sheet_flag(predict, "of --input")
    add_generation_flags(predict)
    predict.add_argument(
        "--stream", action="store_true", help="text generation: print the text as it is written (one prompt)"
    )
    predict.add_argument("--json", action="store_true", help="print predictions as JSON")
    add_runtime_flag(predict)
    add_allow_pickle(predict, "the model")

    evaluate = commands.add_parser("evaluate", help="score a trained model on labelled data")
    evaluate.add_argument("model_dir", metavar="MODEL_DIR")
    add_subtask_flag(evaluate)
    evaluate.add_argument("data", metavar="DATA")
    add_column_flags(
        evaluate,
        ("text", "label", "text_pair", "tokens", "tags", "source", "target", "image", "prompt", "response"),
        "",
    )
    add_sheet_flag(evaluate, "")
    evaluate.add_argument("--max-rows", type=int, metavar="N", help="score only the first N rows")
    evaluate.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_allow_pickle(evaluate, "the model")
    add_runtime_flag(evaluate)

    export = commands.add_parser(
        "export",
        help="export a model as a Hugging Face folder, ONNX, a portable zip, or a cluster run bundle",
        description="Export MODEL_DIR (a run folder or any transformers model folder). 'hf': a clean model folder; "
        "'onnx': that folder plus a verified onnx/model.onnx; 'bundle': one .zip with the model, a "
        "predict.py and its requirements.txt; 'run-bundle': RUN_DIR (or a run.json) as a folder that "
        "trains with plain transformers under accelerate, torchrun or Slurm.",
    )
    export.add_argument("model_dir", metavar="MODEL_DIR")
    add_subtask_flag(export)
    export.add_argument("--format", required=True, choices=("hf", "onnx", "bundle", "run-bundle"))
    export.add_argument("--output", required=True, metavar="PATH", help="folder to write (a .zip file for 'bundle')")
    export.add_argument(
        "--quantize",
        choices=("int8",),
        help="also write an int8 ONNX model, with its accuracy change and speed-up measured",
    )
    export.add_argument(
        "--with-onnx",
        action="store_true",
        help="bundle: include a verified ONNX model and a predict.py that needs only onnxruntime",
    )
    export.add_argument("--force", action="store_true", help="replace PATH if it exists")
    export.add_argument("--json", action="store_true", help="print the result as JSON")

    push = commands.add_parser(
        "push",
        help="upload a model folder to the Hugging Face Hub, with its model card",
        description="Upload MODEL_DIR's clean model folder to a Hub repository. The token is "
        "asked for once and kept in the system keyring (or taken from HF_TOKEN).",
    )
    push.add_argument("model_dir", metavar="MODEL_DIR", nargs="?")
    push.add_argument("repo_id", metavar="USER/NAME", nargs="?")
    push.add_argument("--private", action="store_true", help="create the repository as private")
    push.add_argument("--forget-token", action="store_true", help="remove the stored token from the keyring and stop")

    demo = commands.add_parser("demo", help="fine-tune the bundled backbone on the sample reviews, offline")
    demo.add_argument("--output", metavar="DIR", help="run folder (default: a new folder under the user data dir)")
    demo.add_argument("--max-steps", type=int, default=None, help="stop early after this many steps")

    commands.add_parser("samples", help="list the sample datasets that ship with tlstudio")

    pixels = commands.add_parser(
        "images-from-pixels",
        help="turn a table of pixel rows (MNIST-style) into a folder of class sub-folders",
        description="Write one PNG per row of FILE (CSV, optionally .gz; grey 0-255 values row-major, then the "
        "label) into OUTPUT/<label>/, the layout 'tlstudio train OUTPUT --task image-classification' "
        "reads. FILE itself is only read.",
    )
    pixels.add_argument("file", metavar="FILE")
    pixels.add_argument("--output", required=True, metavar="DIR", help="folder to write the images into")
    pixels.add_argument(
        "--label-column",
        default="last",
        metavar="COL",
        help="label column: a name, a 0-based index, 'first' or 'last' (default: last)",
    )
    pixels.add_argument("--width", type=int, metavar="N", help="image width (default: square images)")
    pixels.add_argument(
        "--channels", type=int, choices=(1, 3), default=1, help="1: grey values; 3: interleaved RGB values (default: 1)"
    )
    pixels.add_argument("--limit", type=int, metavar="N", help="convert only the first N rows")
    pixels.add_argument("--force", action="store_true", help="write into DIR even if it is not empty")

    runs = commands.add_parser(
        "runs",
        help="list runs that stopped before finishing and can be resumed",
        description="List the runs in FOLDER (and its sub-folders) that crashed, were "
        "stopped or failed, with the command that resumes each.",
    )
    runs.add_argument("folder", nargs="?", default=".", metavar="FOLDER", help="where to look (default: here)")
    runs.add_argument("--json", action="store_true", help="print the runs as JSON")

    from .health import add_health_parser

    add_health_parser(commands)
    return parser


# --------------------------------------------------------------------------- commands


def _print_plan(args: argparse.Namespace) -> int:
    """``train --dry-run``: the plan the Model page shows, for the same settings; nothing is written."""
    from ..api import plan_for_config

    if args.resume:
        raise ConfigError("--dry-run plans a new run; leave out --resume.")
    config = config_from_args(args).with_task_defaults()
    dataclasses.replace(config, output=config.output or "dry-run").validate()  # the checks a real run makes
    plan = plan_for_config(config)
    if args.json:
        print(json.dumps(plan.to_dict(), indent=2))
    else:
        print("\n".join(plan.lines()))
    return 0


def cmd_train(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import resume, train
    from .output import ConsoleSink, print_metrics

    sink = ConsoleSink(stream=sys.stderr if args.json else sys.stdout)
    if args.dry_run:
        return _print_plan(args)
    if args.resume:
        overridden = [f.name for f in config_fields() if f.name != "data" and hasattr(args, f.name)]
        if args.data or args.config or overridden:
            raise ConfigError("--resume continues a run exactly as it was; it takes no data or settings.")
        result = resume(args.resume, sink, cancel, allow_pickle=args.allow_pickle)
    else:
        result = train(config_from_args(args), sink, cancel, allow_pickle=args.allow_pickle)
    if result.status == "cancelled":
        from ..api import in_progress

        if result.step or in_progress(result.output_dir):
            print(
                f"stopped at step {result.step}; continue with: tlstudio train --resume {result.output_dir}",
                file=sys.stderr,
            )
        else:
            print("stopped before training began; nothing to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    from ..api import is_main_process

    if not is_main_process():  # under accelerate/torchrun the main process reports the run
        return 0
    task = find_task(result.metrics.get("task"))
    if args.json:
        print(
            json.dumps(
                {"status": result.status, "output_dir": str(result.output_dir), "metrics": result.metrics}, indent=2
            )
        )
    elif task is not None and task.has_subtasks:
        from .output import print_multitask

        print_multitask(result.metrics, result.output_dir)
    else:
        print_metrics(result.metrics)
        print(f"model saved to {result.output_dir}")
    return 0


def cmd_export(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import ExportOptions, export
    from .output import ConsoleSink, print_export

    options = ExportOptions(
        args.format, args.output, quantize=args.quantize, with_onnx=args.with_onnx, force=args.force
    )
    result = export(args.model_dir, options, ConsoleSink(stream=sys.stderr), cancel)
    print_export(result, as_json=args.json)
    return 0


def cmd_push(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import TokenStore, push_model

    if args.forget_token:
        removed = TokenStore().forget()
        print("removed the stored Hugging Face token." if removed else "no Hugging Face token was stored.")
        return 0
    if not args.model_dir or not args.repo_id:
        raise ConfigError(
            "push needs MODEL_DIR and the repository id USER/NAME.",
            "Usage: tlstudio push MODEL_DIR USER/NAME [--private]",
        )
    from .output import ConsoleSink, ask_token

    url = push_model(
        args.model_dir,
        args.repo_id,
        private=args.private,
        ask_token=ask_token,
        sink=ConsoleSink(stream=sys.stderr),
        cancel=cancel,
    )
    print(f"uploaded to {url}")
    return 0


def cmd_demo(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import demo_config
    from ..api import Classifier
    from ..api import train
    from .output import ConsoleSink, print_metrics, print_predictions

    config = demo_config(args.output, args.max_steps)
    print(f"Fine-tuning the bundled backbone on {config.data}\ninto {config.output} (offline, CPU or GPU).")
    result = train(config, ConsoleSink(), cancel)
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    print_metrics(result.metrics)
    examples = [
        "The staff were friendly and the room was spotless.",
        "It broke after two days and support never answered.",
    ]
    print("\nTrying the new model:")
    print_predictions(examples, Classifier(result.output_dir).predict(examples), as_json=False)
    print(
        f"\nThe model is in {result.output_dir}; load it with transformers.pipeline('text-classification', "
        f"model='{result.output_dir}')."
    )
    return 0


def cmd_samples(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import available_samples, sample_path

    for sample in available_samples():
        flags = " ".join(f"--{key.replace('_', '-')} {value}" for key, value in sample.columns.items())
        print(
            f"{sample.name:12} {sample.task:21} {sample.title}\n{'':12} tlstudio train {sample_path(sample.name)} "
            f"--task {sample.task} {flags} --output DIR\n"
        )
    return 0


def cmd_runs(args: argparse.Namespace, cancel: CancelToken) -> int:
    import dataclasses

    from ..api import find_interrupted_runs

    found = find_interrupted_runs(args.folder)
    if args.json:
        print(json.dumps([{**dataclasses.asdict(r), "path": str(r.path)} for r in found], indent=2))
        return 0
    if not found:
        print(f"no interrupted runs in {args.folder}")
    for run in found:
        reason = f" ({run.reason})" if run.reason else ""
        print(f"{run.describe()}{reason}\n  continue with: tlstudio train --resume {run.path}")
    return 0


def cmd_health(args: argparse.Namespace, cancel: CancelToken) -> int:
    from .health import cmd_health as run

    return run(args, cancel)


def cmd_images_from_pixels(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import images_from_pixels

    result = images_from_pixels(
        args.file,
        args.output,
        label_column=args.label_column,
        width=args.width,
        channels=args.channels,
        limit=args.limit,
        force=args.force,
        cancel=cancel,
    )
    classes = ", ".join(f"{name} {count}" for name, count in result.classes.items())
    print(
        f"wrote {result.images} images of {result.width}x{result.height} pixels to {result.output} "
        f"({len(result.classes)} classes: {classes})"
    )
    print(f"train with: tlstudio train {result.output} --task image-classification --output RUN_DIR")
    return 0


COMMANDS = {
    "train": cmd_train,
    "tune": cmd_tune,
    "labels-needed": cmd_labels_needed,
    "predict": cmd_predict,
    "evaluate": cmd_evaluate,
    "export": cmd_export,
    "push": cmd_push,
    "demo": cmd_demo,
    "samples": cmd_samples,
    "runs": cmd_runs,
    "health": cmd_health,
    "images-from-pixels": cmd_images_from_pixels,
}


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # `tlstudio DATA_FILE` has opened the app before this (launch.py); any other single word is a mistake.
    if len(argv) == 1 and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        print(
            f"error: '{argv[0]}' is neither a command nor an existing data file "
            f"(commands: {', '.join(COMMANDS)}; see 'tlstudio --help')",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    cancel = CancelToken()
    _install_interrupt_handler(cancel)
    try:
        if getattr(args, "subtask", None):  # predict/evaluate/export one sub-task of a multi-task run
            from ..api import subtask_folder

            args.model_dir = subtask_folder(args.model_dir, args.subtask)
        return COMMANDS[args.command](args, cancel)
    except TlStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not the user's fault: keep the traceback for the report
        from ..api import log_exception

        log_file = log_exception(exc)
        print(
            f"error: tlstudio hit an unexpected problem ({type(exc).__name__}: {exc}). "
            f"Details are in {log_file}; please report it.",
            file=sys.stderr,
        )
        return 1


def _install_interrupt_handler(cancel: CancelToken) -> None:
    """First Ctrl+C asks the run to stop cleanly (saving a checkpoint); a second one stops at once."""

    def on_interrupt(signum, frame):
        if cancel.cancelled:
            signal.default_int_handler(signum, frame)
        cancel.cancel()
        print("\nstopping after the current step (press Ctrl+C again to quit at once)...", file=sys.stderr)

    try:
        signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        pass


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
