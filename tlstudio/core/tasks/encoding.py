"""Turning texts into token ids, counting what the max length cuts off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EncodedTexts:
    features: dict[str, list[list[int]]]  # input_ids, attention_mask (and token_type_ids for BERT-likes)
    lengths: list[int]  # tokens kept per text (after truncation)
    full_lengths: list[int]  # tokens before truncation
    truncated: int  # how many texts were longer than max_length


def encode_texts(tokenizer, texts: list[str], max_length: int, pairs: list[str] | None = None) -> EncodedTexts:
    """Tokenize with truncation and report how many texts lost tokens.

    The texts are first measured without truncation (the fast tokenizer
    makes that cheap), so the truncation count is exact rather than a guess
    from texts that hit the limit.
    """
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # silence "sequence longer than the model max" while measuring
    try:
        encoded = tokenizer(texts, pairs, truncation=False)
    finally:
        hf_logging.set_verbosity(verbosity)
    full_lengths = [len(ids) for ids in encoded["input_ids"]]
    truncated = sum(n > max_length for n in full_lengths)
    if truncated:
        encoded = tokenizer(texts, pairs, truncation=True, max_length=max_length)
    features = {key: list(values) for key, values in encoded.items()}
    return EncodedTexts(features, [len(ids) for ids in features["input_ids"]], full_lengths, truncated)
