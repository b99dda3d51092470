"""A tiny GPT-2 built from a config with a byte-level BPE tokenizer, and texts it learns quickly."""

from __future__ import annotations

import csv
import random
from pathlib import Path

ANIMALS = ["cat", "dog", "bird", "fox", "horse", "cow"]
VERBS = ["runs", "sleeps", "eats", "jumps", "sings"]
PLACES = ["in the garden", "on the hill", "by the river", "at home"]


def make_story(rng: random.Random) -> str:
    return f"the {rng.choice(ANIMALS)} {rng.choice(VERBS)} {rng.choice(PLACES)} every day ."


def write_stories_csv(path: Path, rows: int = 240, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "story"])
        for i in range(rows):
            writer.writerow([i, make_story(rng)])
    return path


def make_tiny_gpt2(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    rng = random.Random(1)
    corpus = [make_story(rng) for _ in range(200)] + ["What does the cat do? It sleeps. Prompt Response ###"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|endoftext|>",
        bos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        model_max_length=128,
    )
    config = GPT2Config(
        vocab_size=len(fast),
        n_positions=128,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=fast.eos_token_id,
        eos_token_id=fast.eos_token_id,
    )
    torch.manual_seed(0)
    GPT2LMHeadModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder
