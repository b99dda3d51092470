"""Smoke test of a frozen build: the CLI trains, predicts and exports; the app starts offscreen.

    python packaging/smoke_test.py dist/tlstudio/tlstudio [--app]

Runs with the build environment's Python only to make a tiny model and data
(nothing is downloaded); everything else is done by the frozen executable.
Exits 0 when every step passed, and checks that no frozen process is left
behind (a frozen program that re-spawns itself shows up here).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

POSITIVE = ["great", "lovely", "excellent", "superb", "wonderful"]
NEGATIVE = ["awful", "terrible", "dreadful", "horrible", "broken"]
FILLER = ["the", "room", "was", "food", "service", "phone", "really", "quite", "staff", "film", "today"]


def make_data(folder: Path) -> Path:
    rng = random.Random(0)
    lines = ["text,label"]
    for i in range(80):
        label = "positive" if i % 2 else "negative"
        words = rng.sample(FILLER, 4) + [rng.choice(POSITIVE if label == "positive" else NEGATIVE)]
        rng.shuffle(words)
        lines.append(f"{' '.join(words)},{label}")
    path = folder / "reviews.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_backbone(folder: Path, texts: list[str]) -> Path:
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=64,
    )
    config = BertConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def frozen_processes(executable: str) -> list[int]:
    import psutil

    target = os.path.realpath(executable)
    found = []
    for process in psutil.process_iter(["exe", "pid"]):
        try:
            if process.info["exe"] and os.path.realpath(process.info["exe"]) == target:
                found.append(process.info["pid"])
        except (psutil.Error, OSError):
            pass
    return found


def step(name: str, command: list[str], env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    print(f"[{time.time() - started:6.1f}s] {name}: {status}", flush=True)
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-4000:], sep="\n")
        raise SystemExit(1)
    return result


def app_trains_on_a_real_screen(exe: str, tmp: Path) -> bool:
    """The frozen app in a real X window: it opens on the sample reviews, F5 starts training on the bundled
    backbone, the run finishes with a model, the frozen CLI exports it, and the window closes with Ctrl+Q."""
    home = tmp / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": "",
    }
    env.pop("QT_QPA_PLATFORM", None)
    runs = home / ".local" / "share" / "tlstudio" / "runs"
    started = time.monotonic()
    app = subprocess.Popen([exe], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        window = None
        while window is None and time.monotonic() - started < 120 and app.poll() is None:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "^tlstudio"], capture_output=True, text=True
            )
            window = found.stdout.split()[0] if found.stdout.split() else None
            time.sleep(1)
        if window is None:
            print(f"app on a real screen: FAILED (no window; exit {app.poll()})")
            return False
        print(f"app on a real screen: window after {time.monotonic() - started:.1f} s", flush=True)
        time.sleep(5)  # the sample reviews load in the background
        # Focus, then type: keys sent to a window (--window) do not reach Qt without a window manager.
        subprocess.run(["xdotool", "windowfocus", "--sync", window], capture_output=True)
        subprocess.run(["xdotool", "key", "F5"], check=True)
        deadline = time.monotonic() + 1200
        finished = []
        while not finished and time.monotonic() < deadline and app.poll() is None:
            finished = list(runs.glob("*/metrics.json"))
            time.sleep(2)
        if not finished:
            print(f"app on a real screen: FAILED (no finished run in {runs}; exit {app.poll()})")
            return False
        run = finished[0].parent
        print(f"app on a real screen: trained {run.name} in {time.monotonic() - started:.0f} s", flush=True)
        step("export the app's run", [exe, "export", str(run), "--format", "hf", "--output", str(tmp / "app-hf")], env)
        subprocess.run(["xdotool", "windowfocus", "--sync", window], capture_output=True)
        subprocess.run(["xdotool", "key", "ctrl+q"], capture_output=True)
        app.wait(timeout=60)
        return True
    finally:
        if app.poll() is None:
            app.terminate()
            app.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("executable")
    parser.add_argument("--app", action="store_true", help="also start the desktop app offscreen")
    args = parser.parse_args()
    exe = str(Path(args.executable).resolve())
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""}
    with tempfile.TemporaryDirectory(prefix="tlstudio-smoke-") as tmp:
        tmp = Path(tmp)
        data = make_data(tmp)
        backbone = make_backbone(tmp / "tiny", data.read_text().splitlines()[1:])
        step("--version", [exe, "--version"], env)
        step("samples", [exe, "samples"], env)
        step(
            "train 6 steps",
            [
                exe,
                "train",
                str(data),
                "--backbone",
                str(backbone),
                "--max-steps",
                "6",
                "--batch-size",
                "8",
                "--eval-strategy",
                "steps",
                "--eval-steps",
                "3",
                "--output",
                str(tmp / "run"),
            ],
            env,
        )
        predicted = step("predict", [exe, "predict", str(tmp / "run"), "a great film", "--json"], env)
        assert json.loads(predicted.stdout)[0]["label"] in ("positive", "negative")
        step("export hf", [exe, "export", str(tmp / "run"), "--format", "hf", "--output", str(tmp / "hf")], env)
        step(
            "export onnx (verified)",
            [exe, "export", str(tmp / "run"), "--format", "onnx", "--quantize", "int8", "--output", str(tmp / "onnx")],
            env,
        )
        onnx_run = step("predict with onnx", [exe, "predict", str(tmp / "onnx"), "a great film"], env)
        assert "with onnx" in onnx_run.stderr, onnx_run.stderr
        step(
            "export bundle",
            [exe, "export", str(tmp / "onnx"), "--format", "bundle", "--output", str(tmp / "model.zip")],
            env,
        )
        assert "model/predict.py" in zipfile.ZipFile(tmp / "model.zip").namelist()
        if args.app and os.environ.get("DISPLAY") and shutil.which("xdotool"):
            if not app_trains_on_a_real_screen(exe, tmp):
                return 1
        elif args.app:
            print("app on a real screen: skipped (run under xvfb-run with xdotool installed to include it)")
        if args.app:
            app = subprocess.Popen([exe], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(15)
            alive = app.poll() is None  # an app that exited within 15 s did not open (it printed the help once)
            if alive:
                app.terminate()
            out, err = app.communicate(timeout=30)
            ok = alive
            print(f"app offscreen: {'ok' if ok else f'FAILED (exit {app.returncode})'}", flush=True)
            if not ok:
                print(out[-2000:], err[-4000:], sep="\n")
                return 1
        else:
            usage = step("no arguments (no app in this build): help", [exe], env)
            assert "usage: tlstudio" in usage.stdout, usage.stdout
        time.sleep(1)
        left = frozen_processes(exe)
        if left:
            print(f"FAILED: frozen processes left running: {left}")
            return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
