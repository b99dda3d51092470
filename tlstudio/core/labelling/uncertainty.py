"""How unsure a model is about each row, and the order to label rows in.

Uncertainty sampling: the rows a model is least sure about are the ones
whose labels teach it the most.  Two measures, both in [0, 1] where 1 is
"no idea":

- ``entropy``: the spread of the whole probability vector, divided by
  ``log(k)`` so it reads the same for 2 or 20 classes;
- ``margin``: one minus the gap between the two likeliest classes, which
  looks only at the decision the model is about to make.
"""

from __future__ import annotations

from typing import Sequence

METHODS = ("entropy", "margin")


def uncertainty(probabilities, method: str = "entropy"):
    """One score per row of an ``(n, k)`` probability array; higher is less certain."""
    import numpy as np

    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise ValueError("uncertainty needs an (n, k) array of class probabilities with k >= 2")
    if method == "entropy":
        clipped = np.clip(probs, 1e-12, 1.0)
        return -(probs * np.log(clipped)).sum(axis=1) / np.log(probs.shape[1])
    if method == "margin":
        top2 = np.sort(probs, axis=1)[:, -2:]
        return 1.0 - (top2[:, 1] - top2[:, 0])
    raise ValueError(f"unknown uncertainty method {method!r}; use one of {', '.join(METHODS)}")


def label_next_order(rows: Sequence[int], scores) -> list[int]:
    """``rows`` from the most to the least uncertain; equal scores keep file order (a stable queue)."""
    paired = sorted(zip(rows, (float(s) for s in scores)), key=lambda item: (-item[1], item[0]))
    return [row for row, _ in paired]
