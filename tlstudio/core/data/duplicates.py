"""Exact and near-duplicate texts, and texts shared by the training and validation splits.

Exact duplicates compare texts after folding case and whitespace (so
"Great film!" and "great  film!" are one text).  Near duplicates are pairs
whose word 3-gram sets overlap by at least ``threshold`` (Jaccard), found
with MinHash signatures and locality-sensitive hashing so a corpus of
100,000 texts needs no all-pairs comparison; every candidate pair is then
checked exactly, so no pair is reported below the threshold.

Leakage is the same search restricted to pairs across the two splits: a
validation text that (nearly) appears in training makes the validation score
look better than the model is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

NEAR_THRESHOLD = 0.8
_PERMUTATIONS = 64
_BANDS = 16  # 16 bands of 4 rows: pairs above ~0.6 Jaccard almost always share a band
MAX_WORDS = 2_000  # long documents are compared on their first 2,000 words
# ASCII punctuation splits words like white space does ("effective." is "effective").
_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})
MAX_PAIRS = 50_000


def normalize_text(text) -> str:
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return " ".join(str(text).casefold().split())


@dataclass(frozen=True)
class DuplicateReport:
    exact_groups: list[list[int]]  # positions sharing one normalised text (groups of 2+), largest first
    near_pairs: list[tuple[int, int, float]]  # (i, j, jaccard) of texts that are similar but not identical

    @property
    def exact_extra(self) -> int:
        """Rows that repeat an earlier text (a group of 3 counts 2)."""
        return sum(len(g) - 1 for g in self.exact_groups)


def find_duplicates(texts: Sequence, *, near: bool = True, threshold: float = NEAR_THRESHOLD) -> DuplicateReport:
    normalized = [normalize_text(t) for t in texts]
    groups: dict[str, list[int]] = defaultdict(list)
    for position, text in enumerate(normalized):
        if text:
            groups[text].append(position)
    exact = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))
    pairs = []
    if near:
        representatives = [g[0] for g in groups.values()]  # one per distinct text: exact copies are not "near"
        found = near_pairs([normalized[i] for i in representatives], threshold)
        pairs = [(representatives[a], representatives[b], score) for a, b, score in found]
    return DuplicateReport(exact, pairs)


def near_pairs(texts: Sequence[str], threshold: float = NEAR_THRESHOLD) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, jaccard)`` with ``i < j`` of (normalised) texts at least ``threshold`` similar."""
    import numpy as np

    with np.errstate(over="ignore"):
        shingles = _all_shingles(texts)
    candidates = _candidates(shingles)
    found = []
    for i, j in sorted(candidates):
        a, b = shingles[i], shingles[j]
        if not len(a) or not len(b):
            continue
        score = _jaccard(a, b)
        if score >= threshold:
            found.append((i, j, score))
            if len(found) >= MAX_PAIRS:
                break
    return sorted(found, key=lambda p: (-p[2], p[0], p[1]))


@dataclass(frozen=True)
class Leakage:
    exact: list[tuple[int, int]]  # (train position, eval position) with the same normalised text
    near: list[tuple[int, int, float]]  # (train position, eval position, jaccard)

    @property
    def eval_rows_leaked(self) -> int:
        return len({e for _, e in self.exact} | {e for _, e, _ in self.near})


def find_leakage(
    train_texts: Sequence, eval_texts: Sequence, *, near: bool = True, threshold: float = NEAR_THRESHOLD
) -> Leakage:
    """Validation texts that also appear, exactly or nearly, among the training texts."""
    train_norm = [normalize_text(t) for t in train_texts]
    eval_norm = [normalize_text(t) for t in eval_texts]
    first_in_train: dict[str, int] = {}
    for position, text in enumerate(train_norm):
        if text:
            first_in_train.setdefault(text, position)
    exact = [(first_in_train[t], e) for e, t in enumerate(eval_norm) if t and t in first_in_train]
    close: list[tuple[int, int, float]] = []
    if near:
        exact_eval = {e for _, e in exact}
        train_unique = list(first_in_train.items())
        eval_left = [(e, t) for e, t in enumerate(eval_norm) if t and e not in exact_eval]
        combined = [t for t, _ in train_unique] + [t for _, t in eval_left]
        split = len(train_unique)
        best: dict[int, tuple[int, float]] = {}
        for i, j, score in near_pairs(combined, threshold):
            if i < split <= j:  # one from each split
                e = eval_left[j - split][0]
                if e not in best or score > best[e][1]:
                    best[e] = (train_unique[i][1], score)
        close = sorted(((t, e, s) for e, (t, s) in best.items()), key=lambda p: (-p[2], p[1]))
    return Leakage(exact, close)


def _all_shingles(texts: Sequence[str]) -> list:
    """Per text, the sorted distinct hashes of its word 3-grams (of its first MAX_WORDS words)."""
    import numpy as np
    import pandas as pd

    words = [t.translate(_PUNCTUATION).split()[:MAX_WORDS] for t in texts]
    ids, _ = pd.factorize(pd.Series([w for ws in words for w in ws], dtype=object))  # one C pass, no Python dict
    ids = ids.astype(np.uint64) + np.uint64(1)
    result, start = [], 0
    for ws in words:
        doc = ids[start : start + len(ws)]
        start += len(ws)
        if len(doc) >= 3:
            grams = doc[:-2] * np.uint64(0x9E3779B97F4A7C15) + doc[1:-1] * np.uint64(0xC2B2AE3D27D4EB4F) + doc[2:]
        elif len(doc) == 2:
            grams = doc[:1] * np.uint64(0x9E3779B97F4A7C15) + doc[1:]
        else:
            grams = doc
        result.append(np.unique(grams))
    return result


def _jaccard(a, b) -> float:
    import numpy as np

    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)


def _candidates(shingles: list) -> set[tuple[int, int]]:
    import numpy as np

    rng = np.random.default_rng(12345)
    # Multiply-shift hashing: (a*x + b) mod 2^64, top 32 bits; numpy's uint64 arithmetic wraps as needed.
    a = rng.integers(1, 1 << 63, _PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 1 << 63, _PERMUTATIONS, dtype=np.uint64)
    rows = _PERMUTATIONS // _BANDS
    buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(_BANDS)]
    with np.errstate(over="ignore"):
        for index, values in enumerate(shingles):
            if not len(values):
                continue
            signature = ((np.outer(a, values) + b[:, None]) >> np.uint64(32)).min(axis=1)
            for band in range(_BANDS):
                buckets[band][signature[band * rows : (band + 1) * rows].tobytes()].append(index)
    pairs: set[tuple[int, int]] = set()
    for band in buckets:
        for members in band.values():
            if 1 < len(members) <= 200:  # a huge bucket is boilerplate; its exact copies are found elsewhere
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        pairs.add((members[x], members[y]))
    return pairs
