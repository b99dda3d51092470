"""Classify texts with the model in this bundle, using transformers.

Needs only transformers and torch (see requirements.txt):

    python predict.py "some text" "another text"
    cat texts.txt | python predict.py --json
    python predict.py "first text" --pair "second text"     # a model trained on sentence pairs

It answers as the model was trained: one class with its probability, the set
of labels whose score reaches the saved threshold (multi-label), or a number
(regression).  Texts longer than the model's length are read in overlapping
windows when the model was trained that way.  Written by tlstudio; it does not
need tlstudio to run.
"""

import argparse
import json
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from bundle_text import dumps, printable, read_stdin_lines  # beside this script in the bundle

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model"


def load():
    settings = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    labels = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))["labels"]
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    # Weights load from safetensors only; no code shipped with a model is ever run.
    model = AutoModelForSequenceClassification.from_pretrained(MODEL, use_safetensors=True, trust_remote_code=False)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return tokenizer, model.to(device).eval(), labels, settings


def scores_for(texts, pairs, tokenizer, model, settings, batch_size=32):
    """One row of scores per text: probabilities, per-label sigmoid scores, or the predicted value."""
    problem = model.config.problem_type
    overlap = settings.get("window_overlap")
    windows = {"stride": overlap, "return_overflowing_tokens": True} if overlap is not None else {}
    truncation = "only_first" if pairs is not None else True
    rows, owners = [], []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            chunk_pairs = pairs[start : start + batch_size] if pairs is not None else None
            batch = tokenizer(
                texts[start : start + batch_size],
                chunk_pairs,
                truncation=truncation,
                max_length=settings["max_length"],
                padding=True,
                return_tensors="pt",
                **windows,
            )
            owner = batch.pop("overflow_to_sample_mapping", None)
            owners += (
                [start + int(i) for i in owner]
                if owner is not None
                else list(range(start, start + len(batch["input_ids"])))
            )
            logits = model(**batch.to(model.device)).logits.float()
            if problem == "regression":
                rows += logits.cpu().tolist()
            elif problem == "multi_label_classification":
                rows += torch.sigmoid(logits).cpu().tolist()
            else:
                rows += torch.softmax(logits, dim=-1).cpu().tolist()
    # A long text's windows combine into one answer: the mean, or for multi-label the maximum (any part counts).
    combined = [None] * len(texts)
    for owner, row in zip(owners, rows):
        if combined[owner] is None:
            combined[owner] = [row, 1]
        elif problem == "multi_label_classification":
            combined[owner][0] = [max(a, b) for a, b in zip(combined[owner][0], row)]
        else:
            combined[owner] = [[a + b for a, b in zip(combined[owner][0], row)], combined[owner][1] + 1]
    if problem == "multi_label_classification":
        return [row for row, _ in combined]
    return [[value / count for value in row] for row, count in combined]


def predict(texts, pairs, tokenizer, model, labels, settings):
    problem = model.config.problem_type
    results = []
    for row in scores_for(texts, pairs, tokenizer, model, settings):
        if problem == "regression":
            results.append({"value": row[0]})
        elif problem == "multi_label_classification":
            threshold = getattr(model.config, "multi_label_threshold", 0.5)
            results.append(
                {
                    "labels": [label for label, s in zip(labels, row) if s >= threshold],
                    "scores": dict(zip(labels, row)),
                    "threshold": threshold,
                }
            )
        else:
            best = max(range(len(row)), key=row.__getitem__)
            results.append({"label": labels[best], "score": row[best], "scores": dict(zip(labels, row))})
    return results


def summary(result):
    if "value" in result:
        return f"{result['value']:.4g}"
    if "labels" in result:
        return ", ".join(result["labels"]) or "(no label)"
    return f"{result['label']}\t{result['score']:.3f}"


def main():
    parser = argparse.ArgumentParser(description="Classify texts with this bundle's model.")
    parser.add_argument(
        "texts",
        nargs="*",
        help="texts to classify (read from standard input when none; for a "
        "sentence-pair model, one 'text<TAB>second text' per line)",
    )
    parser.add_argument("--pair", action="append", help="the second text for each text (sentence-pair models)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of one answer per line")
    args = parser.parse_args()
    tokenizer, model, labels, settings = load()
    texts, pairs = args.texts, args.pair
    if not texts:
        lines = read_stdin_lines()
        if settings.get("text_pairs"):
            if any("\t" not in line for line in lines):
                parser.error("this model reads sentence pairs: give one 'text<TAB>second text' per line")
            texts, pairs = zip(*(line.split("\t", 1) for line in lines))
            texts, pairs = list(texts), list(pairs)
        else:
            texts = lines
    if not texts:
        parser.error("give texts as arguments or on standard input")
    if settings.get("text_pairs") and (not pairs or len(pairs) != len(texts)):
        parser.error("this model reads sentence pairs: give one --pair for each text")
    if pairs and not settings.get("text_pairs"):
        parser.error("this model reads single texts; --pair is for sentence-pair models")
    results = predict(texts, pairs, tokenizer, model, labels, settings)
    if args.json:
        shown = [
            {"text": t, **({"text_pair": pairs[i]} if pairs else {}), **r}
            for i, (t, r) in enumerate(zip(texts, results))
        ]
        print(dumps(shown))
    else:
        for text, result in zip(texts, results):
            print(f"{summary(result)}\t{printable(text)}")


if __name__ == "__main__":
    main()
