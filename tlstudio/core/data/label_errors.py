"""Likely label errors in a text column and a label column, as ``tlstudio health`` and the Label page look for them.

label_noise.py finds them among clean (text, label) pairs; this picks those pairs out of a table's columns
(skipping unlabelled rows and empty texts) and maps each candidate back to its row, so that both front ends
skip the same rows and number them the same way.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from .label_noise import NoiseCandidate, find_label_errors
from .labels import normalize_label


def label_errors_in_columns(
    texts: Sequence, labels: Sequence, *, limit: int = 500, cancel=None
) -> list[NoiseCandidate]:
    """Candidates most suspicious first; each one's ``position`` is its row's 0-based index in the columns."""
    positions, kept_texts, kept_labels = [], [], []
    for position, (text, label) in enumerate(zip(texts, labels)):
        try:
            label = normalize_label(label)
        except TypeError:  # a cell that is not one label (a list, binary that is not text): nothing to check
            continue
        if label is not None and text is not None and str(text).strip():
            positions.append(position)
            kept_texts.append(str(text))
            kept_labels.append(label)
    found = find_label_errors(kept_texts, kept_labels, cancel=cancel, limit=limit)
    return [dataclasses.replace(c, position=positions[c.position]) for c in found]
