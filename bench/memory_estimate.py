"""Check the peak-memory estimate against measured CPU runs of the bundled backbone.

For each (batch size, max length) a fresh process fine-tunes the bundled
backbone for a few steps on texts long enough to fill every batch to max
length.  The baseline is the resident set size once the data and tokenizer
are loaded (just before the model is); the peak high-water mark is reset
there (Linux ``/proc/self/clear_refs``) and read when the run ends.  The
measured delta covers everything the estimate is meant to: model weights,
gradients, AdamW state, activations and the optimizer step's buffers.

    PYTHONPATH=. python bench/memory_estimate.py            # Linux only
    PYTHONPATH=. python bench/memory_estimate.py 8x64 16x128
    PYTHONPATH=. python bench/memory_estimate.py --layers 12 16x128   # a deeper (random) BERT
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = ["8x64", "16x128", "32x128", "8x256", "16x256"]
WORDS = (
    "river station window morning garden history silver market engine letter summer village "
    "doctor bridge answer island season winter paper kitchen number forest cotton castle"
).split()


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def deeper_backbone(layers: int, folder: Path) -> Path:
    """The bundled backbone's shape with more layers (random weights: memory does not care)."""
    from transformers import AutoConfig, AutoTokenizer, BertModel

    from tlstudio.core.backbones import bundled_path

    config = AutoConfig.from_pretrained(bundled_path())
    config.num_hidden_layers = layers
    target = folder / f"bert-{layers}"
    BertModel(config).save_pretrained(target)
    AutoTokenizer.from_pretrained(bundled_path()).save_pretrained(target)
    return target


def measure(batch: int, length: int, folder: Path, backbone: str) -> dict:
    """Runs in the child process: train a few steps and report the peak RSS delta."""
    from tlstudio.core.config import RunConfig
    from tlstudio.core.progress import StageChanged
    from tlstudio.core.training.engine import train

    data = folder / "long.csv"
    rng = random.Random(0)
    with open(data, "w", encoding="utf-8") as handle:
        handle.write("text,label\n")
        for i in range(batch * 6):
            handle.write(" ".join(rng.choice(WORDS) for _ in range(length + 40)) + f",{'ab'[i % 2]}\n")
    marks = {}

    class Sink:
        def emit(self, event):
            if isinstance(event, StageChanged) and event.stage == "tokenizing":
                Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
                marks["baseline"] = _status("VmRSS")

    config = RunConfig(
        data=str(data),
        output=str(folder / "run"),
        text_column="text",
        label_column="label",
        backbone=backbone,
        batch_size=batch,
        max_length=length,
        max_steps=4,
        eval_fraction=0.1,
        device="cpu",
    )
    train(config, Sink())
    return {"baseline": marks["baseline"], "peak": _status("VmHWM")}


def main(cases: list[str], layers: int) -> None:
    from tlstudio.core.backbones import bundled_path
    from tlstudio.core.memory_estimate import estimate_training_memory
    from tlstudio.core.model_info import describe_model_folder

    keep = tempfile.TemporaryDirectory()
    backbone = deeper_backbone(layers, Path(keep.name)) if layers else bundled_path()
    info = describe_model_folder(backbone)
    print(f"backbone: {info.summary()}")
    print("| batch x length | estimated | measured peak RSS delta | error |")
    print("|---|---|---|---|")
    for case in cases:
        batch, length = map(int, case.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(batch), str(length), tmp, str(backbone)],
                capture_output=True,
                text=True,
                check=True,
            )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        measured = result["peak"] - result["baseline"]
        estimate = estimate_training_memory(info.dims, info.parameters, batch_size=batch, sequence_length=length)
        error = (estimate.total - measured) / measured
        print(
            f"| {batch} x {length} | {estimate.total / 2**20:.0f} MiB | {measured / 2**20:.0f} MiB | {error:+.0%} |",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])))
    else:
        args = sys.argv[1:]
        depth = 0
        if args[:1] == ["--layers"]:
            depth, args = int(args[1]), args[2:]
        main(args or CASES, depth)
