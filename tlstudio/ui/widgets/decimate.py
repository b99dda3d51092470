"""Thinning a long curve to what a chart can show: the lowest and highest point of each pixel column.

A loss curve of 100,000 steps drawn 1,000 pixels wide puts 100 points in each
pixel column; drawing all of them (or letting pyqtgraph thin them on every
repaint, in Python) took 40-230 ms per redraw.  Keeping each column's minimum
and maximum draws the same picture (every spike stays visible) from at most two
points per pixel, computed here with a few numpy passes.  Qt-free, numpy only.
"""

from __future__ import annotations

import numpy as np


def peak_decimate(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` thinned to at most two points per bucket: the bucket's lowest and highest y.

    Buckets are equal slices of the x range when x is ascending (a training curve), else equal runs of
    points.  Within a bucket the two points keep the curve's direction (falling: the high point first)
    and sit at the bucket's first and last x, so the curve still spans the data's whole x range.  NaN
    values are ignored, and a bucket holding only NaN stays a gap.  Short inputs come back unchanged.
    """
    count = len(x)
    if count <= 2 * buckets:
        return x, y
    if count > 1 and bool(np.all(x[1:] >= x[:-1])):
        edges = np.linspace(x[0], x[-1], buckets + 1)[:-1]
        starts = np.searchsorted(x, edges, side="left")
    else:
        starts = np.linspace(0, count, buckets + 1)[:-1].astype(np.intp)
    starts = np.unique(starts)  # buckets that hold no point fall away
    ends = np.append(starts[1:], count) - 1  # each bucket's last point
    with np.errstate(invalid="ignore"):
        lows = np.fmin.reduceat(y, starts)
        highs = np.fmax.reduceat(y, starts)
        falling = y[starts] > y[ends]
    out_x = np.empty(2 * len(starts), dtype=np.float64)
    out_y = np.empty(2 * len(starts), dtype=np.float64)
    out_x[0::2], out_x[1::2] = x[starts], x[ends]
    out_y[0::2] = np.where(falling, highs, lows)
    out_y[1::2] = np.where(falling, lows, highs)
    return out_x, out_y


def visible_slice(x: np.ndarray, low: float, high: float) -> slice:
    """The points of an ascending ``x`` inside [low, high], plus one on each side so lines reach the edges."""
    start = max(int(np.searchsorted(x, low, side="left")) - 1, 0)
    stop = min(int(np.searchsorted(x, high, side="right")) + 1, len(x))
    return slice(start, stop)
