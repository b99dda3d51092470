"""Find the entities in texts with the tagger in this bundle, using transformers.

Needs only transformers and torch (see requirements.txt):

    python predict.py "Anna flew to Paris on Monday."
    cat texts.txt | python predict.py --json

Each word takes the tag predicted on its first sub-word, as in training, and
neighbouring words of one entity are joined into a span with its type,
character offsets and average score.  Written by tlstudio; it does not need
tlstudio to run.
"""

import argparse
import json
from pathlib import Path

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

from bundle_text import dumps, printable, read_stdin_lines  # beside this script in the bundle

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model"


def load():
    settings = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    tokenizer.model_max_length = settings["max_length"]  # the length the model was trained on
    # Weights load from safetensors only; no code shipped with a model is ever run.
    model = AutoModelForTokenClassification.from_pretrained(MODEL, use_safetensors=True, trust_remote_code=False)
    device = 0 if torch.cuda.is_available() else -1
    # A stride lets texts longer than max_length be tagged in overlapping pieces instead of cut off.
    stride = max(0, min(32, settings["max_length"] // 4))
    return pipeline(
        "token-classification",
        model=model,
        tokenizer=tokenizer,
        aggregation_strategy="first",
        device=device,
        stride=stride,
    )


def predict(texts, tagger, batch_size=16):
    results = []
    for found in tagger(texts, batch_size=batch_size):
        results.append(
            [
                {
                    "start": int(e["start"]),
                    "end": int(e["end"]),
                    "label": e["entity_group"],
                    "score": round(float(e["score"]), 4),
                }
                for e in found
            ]
        )
    for text, entities in zip(texts, results):
        for entity in entities:
            entity["text"] = text[entity["start"] : entity["end"]]
    return results


def main():
    parser = argparse.ArgumentParser(description="Find entities in texts with this bundle's model.")
    parser.add_argument("texts", nargs="*", help="texts to tag (read from standard input when none)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of one line per entity")
    args = parser.parse_args()
    texts = args.texts or read_stdin_lines()
    if not texts:
        parser.error("give texts as arguments or on standard input")
    results = predict(texts, load())
    if args.json:
        print(dumps([{"text": t, "entities": e} for t, e in zip(texts, results)]))
        return
    for text, entities in zip(texts, results):
        print(printable(text))
        for entity in entities:
            print(
                f"  {entity['label']}\t{entity['score']:.3f}\t{entity['start']}-{entity['end']}\t{printable(entity['text'])}"
            )
        if not entities:
            print("  (no entities)")


if __name__ == "__main__":
    main()
