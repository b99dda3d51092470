"""The command line: argparse over the core, and nothing else.

Exit codes: 0 success; 2 a user error (one ``error: ...`` line on stderr);
130 after Ctrl+C (a checkpoint is saved first, so ``--resume`` continues);
1 an unexpected failure (details written to the log file).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from . import __version__
from .core.config import SEQ2SEQ_TASKS, RunConfig, config_fields
from .core.errors import ConfigError, TlStudioError
from .core.progress import CancelToken

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error:`` line, like every other user error."""

    def error(self, message: str):  # noqa: D401 - argparse's signature
        sys.stderr.write(f"error: {message} (see '{self.prog} --help')\n")
        sys.exit(EXIT_USER_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tlstudio", description="Fine-tune pretrained transformers on your own data.")
    parser.add_argument("--version", action="version", version=f"tlstudio {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    train = commands.add_parser("train", help="fine-tune a backbone on a dataset",
                                description="Fine-tune a backbone. Every run.json setting is also a flag.")
    train.add_argument("data", nargs="?", help="training data file (CSV, TSV, JSON, JSONL, Parquet, Excel)")
    train.add_argument("--resume", metavar="DIR", help="continue the interrupted run in DIR from its last checkpoint")
    train.add_argument("--config", metavar="RUN_JSON", help="take settings from a run.json (flags override it)")
    train.add_argument("--json", action="store_true", help="print the final result as JSON")
    _add_config_flags(train)

    predict = commands.add_parser("predict", help="run a trained model on texts or a file",
                                  description="Classify, tag, translate or summarise with a trained model.")
    predict.add_argument("model_dir", metavar="MODEL_DIR")
    predict.add_argument("texts", nargs="*", metavar="TEXT")
    predict.add_argument("--pair", action="append", metavar="TEXT",
                         help="second text of a sentence pair, once per TEXT (sentence-pair models)")
    predict.add_argument("--input", metavar="FILE", help="data file whose texts to predict")
    predict.add_argument("--output", metavar="FILE", help="where to write the predictions (CSV or JSONL)")
    _add_column_flags(predict, ("text", "text_pair", "tokens", "source"), "of --input")
    _add_generation_flags(predict)
    predict.add_argument("--json", action="store_true", help="print predictions as JSON")

    evaluate = commands.add_parser("evaluate", help="score a trained model on labelled data")
    evaluate.add_argument("model_dir", metavar="MODEL_DIR")
    evaluate.add_argument("data", metavar="DATA")
    _add_column_flags(evaluate, ("text", "label", "text_pair", "tokens", "tags", "source", "target"), "")
    evaluate.add_argument("--max-rows", type=int, metavar="N", help="score only the first N rows")
    evaluate.add_argument("--json", action="store_true", help="print the full report as JSON")

    demo = commands.add_parser("demo", help="fine-tune the bundled backbone on the sample reviews, offline")
    demo.add_argument("--output", metavar="DIR", help="run folder (default: a new folder under the user data dir)")
    demo.add_argument("--max-steps", type=int, default=None, help="stop early after this many steps")

    commands.add_parser("samples", help="list the sample datasets that ship with tlstudio")
    return parser


_METAVARS = {"output": "DIR", "eval_data": "FILE", "backbone": "NAME_OR_PATH", "learning_rate": "LR",
             "label_delimiter": "SEP", "source_prefix": "TEXT"}
GENERATION_FLAGS = ("num_beams", "max_new_tokens", "length_penalty")


def _add_column_flags(parser: argparse.ArgumentParser, roles: tuple[str, ...], where: str) -> None:
    """--text-column, --tokens-column...: the same names and help as the training flags."""
    fields = {f.name: f for f in config_fields()}
    for role in roles:
        name = f"{role}_column"
        help_text = fields[name].metadata["help"].split(". ")[0] + (f" ({where})" if where else "")
        parser.add_argument("--" + name.replace("_", "-"), dest=name, metavar="COL", help=help_text)


def _add_generation_flags(parser: argparse.ArgumentParser) -> None:
    fields = {f.name: f for f in config_fields()}
    for name in GENERATION_FLAGS:
        kind = int if str(fields[name].type).startswith("int") else float
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=kind,
                            help=fields[name].metadata["help"] + " (default: the model's own setting)")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per RunConfig field, named after it; unset flags keep the config's value."""
    for f in config_fields():
        if f.name == "data":
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = str(f.type)
        options = {"help": f.metadata.get("help"), "default": argparse.SUPPRESS, "dest": f.name}
        if f.metadata.get("choices"):
            options["choices"] = f.metadata["choices"]
        if kind.startswith("bool"):
            options["action"] = argparse.BooleanOptionalAction
        else:
            options["type"] = int if kind.startswith("int") else float if kind.startswith("float") else str
            if not f.metadata.get("choices"):
                default_metavar = "COL" if f.name.endswith("_column") else f.name.split("_")[-1].upper()
                options["metavar"] = _METAVARS.get(f.name, default_metavar)
        parser.add_argument(flag, **options)


def config_from_args(args: argparse.Namespace) -> RunConfig:
    values = RunConfig.load(args.config).to_dict() if args.config else {}
    given = {f.name: getattr(args, f.name) for f in config_fields() if hasattr(args, f.name) and f.name != "data"}
    values.update(given)
    if args.data:
        values["data"] = args.data
    if not values.get("data"):
        raise ConfigError("no training data given.", "Usage: tlstudio train DATA --output DIR (or --resume DIR).")
    if args.config and "output" not in given:
        raise ConfigError("--config repeats a run's settings but needs a new --output folder.")
    return RunConfig.from_dict(values, source="the command line")


# --------------------------------------------------------------------------- commands


def cmd_train(args: argparse.Namespace, cancel: CancelToken) -> int:
    from .core.training.engine import resume, train
    from .output import ConsoleSink, print_metrics

    sink = ConsoleSink(stream=sys.stderr if args.json else sys.stdout)
    if args.resume:
        overridden = [f.name for f in config_fields() if f.name != "data" and hasattr(args, f.name)]
        if args.data or args.config or overridden:
            raise ConfigError("--resume continues a run exactly as it was; it takes no data or settings.")
        result = resume(args.resume, sink, cancel)
    else:
        result = train(config_from_args(args), sink, cancel)
    if result.status == "cancelled":
        if result.step:
            print(f"stopped at step {result.step}; continue with: tlstudio train --resume {result.output_dir}",
                  file=sys.stderr)
        else:
            print("stopped before training began; nothing to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps({"status": result.status, "output_dir": str(result.output_dir), "metrics": result.metrics},
                         indent=2))
    else:
        print_metrics(result.metrics)
        print(f"model saved to {result.output_dir}")
    return 0


def _columns(args: argparse.Namespace) -> dict[str, str]:
    return {k: v for k, v in vars(args).items() if k.endswith("_column") and v}


def cmd_predict(args: argparse.Namespace, cancel: CancelToken) -> int:
    from .core.predict_file import predict_file
    from .output import print_predictions

    options = {name: getattr(args, name) for name in GENERATION_FLAGS if getattr(args, name) is not None}
    if args.input:
        if args.texts or args.pair:
            raise ConfigError("give texts or --input FILE, not both.")
        if not args.output:
            raise ConfigError("--input needs --output FILE for the predictions.")
        if options:
            raise ConfigError("generation settings apply to texts given on the command line; a file is predicted "
                              "with the model's own settings.")
        summary = predict_file(args.model_dir, args.input, args.output, columns=_columns(args), cancel=cancel)
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(f"wrote {summary['rows']} predictions to {summary['output']}")
        return 0
    if args.output:
        raise ConfigError("--output goes with --input FILE.")
    if _columns(args):
        raise ConfigError("column flags go with --input FILE.")
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        raise ConfigError("no text to predict.", "Pass texts as arguments, pipe them in, or use --input FILE.")
    from .core.inference import load_predictor

    predictor = load_predictor(args.model_dir)
    if args.pair is not None:
        if not getattr(predictor, "pairs", False):
            raise ConfigError("--pair is for models trained on sentence pairs (--text-pair-column); this one is not.")
        if len(args.pair) != len(texts):
            raise ConfigError(f"got {len(texts)} text(s) but {len(args.pair)} --pair text(s).",
                              "Give one --pair TEXT for each TEXT.")
        options["pairs"] = args.pair
    if any(name in options for name in GENERATION_FLAGS) and predictor.folder.task not in SEQ2SEQ_TASKS:
        raise ConfigError("--num-beams, --max-new-tokens and --length-penalty are for translation and "
                          "summarization models.")
    print_predictions(texts, predictor.predict(texts, cancel=cancel, **options), as_json=args.json)
    return 0


def cmd_evaluate(args: argparse.Namespace, cancel: CancelToken) -> int:
    from .core.evaluation import evaluate_file
    from .output import ConsoleSink, print_metrics

    if args.max_rows is not None and args.max_rows < 1:
        raise ConfigError("--max-rows must be at least 1.")
    report = evaluate_file(args.model_dir, args.data, columns=_columns(args), max_rows=args.max_rows,
                           sink=ConsoleSink(stream=sys.stderr), cancel=cancel)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_metrics(report, heading="results on " + args.data)
    return 0


def cmd_demo(args: argparse.Namespace, cancel: CancelToken) -> int:
    from .core.demo import demo_config
    from .core.inference import Classifier
    from .core.training.engine import train
    from .output import ConsoleSink, print_metrics, print_predictions

    config = demo_config(args.output, args.max_steps)
    print(f"Fine-tuning the bundled backbone on {config.data}\ninto {config.output} (offline, CPU or GPU).")
    result = train(config, ConsoleSink(), cancel)
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    print_metrics(result.metrics)
    examples = ["The staff were friendly and the room was spotless.",
                "It broke after two days and support never answered."]
    print("\nTrying the new model:")
    print_predictions(examples, Classifier(result.output_dir).predict(examples), as_json=False)
    print(f"\nThe model is in {result.output_dir}; load it with transformers.pipeline('text-classification', "
          f"model='{result.output_dir}').")
    return 0


def cmd_samples(args: argparse.Namespace, cancel: CancelToken) -> int:
    from .core.samples import available_samples, sample_path

    for sample in available_samples():
        flags = " ".join(f"--{key.replace('_', '-')} {value}" for key, value in sample.columns.items())
        print(f"{sample.name:12} {sample.task:21} {sample.title}\n{'':12} tlstudio train {sample_path(sample.name)} "
              f"--task {sample.task} {flags} --output DIR\n")
    return 0


COMMANDS = {"train": cmd_train, "predict": cmd_predict, "evaluate": cmd_evaluate, "demo": cmd_demo,
            "samples": cmd_samples}


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    cancel = CancelToken()
    _install_interrupt_handler(cancel)
    try:
        return COMMANDS[args.command](args, cancel)
    except TlStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not the user's fault: keep the traceback for the report
        from .core.logs import log_exception

        log_file = log_exception(exc)
        print(f"error: tlstudio hit an unexpected problem ({type(exc).__name__}: {exc}). "
              f"Details are in {log_file}; please report it.", file=sys.stderr)
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


def _entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
