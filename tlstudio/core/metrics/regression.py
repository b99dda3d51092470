"""Regression metrics, with what always predicting the training mean would score beside them."""

from __future__ import annotations

import math


def headline(y_true, y_pred) -> dict[str, float]:
    import numpy as np

    truth, predicted = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    error = predicted - truth
    return {"mse": float(np.mean(error**2)), "mae": float(np.mean(np.abs(error)))}


def r2(y_true, y_pred) -> float:
    """R² (scikit-learn's r2_score); 0.0 where the targets do not vary, NaN where a prediction is not finite."""
    import numpy as np
    from sklearn.metrics import r2_score

    truth, predicted = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if truth.size == 0 or not np.var(truth) > 0:
        return 0.0  # nothing to explain: undefined, reported as no better than the mean
    if not np.isfinite(predicted).all():
        return float("nan")  # a diverged model; r2_score refuses non-finite input
    return float(r2_score(truth, predicted))


def full_report(y_true, y_pred, train_mean: float) -> dict:
    import numpy as np
    from scipy.stats import pearsonr, spearmanr

    truth, predicted = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    report = headline(truth, predicted)
    report["rmse"] = math.sqrt(report["mse"])
    report["r2"] = r2(truth, predicted)
    constant = len(truth) < 2 or np.ptp(truth) == 0 or np.ptp(predicted) == 0
    # Correlation is undefined when either side is constant (a model that learned nothing).
    report["pearson"] = 0.0 if constant else float(pearsonr(truth, predicted)[0])
    report["spearman"] = 0.0 if constant else float(spearmanr(truth, predicted)[0])
    report["mean_baseline_mse"] = float(np.mean((truth - train_mean) ** 2))
    report["mean_baseline_mae"] = float(np.mean(np.abs(truth - train_mean)))
    report["target_mean"] = float(np.mean(truth)) if len(truth) else 0.0
    report["target_std"] = float(np.std(truth)) if len(truth) else 0.0
    return report


def barely_beats_mean(report: dict) -> str | None:
    if report["mse"] >= 0.9 * report["mean_baseline_mse"]:
        return (
            f"the model barely beats always predicting the training mean (MSE {report['mse']:.4g} vs "
            f"{report['mean_baseline_mse']:.4g}). Train longer, add rows, or check the targets."
        )
    return None
