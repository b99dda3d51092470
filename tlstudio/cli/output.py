"""How the command line shows progress and results (the CLI's event sink)."""

from __future__ import annotations

import json
import sys

from ..api import format_duration
from ..api import (
    CheckpointSaved,
    Evaluated,
    Message,
    RunStarted,
    SamplesGenerated,
    StageChanged,
    StepLogged,
    StudyPointMeasured,
    TrialFinished,
    TrialProgressed,
    TrialStarted,
)

TABLE_ROWS = 20  # rows of a printed per-class table; 5,000 classes must not print 5,000 lines


def top_rows(table: dict, key, limit: int = TABLE_ROWS) -> tuple[dict, int]:
    """The ``limit`` entries of ``table`` with the largest ``key(value)`` (in their own order), and how many
    were left out."""
    if len(table) <= limit:
        return table, 0
    kept = set(sorted(table, key=lambda name: -key(table[name]))[:limit])
    return {name: row for name, row in table.items() if name in kept}, len(table) - limit


class ConsoleSink:
    """Prints one line per logging step, evaluation and checkpoint; warnings go to stderr."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def emit(self, event) -> None:
        if isinstance(event, StepLogged):
            loss = f"{event.loss:.4f}" if isinstance(event.loss, float) else str(event.loss)
            lr = f"{event.learning_rate:.2e}" if event.learning_rate is not None else "?"
            self._print(
                f"step {event.step}/{event.total_steps} | epoch {event.epoch:.2f} | loss {loss} | lr {lr} | "
                f"{event.samples_per_second:.1f} samples/s | ETA {format_duration(event.eta_seconds)}"
            )
        elif isinstance(event, Evaluated):
            shown = " ".join(f"{k} {v:.4f}" for k, v in event.metrics.items() if isinstance(v, float) and k != "epoch")
            self._print(f"eval at step {event.step}: {shown}")
        elif isinstance(event, RunStarted):
            resumed = f", resuming from step {event.resumed_from_step}" if event.resumed_from_step else ""
            self._print(
                f"training on {event.device} in {event.precision}: {event.train_size} training / "
                f"{event.eval_size} validation rows, {event.total_steps} steps{resumed}"
            )
        elif isinstance(event, SamplesGenerated):
            self._print(f"samples at step {event.step}:")
            for sample in event.samples:
                self._print(f"  {_shorten(sample['prompt'], 60)!r} -> {_shorten(sample['text'], 100)!r}")
        elif isinstance(event, CheckpointSaved):
            self._print(f"checkpoint saved at step {event.step}")
        elif isinstance(event, Message):
            prefix = "warning" if event.level == "warning" else "note"
            print(f"{prefix}: {event.text}", file=sys.stderr, flush=True)
        elif isinstance(event, StageChanged) and (
            event.stage
            in (
                "loading data",
                "loading backbone",
                "domain adaptation",
                "exporting",
                "verifying",
                "timing",
                "quantizing",
                "uploading",
            )
            or (event.stage == "training" and event.detail)
        ):  # a two-stage run names its second stage
            self._print(f"{event.stage}: {event.detail}" if event.detail else event.stage)


def headline_keys(metrics: dict) -> tuple[str, ...]:
    """The task's headline metrics in its own order (decided by the task, in the core)."""
    from ..api import headline_keys as keys

    return keys(metrics)


def print_metrics(metrics: dict, heading: str = "results on the validation split") -> None:
    print(f"\n{heading}:")
    for key in headline_keys(metrics) + ("eval_loss",):
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            baseline = next((metrics[b] for b in (f"copy_{key}",) if isinstance(metrics.get(b), (int, float))), None)
            beside = f"   (copying the source: {baseline:.4f})" if baseline is not None else ""
            print(f"  {key:18} {value:.4f}{beside}")
    if "majority_accuracy" in metrics:
        print(
            f"  {'majority class':16} accuracy {metrics['majority_accuracy']:.4f}, "
            f"macro_f1 {metrics['majority_macro_f1']:.4f}"
        )
    if "mean_baseline_mse" in metrics:
        print(f"  {'mean baseline':16} mse {metrics['mean_baseline_mse']:.4f}, mae {metrics['mean_baseline_mae']:.4f}")
    from ..api import below_baseline

    warning = below_baseline(metrics)
    if warning:
        print(f"\nwarning: {warning}")
    for title, table in (("class", metrics.get("per_class")), ("entity type", metrics.get("per_type"))):
        if table:
            shown, more = top_rows(table, key=lambda row: row.get("support", 0))
            width = min(40, max(12, *(len(name) for name in shown)))
            print(f"\n  {title:{width}} precision  recall     f1  support")
            for name, row in shown.items():
                print(
                    f"  {_shorten(name, width):{width}} {row['precision']:9.3f} {row['recall']:7.3f} "
                    f"{row['f1']:6.3f} {row['support']:8d}"
                )
            if more:
                print(
                    f"  … and {more:,} more (the {TABLE_ROWS} with the most support are shown; all are in the "
                    "JSON output and the run's metrics.json)"
                )
    examples = metrics.get("examples") or []
    if examples:
        print("\n  examples (source / reference / generated):")
        for example in examples:
            for key in ("source", "reference", "generated"):
                print(f"  {key[:3]}: {_shorten(example[key], 110)}")
            print()
    samples = metrics.get("samples") or []
    if samples:
        print("\n  samples (prompt -> generated):")
        for sample in samples:
            print(f"  {_shorten(sample['prompt'], 60)!r} -> {_shorten(sample['text'], 100)!r}")
    for note in metrics.get("notes") or []:
        print(f"note: {note}", file=sys.stderr)
    if metrics.get("warning"):
        print(f"\nwarning: {metrics['warning']}", file=sys.stderr)


def print_multitask(metrics: dict, output_dir) -> None:
    """A multi-task run's result: each sub-task's figures, the comparison, and where the models are."""
    print("\nresults on each sub-task's validation split:")
    for name, report in metrics.get("tasks", {}).items():
        key = report.get("score_metric")
        figures = [k for k in headline_keys(report) if isinstance(report.get(k), (int, float))][:3]
        shown = ", ".join(f"{k} {report[k]:.4f}" for k in dict.fromkeys([key, *figures]) if k in report)
        print(f"  {name:18} {shown}")
    if isinstance(metrics.get("mean_task_score"), (int, float)):
        print(f"  {'mean_task_score':18} {metrics['mean_task_score']:.4f}")
    comparison = metrics.get("comparison")
    if comparison:
        print(f"\n  {'sub-task':18} {'metric':10} {'multi-task':>10} {'alone':>10} {'difference':>11}")
        for name, row in comparison.items():
            alone = row.get("single_task")
            cells = f"{alone:10.4f} {row['multi_task'] - alone:+11.4f}" if alone is not None else f"{'not run':>10}"
            print(f"  {name:18} {row['metric']:10} {row['multi_task']:10.4f} {cells}")
    print(f"models saved to {output_dir}/tasks/<name> (one per sub-task); joint checkpoint in {output_dir}/joint")


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_predictions(texts, predictions, *, as_json: bool) -> None:
    """One result per text: label-like results on one line beside the text, text-like ones below it.

    Texts and answers come from data: their terminal control sequences and direction overrides are shown as
    escapes, never sent to the terminal (the bundle's predict.py prints through the same helper)."""
    shown = _bundle_text()
    if as_json:
        print(shown.dumps([{"text": t, **p.to_dict()} for t, p in zip(texts, predictions)]))
        return
    for text, prediction in zip(texts, predictions):
        if prediction.kind in ("entities", "text"):
            print(f"{shown.printable(_shorten(text, 100))}\n  -> {shown.printable(prediction.summary())}")
        else:
            print(f"{shown.printable(prediction.summary())}\t{shown.printable(_shorten(text, 80))}")


def read_stdin_texts() -> list[str]:
    """Texts piped in, one a line, in whatever encoding the file had."""
    return _bundle_text().read_stdin_lines()


def _bundle_text():
    """The bundles' own reading/printing helper (a plain script file, so that bundles need no tlstudio)."""
    import importlib.util
    from pathlib import Path

    module = sys.modules.get("tlstudio._bundle_text")
    if module is None:
        path = Path(__file__).resolve().parent.parent / "core" / "export" / "templates" / "bundle_text.py"
        spec = importlib.util.spec_from_file_location("tlstudio._bundle_text", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["tlstudio._bundle_text"] = module
    return module


def print_export(result, *, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "format": result.format,
                    "output": str(result.output),
                    "files": result.files,
                    "verification": result.verification,
                    "notes": result.notes,
                },
                indent=2,
            )
        )
        return
    check = (result.verification or {}).get("check")
    if check:
        print(
            f"ONNX verified: largest logit difference {check['max_abs_diff']:.2e}, "
            f"label agreement {check['label_agreement']:.1%} on {check['compared']} inputs"
        )
        for name, speed in result.verification["latency"].items():
            key = next(k for k in speed if k.startswith("batch_1_ms_per_"))
            unit = key.removeprefix("batch_1_ms_per_")
            print(f"  {name:10} {speed[key]:8.2f} ms per {unit} (one at a time)")
        int8 = result.verification.get("int8")
        if int8 and int8.get("metric") is not None:
            print(f"  int8 {int8['metric_name']} {int8['metric']:.4f} (fp32 {int8['reference_metric']:.4f})")
    for note in result.notes:
        print(note)
    print(f"exported to {result.output}")


def ask_token() -> str:
    """Ask for a Hugging Face token on the terminal without echoing it."""
    import getpass

    if not sys.stdin.isatty():
        from ..api import ConfigError

        raise ConfigError(
            "no Hugging Face token is stored and there is no terminal to ask for one.",
            "Run tlstudio push in a terminal once, or set HF_TOKEN.",
        )
    print(
        "A Hugging Face token with write access is needed (create one at your Hub account's settings, "
        "'Access Tokens'). It is kept in the system keyring, not in a file.",
        file=sys.stderr,
    )
    return getpass.getpass("token: ").strip()


def _params_text(params: dict) -> str:
    return ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in params.items())


class TuneConsoleSink:
    """For searches and studies: one line per trial or point; the first trial's notes about the data only."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def emit(self, event) -> None:
        if isinstance(event, TrialStarted):
            print(f"trial {event.number}: {_params_text(event.params)}", file=self.stream, flush=True)
        elif isinstance(event, TrialFinished):
            value = f"{event.value:.4f}" if event.value is not None else "-"
            best = f"{event.best_value:.4f} (trial {event.best_number})" if event.best_value is not None else "-"
            note = f" ({event.note})" if event.note and event.state != "complete" else ""
            print(
                f"trial {event.number} {event.state}{note}: {value} in {format_duration(event.duration_seconds)}; "
                f"best so far {best}",
                file=self.stream,
                flush=True,
            )
        elif isinstance(event, StudyPointMeasured):
            shown = ", ".join(f"{k} {v:.4f}" for k, v in event.metrics.items() if isinstance(v, float))
            print(f"{event.size} labels, {event.init} weights: {shown}", file=self.stream, flush=True)
        elif isinstance(event, StageChanged) and event.stage == "training" and event.detail:
            print(f"training: {event.detail}", file=self.stream, flush=True)
        elif isinstance(event, TrialProgressed) and event.number == 0 and isinstance(event.event, Message):
            ConsoleSink(self.stream).emit(event.event)
        elif isinstance(event, Message):
            ConsoleSink(self.stream).emit(event)


def print_trials(result) -> None:
    """The results table of a search, best first."""
    names = list(dict.fromkeys(name for t in result.trials for name in t.params))
    done = sorted(
        (t for t in result.trials if t.value is not None),
        key=lambda t: -t.value if result.greater_is_better else t.value,
    )
    rows = done + [t for t in result.trials if t.value is None]
    header = ["trial", "state", result.objective, "time", *names]
    table = [
        [
            str(t.number),
            t.state,
            f"{t.value:.4f}" if t.value is not None else "-",
            format_duration(t.duration_seconds),
            *[
                (f"{t.params[n]:.3g}" if isinstance(t.params.get(n), float) else str(t.params.get(n, "")))
                for n in names
            ],
        ]
        for t in rows
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *table)]
    print()
    for line in [header, *table]:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip())
    if result.best is not None:
        print(f"\nbest: trial {result.best.number}, {result.objective} {result.best.value:.4f}")
        print(f"train it in full with: tlstudio train --config {result.best_config} --output DIR")
    else:
        print("\nno trial completed.")
    print(f"results in {result.output_dir}")
