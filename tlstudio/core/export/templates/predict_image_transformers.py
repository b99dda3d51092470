"""Classify images with the model in this bundle, using transformers.

    pip install -r requirements.txt
    python predict.py photo.jpg another.png
    python predict.py --json *.png

Written by tlstudio; it does not need tlstudio to run.
"""

import argparse
import sys
from pathlib import Path

from transformers import pipeline

from bundle_text import dumps, printable  # beside this script in the bundle

MODEL = Path(__file__).resolve().parent / "model"


def main():
    parser = argparse.ArgumentParser(description="Classify images with this bundle's model.")
    parser.add_argument("images", nargs="+", help="image files")
    parser.add_argument("--json", action="store_true", help="print JSON with every class's probability")
    args = parser.parse_args()
    missing = [p for p in args.images if not Path(p).is_file()]
    if missing:
        sys.exit(f"error: no such file: {missing[0]}")
    classifier = pipeline("image-classification", model=str(MODEL))
    results = classifier(args.images, top_k=None)
    if args.json:
        print(
            dumps(
                [
                    {"image": p, "scores": {r["label"]: r["score"] for r in rows}}
                    for p, rows in zip(args.images, results)
                ]
            )
        )
    else:
        for path, rows in zip(args.images, results):
            print(f"{rows[0]['label']}\t{rows[0]['score']:.3f}\t{printable(path)}")


if __name__ == "__main__":
    main()
