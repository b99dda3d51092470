"""Translate or summarize texts with the model in this bundle, using transformers.

Needs only transformers and torch (see requirements.txt):

    python predict.py "The text to translate or summarize."
    cat texts.txt | python predict.py --json
    python predict.py --num-beams 1 --max-new-tokens 40 "..."

Generation uses the settings in model/generation_config.json (beams, maximum
new tokens, length penalty) unless overridden here.  Written by tlstudio; it
does not need tlstudio to run.
"""

import argparse
import json
from pathlib import Path

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from bundle_text import dumps, printable, read_stdin_lines  # beside this script in the bundle

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model"


def load():
    settings = json.loads((HERE / "bundle.json").read_text(encoding="utf-8"))
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    # Weights load from safetensors only; no code shipped with a model is ever run.
    model = AutoModelForSeq2SeqLM.from_pretrained(MODEL, use_safetensors=True, trust_remote_code=False)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return tokenizer, model.to(device).eval(), settings


def generate(texts, tokenizer, model, settings, batch_size=16, **overrides):
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides.get("num_beams", 0) > 1:
        overrides.setdefault("early_stopping", True)
    prefix = settings.get("source_prefix") or ""
    # Similar lengths in a batch waste little on padding; the answers come back in the input order.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = [""] * len(texts)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            # Encoder-decoder models warm-started from BERT take no token type ids in generate().
            batch = tokenizer(
                [prefix + texts[i] for i in chunk],
                truncation=True,
                max_length=settings["max_length"],
                padding=True,
                return_tensors="pt",
                return_token_type_ids=False,
            ).to(model.device)
            generated = model.generate(**batch, **overrides)
            for index, text in zip(chunk, tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[index] = text.strip()
    return out


def main():
    parser = argparse.ArgumentParser(description="Generate text (translation or summary) with this bundle's model.")
    parser.add_argument("texts", nargs="*", help="source texts (read from standard input when none)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of one generated text per line")
    parser.add_argument("--num-beams", type=int, help="beam search width (default: the model's setting)")
    parser.add_argument("--max-new-tokens", type=int, help="longest output in tokens (default: the model's setting)")
    parser.add_argument("--length-penalty", type=float, help="above 1 favours longer outputs with beam search")
    args = parser.parse_args()
    texts = args.texts or read_stdin_lines()
    if not texts:
        parser.error("give texts as arguments or on standard input")
    tokenizer, model, settings = load()
    results = generate(
        texts,
        tokenizer,
        model,
        settings,
        num_beams=args.num_beams,
        max_new_tokens=args.max_new_tokens,
        length_penalty=args.length_penalty,
    )
    if args.json:
        print(dumps([{"text": t, "generated": g} for t, g in zip(texts, results)]))
    else:
        for generated in results:
            print(printable(generated))


if __name__ == "__main__":
    main()
