"""Thinning long curves for drawing: every pixel column keeps its lowest and highest point."""

from __future__ import annotations

import numpy as np

from tlstudio.ui.widgets.decimate import peak_decimate, visible_slice


def test_each_bucket_keeps_exactly_its_minimum_and_maximum():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.uniform(0.1, 2.0, 50_000))  # ascending, unevenly spaced
    y = rng.normal(0, 1, len(x))
    y[31_337] = 40.0  # a single spike must survive
    buckets = 500
    out_x, out_y = peak_decimate(x, y, buckets)
    assert len(out_x) == len(out_y) <= 2 * buckets
    assert 40.0 in out_y and y.min() in out_y
    edges = np.linspace(x[0], x[-1], buckets + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, buckets - 1)
    expected = [(y[which == b].min(), y[which == b].max()) for b in range(buckets) if (which == b).any()]
    pairs = [tuple(sorted(out_y[i : i + 2])) for i in range(0, len(out_y), 2)]
    assert pairs == expected
    assert out_x[0] == x[0] and out_x[-1] == x[-1] and np.all(np.diff(out_x) >= 0)


def test_a_falling_bucket_draws_its_high_point_first_and_a_rising_one_its_low_point_first():
    x = np.arange(100, dtype=np.float64)
    y = np.concatenate([np.linspace(1, 0, 50), np.linspace(0, 1, 50)])
    _, out_y = peak_decimate(x, y, 2)
    assert out_y.tolist() == [1.0, 0.0, 0.0, 1.0]


def test_short_curves_come_back_unchanged_and_gaps_stay_gaps():
    x = np.arange(10, dtype=np.float64)
    y = np.linspace(0, 1, 10)
    same_x, same_y = peak_decimate(x, y, 5)
    assert same_x is x and same_y is y
    x = np.arange(1000, dtype=np.float64)
    y = np.ones(1000)
    y[500:600] = np.nan  # a missing stretch: a whole bucket of NaN
    y[10] = np.nan  # one missing value among numbers is simply skipped
    out_x, out_y = peak_decimate(x, y, 10)
    assert np.isnan(out_y[10:12]).all() and np.isfinite(np.delete(out_y, [10, 11])).all()


def test_unordered_x_is_thinned_in_equal_runs_of_points():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 10_000)
    y = rng.normal(0, 1, 10_000)
    _, out_y = peak_decimate(x, y, 100)
    runs = y.reshape(100, 100)
    pairs = [tuple(sorted(out_y[i : i + 2])) for i in range(0, len(out_y), 2)]
    assert pairs == list(zip(runs.min(axis=1), runs.max(axis=1)))


def test_the_visible_slice_reaches_one_point_past_each_edge():
    x = np.arange(0, 100, dtype=np.float64)
    part = visible_slice(x, 10.5, 20.5)
    assert (x[part][0], x[part][-1]) == (10.0, 21.0)
    assert visible_slice(x, -5, 500) == slice(0, 100)
