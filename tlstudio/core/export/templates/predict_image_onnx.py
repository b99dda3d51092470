"""Classify images with the ONNX model in this bundle.

Needs only onnxruntime, numpy and pillow (see requirements.txt):

    python predict.py photo.jpg another.png
    python predict.py --json *.png

Preprocessing follows model/preprocessor_config.json (resize, scale, normalize).
Written by tlstudio; it does not need tlstudio to run.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime
from PIL import Image

from bundle_text import dumps, printable  # beside this script in the bundle

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model"


def load():
    labels = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))["labels"]
    settings = json.loads((MODEL / "preprocessor_config.json").read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(str(MODEL / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    return session, labels, settings


def preprocess(path, settings):
    image = Image.open(path).convert("RGB")
    size = settings.get("size") or {}
    if settings.get("do_resize", True):
        image = image.resize((size["width"], size["height"]), Image.Resampling(settings.get("resample", 2)))
    values = np.asarray(image, dtype=np.float32)
    if settings.get("do_rescale", True):
        values = values * np.float32(settings.get("rescale_factor", 1 / 255))
    if settings.get("do_normalize", True):
        values = (values - np.asarray(settings["image_mean"], dtype=np.float32)) / np.asarray(
            settings["image_std"], dtype=np.float32
        )
    return values.transpose(2, 0, 1)


def predict(paths, session, labels, settings, batch_size=32):
    results = []
    for start in range(0, len(paths), batch_size):
        batch = np.stack([preprocess(p, settings) for p in paths[start : start + batch_size]])
        logits = session.run(["logits"], {"pixel_values": batch})[0].astype(np.float64)
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        for row in probs:
            best = int(row.argmax())
            results.append(
                {
                    "label": labels[best],
                    "score": float(row[best]),
                    "scores": {label: float(p) for label, p in zip(labels, row)},
                }
            )
    return results


def main():
    parser = argparse.ArgumentParser(description="Classify images with this bundle's model.")
    parser.add_argument("images", nargs="+", help="image files")
    parser.add_argument("--json", action="store_true", help="print JSON with every class's probability")
    args = parser.parse_args()
    session, labels, settings = load()
    missing = [p for p in args.images if not Path(p).is_file()]
    if missing:
        sys.exit(f"error: no such file: {missing[0]}")
    results = predict(args.images, session, labels, settings)
    if args.json:
        print(dumps([{"image": p, **r} for p, r in zip(args.images, results)]))
    else:
        for path, result in zip(args.images, results):
            print(f"{result['label']}\t{result['score']:.3f}\t{printable(path)}")


if __name__ == "__main__":
    main()
