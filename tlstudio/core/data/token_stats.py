"""How long the texts are in tokens of the chosen backbone, and how many max_length cuts.

The Data page draws these as a histogram with the max length marked, so
truncation is visible before a run starts.  Large files are measured on a
random sample (the same one each time, for a stable picture).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Texts measured at most; tokenizing 20,000 short texts takes about a second with a fast tokenizer.
SAMPLE_LIMIT = 20_000
BATCH = 1_000


@dataclass(frozen=True)
class TokenLengths:
    lengths: tuple[int, ...]  # tokens per measured text, special tokens included
    total_rows: int  # texts in the column (measured or not)

    @property
    def sampled(self) -> bool:
        return len(self.lengths) < self.total_rows

    def percentile(self, q: float) -> int:
        if not self.lengths:
            return 0
        ordered = sorted(self.lengths)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def longest(self) -> int:
        return max(self.lengths, default=0)

    def truncated_share(self, max_length: int) -> float:
        if not self.lengths:
            return 0.0
        return sum(n > max_length for n in self.lengths) / len(self.lengths)

    def describe(self, max_length: int) -> str:
        if not self.lengths:
            return "no texts to measure"
        share = self.truncated_share(max_length)
        sample = f" (a sample of {len(self.lengths):,} of {self.total_rows:,} rows)" if self.sampled else ""
        cut = (
            f"{share:.1%} are longer than max length {max_length} and will be truncated"
            if share
            else f"none is longer than max length {max_length}"
        )
        return (
            f"median {self.percentile(50)} tokens, 95% under {self.percentile(95)}, longest {self.longest}; "
            f"{cut}{sample}."
        )


def measure_token_lengths(
    tokenizer, texts: list, *, limit: int = SAMPLE_LIMIT, seed: int = 0, cancel=None, total_rows: int | None = None
) -> TokenLengths:
    """Token counts of (a sample of) ``texts``; empty and missing cells are left out.

    ``total_rows`` is the size of the column when ``texts`` is already a sample of it.
    """
    from ..errors import RunCancelled

    clean = [str(t) for t in texts if t is not None and not (isinstance(t, float) and t != t) and str(t).strip()]
    total = len(clean) if total_rows is None else total_rows
    if total > limit:
        clean = random.Random(seed).sample(clean, limit)
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "sequence longer than the model max" is what is being measured
    lengths: list[int] = []
    backend = _untruncated_backend(tokenizer)
    try:
        for start in range(0, len(clean), BATCH):
            if cancel is not None and cancel.cancelled:
                raise RunCancelled()
            batch = clean[start : start + BATCH]
            if backend is not None:
                # The Rust tokenizer alone (it releases the GIL while it works): the full call also builds
                # attention masks and Python lists for every token, GIL-bound work the window waited for.
                lengths += [len(encoding) for encoding in backend.encode_batch(batch, add_special_tokens=True)]
            else:
                encoded = tokenizer(batch, truncation=False)
                lengths += [len(ids) for ids in encoded["input_ids"]]
    finally:
        hf_logging.set_verbosity(verbosity)
    return TokenLengths(tuple(lengths), total)


def _untruncated_backend(tokenizer):
    """A fast tokenizer's Rust tokenizer set to cut nothing and pad nothing, or None for a slow tokenizer."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not hasattr(backend, "encode_batch"):
        return None
    backend.no_truncation()
    backend.no_padding()
    return backend


def histogram(lengths: TokenLengths, bins: int = 40) -> tuple[list[float], list[int]]:
    """Bin edges and counts for a histogram of the lengths (edges has one more item than counts)."""
    if not lengths.lengths:
        return [0.0, 1.0], [0]
    low, high = min(lengths.lengths), max(lengths.lengths)
    if high == low:
        return [low - 0.5, high + 0.5], [len(lengths.lengths)]
    width = max(1.0, (high - low) / bins)
    count = int((high - low) / width) + 1
    edges = [low + i * width for i in range(count + 1)]
    counts = [0] * count
    for n in lengths.lengths:
        counts[min(count - 1, int((n - low) / width))] += 1
    return edges, counts
