"""Agreement metrics (numpy only, so ``eval`` needs no scikit-learn).

Per-class precision/recall/F1, macro-F1, Cohen's kappa, ROC AUC and expected calibration
error, with the conventions scikit-learn uses (0 where a ratio is undefined) so numbers
are comparable with published baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class TaskReport:
    task: str
    n: int
    macro_f1: float
    kappa: float
    accuracy: float
    per_class: dict[str, ClassScores] = field(default_factory=dict)
    ece: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "task": self.task,
            "n": self.n,
            "macro_f1": round(self.macro_f1, 4),
            "kappa": round(self.kappa, 4),
            "accuracy": round(self.accuracy, 4),
            "ece": None if self.ece is None else round(self.ece, 4),
            "per_class": {
                label: {
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                    "support": s.support,
                }
                for label, s in self.per_class.items()
            },
        }


def task_report(
    task: str,
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    confidence: Sequence[float] | None = None,
) -> TaskReport:
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    g = np.asarray(gold, dtype=object)
    p = np.asarray(pred, dtype=object)
    per_class: dict[str, ClassScores] = {}
    for label in labels:
        tp = int(np.sum((g == label) & (p == label)))
        fp = int(np.sum((g != label) & (p == label)))
        fn = int(np.sum((g == label) & (p != label)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = ClassScores(precision, recall, f1, tp + fn)
    present = [label for label in labels if per_class[label].support > 0 or np.any(p == label)]
    macro = float(np.mean([per_class[label].f1 for label in present])) if present else 0.0
    ece = None
    if confidence is not None and len(g):
        ece = expected_calibration_error(np.asarray(confidence, dtype=np.float64), g == p)
    return TaskReport(
        task, len(g), macro, cohen_kappa(g, p, labels), float(np.mean(g == p)) if len(g) else 0.0, per_class, ece
    )


def cohen_kappa(gold: Sequence[str] | np.ndarray, pred: Sequence[str] | np.ndarray, labels: Sequence[str]) -> float:
    g = np.asarray(gold, dtype=object)
    p = np.asarray(pred, dtype=object)
    n = len(g)
    if n == 0:
        return 0.0
    observed = float(np.mean(g == p))
    expected = sum(float(np.mean(g == label)) * float(np.mean(p == label)) for label in labels)
    return (observed - expected) / (1.0 - expected) if expected < 1.0 else 0.0


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """P(score of a random positive > score of a random negative), ties counting half."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(float(correct[mask].mean()) - float(confidence[mask].mean()))
    return total / len(confidence)
