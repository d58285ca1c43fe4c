"""Session-level MI quality from the codes of a session's trainee turns.

The score is a transparent formula, not a learned weighting: the mean over trainee turns
of a per-code weight that follows MITI's logic (listening and MI-adherent behaviour count
for, telling and MI-non-adherent behaviour against)::

    reflection +1, affirm +1, question 0, other 0, seeking_collaboration 0,
    emphasizing_autonomy 0, giving_information -1, persuade_with_permission -1,
    persuade -2, confront -2

It is exactly ``reflection share + MI-adherent rate - therapist-input share - MI-non-
adherent rate`` (seeking collaboration and emphasizing autonomy are both MI-adherent and
AnnoMI input, so they net to 0). A two-parameter logistic maps the score to P(high); it is
monotone, so it changes calibration, never ranking (AUC).

Why a formula: the dev data has only 16 low-quality sessions, a fitted 10-feature model
over-fits them (grouped-CV AUC 0.80-0.88 on predicted codes), and a supervisor can read
and challenge a formula. The summary figures (R:Q, %CR, % open...) are still computed
and returned for reports. Session length is deliberately not used: low-quality AnnoMI
demonstrations are shorter, which says nothing about a trainee's skill.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .vocab import (
    AFFIRM,
    CLIENT_TALK_TYPES,
    COMPLEX,
    CONFRONT,
    EMPHASIZING_AUTONOMY,
    FINE_TO_ANNOMI,
    GIVING_INFORMATION,
    MI_ADHERENT,
    MI_NON_ADHERENT,
    OPEN,
    OTHER,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    QUESTION,
    REFLECTION,
    SEEKING_COLLABORATION,
)

SESSION_FEATURES: tuple[str, ...] = (
    "reflection_share",
    "question_share",
    "input_share",
    "other_share",
    "log_reflection_to_question",
    "complex_reflection_share",
    "open_question_share",
    "mi_adherent_rate",
    "mi_non_adherent_rate",
    "persuade_rate",
)


class CodeLike(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def subcode(self) -> str: ...


def session_features(turns: Iterable[CodeLike]) -> dict[str, float]:
    """MITI-style summary features of the trainee turns (client talk-type codes are skipped).

    Shares that have no denominator (no reflections, no questions) take a neutral 0.5 so a
    short session is not scored as if it had failed at something it never attempted.
    """
    codes = [(t.code, t.subcode) for t in turns if t.code not in CLIENT_TALK_TYPES]
    n = len(codes)
    if n == 0:
        neutral = {"complex_reflection_share", "open_question_share"}
        return {name: 0.5 if name in neutral else 0.0 for name in SESSION_FEATURES}
    classes = [FINE_TO_ANNOMI[c] for c, _ in codes]
    reflections = [s for c, s in codes if c == REFLECTION]
    questions = [s for c, s in codes if c == QUESTION]
    complex_share = sum(s == COMPLEX for s in reflections) / len(reflections) if reflections else 0.5
    open_share = sum(s == OPEN for s in questions) / len(questions) if questions else 0.5
    return {
        "reflection_share": classes.count("reflection") / n,
        "question_share": classes.count("question") / n,
        "input_share": classes.count("therapist_input") / n,
        "other_share": classes.count("other") / n,
        # +1 smoothing: a session with 3 reflections and no question is good, not infinite.
        "log_reflection_to_question": math.log((len(reflections) + 1) / (len(questions) + 1)),
        "complex_reflection_share": complex_share,
        "open_question_share": open_share,
        "mi_adherent_rate": sum(c in MI_ADHERENT for c, _ in codes) / n,
        "mi_non_adherent_rate": sum(c in MI_NON_ADHERENT for c, _ in codes) / n,
        "persuade_rate": sum(c == PERSUADE for c, _ in codes) / n,
    }


# Weight of each trainee code in the MI score (see the module docstring).
CODE_WEIGHTS: Mapping[str, float] = {
    REFLECTION: 1.0,
    AFFIRM: 1.0,
    QUESTION: 0.0,
    OTHER: 0.0,
    SEEKING_COLLABORATION: 0.0,
    EMPHASIZING_AUTONOMY: 0.0,
    GIVING_INFORMATION: -1.0,
    PERSUADE_WITH_PERMISSION: -1.0,
    PERSUADE: -2.0,
    CONFRONT: -2.0,
}


def mi_score(turns: Iterable[CodeLike]) -> float:
    """Mean code weight over trainee turns, in [-2, 1]; 0 for a session without trainee turns."""
    weights = [CODE_WEIGHTS[t.code] for t in turns if t.code not in CLIENT_TALK_TYPES]
    return sum(weights) / len(weights) if weights else 0.0


@dataclass(frozen=True)
class SessionQuality:
    probability_high: float
    label: str  # "high" or "low"
    mi_score: float
    # MITI summary figures of the session, for reports (not inputs of the score).
    features: Mapping[str, float]


@dataclass(frozen=True)
class SessionModel:
    """Logistic calibration of the MI score: P(high) = sigmoid(slope * score + intercept)."""

    slope: float
    intercept: float

    def probability_high(self, score: float) -> float:
        z = self.slope * score + self.intercept
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def score(self, turns: Iterable[CodeLike]) -> SessionQuality:
        turns = list(turns)
        score = mi_score(turns)
        p = self.probability_high(score)
        return SessionQuality(p, "high" if p >= 0.5 else "low", score, session_features(turns))


def fit_session_model(scores: Sequence[float], labels: Sequence[str], c: float = 1.0) -> SessionModel:
    """Fit the calibration on MI scores of expert-coded transcripts (balanced classes:
    low-quality demonstrations are a minority, 16 of 93 in the dev data)."""
    from sklearn.linear_model import LogisticRegression  # training-time only

    x = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
    y = np.array([1 if label == "high" else 0 for label in labels])
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, tol=1e-8)
    clf.fit(x, y)
    return SessionModel(float(clf.coef_[0][0]), float(clf.intercept_[0]))
