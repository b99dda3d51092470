"""Long texts as overlapping windows.

A text longer than ``max_length`` tokens is cut into windows of
``max_length`` tokens that share ``overlap`` tokens with their neighbours, so
no part of it is lost to truncation.  Each window is a training example with
its document's label; at prediction the windows' scores are combined into one
per document (averaged, or the maximum where any part counts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Windows:
    features: dict[str, list[list[int]]]  # input_ids, attention_mask... one row per window
    doc_index: list[int]  # the text each window comes from
    lengths: list[int]  # tokens per window


def encode_windows(
    tokenizer, texts: list[str], max_length: int, overlap: int, pairs: list[str] | None = None
) -> Windows:
    """Every text as one or more windows (a short text is a single window, exactly as truncation gives).

    With sentence pairs only the first text is windowed; the second is repeated in every window.
    """
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        encoded = tokenizer(
            texts,
            pairs,
            truncation="only_first" if pairs is not None else True,
            max_length=max_length,
            stride=overlap,
            return_overflowing_tokens=True,
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    doc_index = list(encoded.pop("overflow_to_sample_mapping"))
    features = {key: list(values) for key, values in encoded.items()}
    return Windows(features, doc_index, [len(ids) for ids in features["input_ids"]])


def aggregate(scores, doc_index: list[int], count: int, how: str = "mean"):
    """One row of scores per document from its windows' rows."""
    import numpy as np

    scores = np.asarray(scores, dtype=np.float64)
    out = np.zeros((count, scores.shape[1]), dtype=np.float64)
    if how == "max":
        out[:] = -np.inf
        np.maximum.at(out, doc_index, scores)
        return out
    np.add.at(out, doc_index, scores)
    counts = np.bincount(doc_index, minlength=count).reshape(-1, 1)
    return out / np.maximum(counts, 1)
