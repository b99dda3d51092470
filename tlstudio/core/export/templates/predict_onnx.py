"""Classify texts with the ONNX model in this bundle.

Needs only onnxruntime, tokenizers and numpy (see requirements.txt):

    python predict.py "some text" "another text"
    cat texts.txt | python predict.py --json
    python predict.py --int8 "some text"        # the int8 model, when the bundle has one

Written by tlstudio; it does not need tlstudio to run.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from bundle_text import dumps, printable, read_stdin_lines  # beside this script in the bundle

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model"


def load(int8=False):
    settings = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    labels = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))["labels"]
    tokenizer = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    tokenizer.enable_truncation(settings["max_length"])
    tokenizer.enable_padding(pad_id=settings["pad_token_id"], pad_token=settings["pad_token"])
    name = "model_int8.onnx" if int8 else "model.onnx"
    if not (MODEL / "onnx" / name).is_file():
        sys.exit(f"error: this bundle has no {name}.")
    session = onnxruntime.InferenceSession(str(MODEL / "onnx" / name), providers=["CPUExecutionProvider"])
    return tokenizer, session, labels


def predict(texts, tokenizer, session, labels, batch_size=32):
    names = [i.name for i in session.get_inputs()]
    results = []
    for start in range(0, len(texts), batch_size):
        encodings = tokenizer.encode_batch(texts[start : start + batch_size])
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        logits = session.run(None, {name: np.asarray(columns[name], dtype=np.int64) for name in names})[0]
        logits = logits - logits.max(axis=-1, keepdims=True)
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        for row in probabilities:
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
    parser = argparse.ArgumentParser(description="Classify texts with this bundle's ONNX model.")
    parser.add_argument("texts", nargs="*", help="texts to classify (read from standard input when none)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of label, score and text")
    parser.add_argument("--int8", action="store_true", help="use the int8 model")
    args = parser.parse_args()
    texts = args.texts or read_stdin_lines()
    if not texts:
        parser.error("give texts as arguments or on standard input")
    tokenizer, session, labels = load(args.int8)
    results = predict(texts, tokenizer, session, labels)
    if args.json:
        print(dumps([{"text": t, **r} for t, r in zip(texts, results)]))
    else:
        for text, result in zip(texts, results):
            print(f"{result['label']}\t{result['score']:.3f}\t{printable(text)}")


if __name__ == "__main__":
    main()
