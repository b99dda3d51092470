"""Classify texts with the model in this bundle, using transformers.

Needs only transformers and torch (see requirements.txt):

    python predict.py "some text" "another text"
    cat texts.txt | python predict.py --json

Written by tlstudio; it does not need tlstudio to run.
"""

import argparse
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model"


def load():
    settings = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    labels = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))["labels"]
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    # Weights load from safetensors only; no code shipped with a model is ever run.
    model = AutoModelForSequenceClassification.from_pretrained(MODEL, use_safetensors=True, trust_remote_code=False)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return tokenizer, model.to(device).eval(), labels, settings["max_length"]


def predict(texts, tokenizer, model, labels, max_length, batch_size=32):
    results = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], truncation=True, max_length=max_length,
                              padding=True, return_tensors="pt").to(model.device)
            probabilities = torch.softmax(model(**batch).logits.float(), dim=-1).cpu().tolist()
            for row in probabilities:
                best = max(range(len(row)), key=row.__getitem__)
                results.append({"label": labels[best], "score": row[best],
                                "scores": dict(zip(labels, row))})
    return results


def main():
    parser = argparse.ArgumentParser(description="Classify texts with this bundle's model.")
    parser.add_argument("texts", nargs="*", help="texts to classify (read from standard input when none)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of label, score and text")
    args = parser.parse_args()
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        parser.error("give texts as arguments or on standard input")
    tokenizer, model, labels, max_length = load()
    results = predict(texts, tokenizer, model, labels, max_length)
    if args.json:
        print(json.dumps([{"text": t, **r} for t, r in zip(texts, results)], indent=2, ensure_ascii=False))
    else:
        for text, result in zip(texts, results):
            print(f"{result['label']}\t{result['score']:.3f}\t{text}")


if __name__ == "__main__":
    main()
