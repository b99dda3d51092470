"""Adding an export's findings to a model card without losing what is already in it.

The card (README.md) may hold the user's own words, so sections are inserted or
replaced by heading rather than the card being rendered again.
"""

from __future__ import annotations

import re


def upsert_section(card: str, heading: str, body: str, *, before: str = "## How to use") -> str:
    """Replace the ``heading`` section of ``card`` with ``body``, or insert it before ``before``."""
    section = f"{heading}\n\n{body.strip()}\n\n"
    level = heading.split(" ", 1)[0]
    pattern = re.compile(rf"^{re.escape(heading)}\s*\n.*?(?=^{level} |\Z)", re.S | re.M)
    if pattern.search(card):
        return pattern.sub(lambda _: section, card, count=1)
    index = card.find(f"\n{before}")
    if index >= 0:
        return card[: index + 1] + section + card[index + 1 :]
    return card.rstrip("\n") + "\n\n" + section


def onnx_section(report: dict) -> str:
    """The card's ONNX section: how the export was checked, and how fast it runs."""
    check = report["check"]
    lines = [
        f"`onnx/model.onnx` (opset {report['opset']}, dynamic `batch` and `sequence` axes, exported with "
        f"torch {report['versions'].get('torch')}) was run in onnxruntime {report['versions'].get('onnxruntime')} "
        f"on {report['sample']} and compared with the fp32 PyTorch model, in padded batches and one text at a time:",
        "",
        "| inputs | tokens | texts | largest logit difference | label agreement |",
        "|---|---|---|---|---|",
    ]
    for bucket in check["buckets"]:
        low, high = bucket["tokens"]
        span = f"{low}" if low == high else f"{low}–{high}"
        lines.append(
            f"| {bucket['name']} | {span} | {bucket['texts']} | {bucket['max_abs_diff']:.2e} | "
            f"{bucket['label_agreement']:.1%} |"
        )
    verdict = "passed" if report["passed"] else "FAILED"
    lines += [
        "",
        f"Verification **{verdict}**: largest difference {check['max_abs_diff']:.2e} "
        f"(tolerance {report['tolerance']:g}), label agreement {check['label_agreement']:.1%}.",
        "",
    ]
    speed = report["latency"]
    batch_key = next(k for k in speed["pytorch"] if k.startswith("batch_") and k != "batch_1_ms_per_text")
    size = batch_key.split("_")[1]
    lines += [
        f"Speed on this machine's CPU ({report['hardware']}), milliseconds per text:",
        "",
        f"| runtime | one text at a time | batches of {size} |",
        "|---|---|---|",
    ]
    for name, title in (
        ("pytorch", "PyTorch (fp32)"),
        ("onnx", "onnxruntime (fp32)"),
        ("onnx-int8", "onnxruntime (int8)"),
    ):
        if name in speed:
            lines.append(f"| {title} | {speed[name]['batch_1_ms_per_text']:.2f} | {speed[name][batch_key]:.2f} |")
    int8 = report.get("int8")
    if int8:
        lines += [
            "",
            f"`onnx/model_int8.onnx` is the same model with int8 weights (dynamic quantization, "
            f"{int8['size_mb']:.1f} MB instead of {report['size_mb']:.1f} MB). Against fp32 PyTorch: "
            f"label agreement {int8['check']['label_agreement']:.1%}, largest logit difference "
            f"{int8['check']['max_abs_diff']:.2e}.",
        ]
        if int8.get("metric") is not None:
            change = int8["metric"] - int8["reference_metric"]
            lines.append(
                f"{int8['metric_name'].capitalize()} on the labelled sample: {int8['metric']:.4f} "
                f"(fp32: {int8['reference_metric']:.4f}, change {change:+.4f})."
            )
    lines += [
        "",
        "Run it with `tlstudio predict MODEL_DIR --runtime onnx` or any onnxruntime program; "
        "`onnx/verification.json` holds the full figures.",
    ]
    return "\n".join(lines)
