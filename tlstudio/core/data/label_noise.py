"""Likely label errors: rows whose given label a model trained without them contradicts.

Every labelled row is scored by a model that never saw it: the rows are
split into ``folds`` parts and each part is predicted by a model trained on
the others (out-of-fold predictions).  A row is a candidate when the
probability of its given label is below what that class usually gets
(the class's mean self-confidence, as in confident learning) and another
class is at least as confident as *its* rows usually are, or beats the given
class by a clear margin.  Candidates are
listed most suspicious first, for a person to review: many are real errors,
some are just hard rows.

The model is a word and word-pair logistic regression: seconds to a minute on
a CPU for tens of thousands of rows, and independent of the network being
trained (a different view of the data catches different mistakes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..errors import DataError

FOLDS = 5
CLEAR_MARGIN = 0.25
MAX_FEATURES = 30_000
MAX_CHARS = 3_000  # a long article's opening says enough about its class


@dataclass(frozen=True)
class NoiseCandidate:
    position: int  # index into the texts given
    given: str
    suggested: str
    given_probability: float
    suggested_probability: float

    @property
    def strength(self) -> float:
        return self.suggested_probability - self.given_probability


def out_of_fold_probabilities(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = FOLDS, seed: int = 0, cancel=None
):
    """``(probabilities (n, k), class names)``, each row predicted by a model that did not train on it."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.model_selection import StratifiedKFold

    from ..errors import RunCancelled

    names = sorted(set(labels))
    if len(names) < 2:
        raise DataError("label errors can only be looked for with at least two classes.")
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in labels])
    smallest = int(np.bincount(y).min())
    folds = max(2, min(folds, smallest))
    if smallest < 2:
        raise DataError(
            "every class needs at least two labelled rows to look for label errors.",
            "Label more rows of the rarest classes first.",
        )
    # The vocabulary and IDF weights use no labels, so fitting them once on every text leaks nothing.
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, max_features=MAX_FEATURES)
    try:
        features = vectorizer.fit_transform([str(t)[:MAX_CHARS] for t in texts]).tocsr()
    except ValueError:  # too few words for min_df=2
        features = TfidfVectorizer(sublinear_tf=True).fit_transform([str(t)[:MAX_CHARS] for t in texts]).tocsr()
    probabilities = np.zeros((len(texts), len(names)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        if cancel is not None and cancel.cancelled:
            raise RunCancelled()
        # liblinear is an order of magnitude faster than lbfgs on sparse text features; one-vs-rest
        # gives it more than two classes.
        model = LogisticRegression(C=4.0, solver="liblinear")
        if len(names) > 2:
            model = OneVsRestClassifier(model)
        model.fit(features[train], y[train])
        fold_probs = np.zeros((len(test), len(names)))
        fold_probs[:, model.classes_] = model.predict_proba(features[test])  # a class absent from a fold stays 0
        probabilities[test] = fold_probs
    return probabilities, names


def find_label_errors(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = FOLDS, seed: int = 0, limit: int = 500, cancel=None
) -> list[NoiseCandidate]:
    probabilities, names = out_of_fold_probabilities(texts, labels, folds=folds, seed=seed, cancel=cancel)
    return candidates_from_probabilities(probabilities, labels, names, limit=limit)


def candidates_from_probabilities(
    probabilities, labels: Sequence[str], names: list[str], *, limit: int = 500
) -> list[NoiseCandidate]:
    """Confident-learning candidates from out-of-fold ``probabilities`` (rows in the order of ``labels``)."""
    import numpy as np

    probs = np.asarray(probabilities, dtype=float)
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in labels])
    # Each class's threshold: how confident the model usually is about rows given that class.
    thresholds = np.array([probs[y == k, k].mean() if (y == k).any() else 1.0 for k in range(len(names))])
    found = []
    for position in range(len(y)):
        given = y[position]
        row = probs[position]
        # Another class beats what its own rows usually get, or simply wins by a clear margin (a weak
        # model's probabilities are modest everywhere, so its thresholds alone would flag nothing).
        confident = [
            k
            for k in range(len(names))
            if k != given and (row[k] >= thresholds[k] or row[k] - row[given] >= CLEAR_MARGIN)
        ]
        if row[given] >= thresholds[given] or not confident:
            continue
        best = max(confident, key=lambda k: row[k])
        if row[best] <= row[given]:
            continue
        found.append(NoiseCandidate(position, names[given], names[best], float(row[given]), float(row[best])))
    found.sort(key=lambda c: (-c.strength, c.position))
    return found[:limit]
