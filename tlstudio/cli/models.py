"""``tlstudio predict`` and ``tlstudio evaluate``: commands that use a trained model."""

from __future__ import annotations

import argparse
import json
import sys

from ..api import ConfigError
from ..api import CancelToken
from ..api import find_task
from .flags import GENERATION_FLAGS, warn_if_loading_pickle


def _columns(args: argparse.Namespace) -> dict[str, str]:
    return {k: v for k, v in vars(args).items() if k.endswith("_column") and v}


def cmd_predict(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import predict_file
    from .output import print_predictions, read_stdin_texts

    warn_if_loading_pickle(args.model_dir, args.allow_pickle)
    options = {name: getattr(args, name) for name in GENERATION_FLAGS if getattr(args, name) is not None}
    if args.input:
        if args.texts or args.pair:
            raise ConfigError("give texts or --input FILE, not both.")
        if not args.output:
            raise ConfigError("--input needs --output FILE for the predictions.")
        if options:
            raise ConfigError(
                "generation settings apply to texts given on the command line; a file is predicted "
                "with the model's own settings."
            )
        summary = predict_file(
            args.model_dir,
            args.input,
            args.output,
            columns=_columns(args),
            cancel=cancel,
            runtime=args.runtime,
            allow_pickle=args.allow_pickle,
            force=args.force,
            sheet=args.sheet,
        )
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(f"wrote {summary['rows']} predictions to {summary['output']}")
        return 0
    if args.output or args.force:
        raise ConfigError(f"{'--output' if args.output else '--force'} goes with --input FILE.")
    if _columns(args) or args.sheet:
        raise ConfigError(f"{'--sheet goes' if args.sheet else 'column flags go'} with --input FILE.")
    texts = args.texts or read_stdin_texts()
    if not texts:
        raise ConfigError("no text to predict.", "Pass texts as arguments, pipe them in, or use --input FILE.")
    import time

    from ..api import load_predictor

    predictor = load_predictor(args.model_dir, runtime=args.runtime, allow_pickle=args.allow_pickle)
    if args.pair is not None:
        if not getattr(predictor, "pairs", False):
            raise ConfigError("--pair is for models trained on sentence pairs (--text-pair-column); this one is not.")
        if len(args.pair) != len(texts):
            raise ConfigError(
                f"got {len(texts)} text(s) but {len(args.pair)} --pair text(s).", "Give one --pair TEXT for each TEXT."
            )
        options["pairs"] = args.pair
    task = find_task(predictor.folder.task)
    writes = task is not None and task.generates_text
    seq2seq = task is not None and task.is_sequence_to_sequence
    continues = task is not None and task.input_kind == "prompt"  # a language model samples its continuation
    if any(name in options for name in GENERATION_FLAGS) and not writes:
        raise ConfigError(
            "--num-beams, --max-new-tokens, --length-penalty, --temperature and --top-p are for models that write text."
        )
    if seq2seq and any(name in options for name in ("temperature", "top_p")):
        raise ConfigError(
            "--temperature and --top-p are for text generation; translation and summarization "
            "use beam search (--num-beams)."
        )
    if continues and any(name in options for name in ("num_beams", "length_penalty")):
        raise ConfigError("text generation samples with --temperature and --top-p, not beams.")
    if args.stream:
        if not continues or len(texts) != 1:
            raise ConfigError("--stream writes one prompt's text as it is generated (text-generation models).")
        for piece in predictor.stream(texts[0], cancel=cancel, **options):
            print(piece, end="", flush=True)
        print()
        return 0
    started = time.perf_counter()
    predictions = predictor.predict(texts, cancel=cancel, **options)
    elapsed = time.perf_counter() - started
    print_predictions(texts, predictions, as_json=args.json)
    runtime = getattr(predictor, "runtime", "pytorch")
    print(
        f"note: {len(texts)} input(s) in {elapsed * 1000:.0f} ms with {runtime} "
        f"({elapsed * 1000 / len(texts):.1f} ms per text)",
        file=sys.stderr,
    )
    return 0


def cmd_evaluate(args: argparse.Namespace, cancel: CancelToken) -> int:
    from ..api import evaluate_file
    from .output import ConsoleSink, print_metrics

    warn_if_loading_pickle(args.model_dir, args.allow_pickle)
    if args.max_rows is not None and args.max_rows < 1:
        raise ConfigError("--max-rows must be at least 1.")
    report = evaluate_file(
        args.model_dir,
        args.data,
        columns=_columns(args),
        max_rows=args.max_rows,
        sink=ConsoleSink(stream=sys.stderr),
        cancel=cancel,
        runtime=args.runtime,
        allow_pickle=args.allow_pickle,
        sheet=args.sheet,
    )
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_metrics(report, heading="results on " + args.data)
    return 0
