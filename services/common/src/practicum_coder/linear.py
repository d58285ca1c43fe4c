"""Linear classifiers as plain arrays: scored with numpy, fitted with scikit-learn.

Keeping the fitted model as (classes, coef, intercept, temperature) arrays lets the
runtime skip scikit-learn entirely and lets the artifact be a pickle-free ``.npz``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    # (n_classes, n_features); a binary model is stored with two rows (the first all zero)
    # so that scoring is the same softmax for every model.
    coef: np.ndarray
    intercept: np.ndarray
    # Logits are divided by this before the softmax; fitted on out-of-fold predictions so
    # that the probabilities (the coder's confidence) are calibrated.
    temperature: float = 1.0

    @cached_property
    def _coef_t(self) -> np.ndarray:
        # scipy's sparse @ dense flattens its dense operand in C order and converts it to
        # the sparse matrix's float64: given the float32, transposed coef it copied the
        # whole (n_features, n_classes) array on every call, most of the cost of coding one
        # utterance. Converted once here; float32 -> float64 is exact and the products are
        # summed in the same order, so the logits are bit-for-bit the same.
        return np.ascontiguousarray(self.coef.T, dtype=np.float64)

    def logits(self, x: sp.csr_matrix) -> np.ndarray:
        out: np.ndarray = np.asarray(x @ self._coef_t, dtype=np.float64) + self.intercept
        return out

    def proba(self, x: sp.csr_matrix) -> np.ndarray:
        return softmax(self.logits(x) / self.temperature)

    def with_temperature(self, temperature: float) -> LinearModel:
        return LinearModel(self.classes, self.coef, self.intercept, temperature)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def fit_logistic(
    x: sp.csr_matrix,
    y: Sequence[str],
    c: float,
    class_weight: str | None = "balanced",
    sample_weight: np.ndarray | None = None,
) -> LinearModel:
    """Multinomial L2 logistic regression (lbfgs: deterministic for the same input)."""
    from sklearn.linear_model import LogisticRegression  # training-time only dependency

    clf = LogisticRegression(C=c, max_iter=5000, class_weight=class_weight, tol=1e-6)
    clf.fit(x, np.asarray(y), sample_weight=sample_weight)
    classes = tuple(str(c) for c in clf.classes_)
    coef = np.asarray(clf.coef_, dtype=np.float64)
    intercept = np.asarray(clf.intercept_, dtype=np.float64)
    if len(classes) == 2:
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    return LinearModel(classes, coef.astype(np.float32), intercept)


def fit_temperature(logits: np.ndarray, y: Sequence[str], classes: Sequence[str]) -> float:
    """The temperature minimising the negative log-likelihood of out-of-fold logits.

    A one-parameter golden-section search on log T: enough for a convex 1-D problem and
    free of optimiser randomness.
    """
    index = {c: i for i, c in enumerate(classes)}
    rows = np.arange(len(y))
    cols = np.array([index[label] for label in y])

    def nll(log_t: float) -> float:
        p = softmax(logits / np.exp(log_t))
        return float(-np.log(np.clip(p[rows, cols], 1e-12, None)).mean())

    lo, hi = np.log(0.2), np.log(5.0)
    ratio = (np.sqrt(5.0) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(b)
    return float(np.exp((lo + hi) / 2))
