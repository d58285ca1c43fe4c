"""Practicum's MI turn coder: MITI-4-derived behaviour codes for trainee turns, talk types
for client turns, and a session-level MI quality score.

    from practicum_coder import load_coder, CoderInput
    coder = load_coder()
    turn = coder.code("So you're worried about your drinking.", "trainee", "I drink too much.")
    turn.code, turn.subcode, turn.confidence   # ("reflection", "simple", 0.7...)

Only numpy and scipy are needed at run time; scikit-learn only to train (extra ``[coder]``).
See MODEL_CARD.md for what the codes are validated against and what they are not.
"""

from __future__ import annotations

from collections.abc import Iterable

from .coder import CODER_RELEASE, CodedTurn, Coder, CoderInput, load_coder
from .session import CODE_WEIGHTS, SESSION_FEATURES, CodeLike, SessionQuality, mi_score, session_features
from .vocab import (
    AFFIRM,
    ANNOMI_THERAPIST_CLASSES,
    CLIENT_TALK_TYPES,
    CLOSED,
    COMPLEX,
    CONFRONT,
    EMPHASIZING_AUTONOMY,
    FINE_TO_ANNOMI,
    GIVING_INFORMATION,
    MI_ADHERENT,
    MI_NON_ADHERENT,
    NOT_YET_VALIDATED_CODES,
    OPEN,
    OTHER,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    QUESTION,
    QUESTION_SUBCODES,
    REFLECTION,
    REFLECTION_SUBCODES,
    SEEKING_COLLABORATION,
    SIMPLE,
    TRAINEE_CODES,
)


def score_session(turns: Iterable[CodeLike], coder: Coder | None = None) -> SessionQuality:
    """MI quality of a session from its coded turns (``CodedTurn`` or anything with
    ``code`` and ``subcode``); client turns in the list are ignored."""
    return (coder or load_coder()).score_session(turns)


__all__ = [
    "AFFIRM",
    "ANNOMI_THERAPIST_CLASSES",
    "CLIENT_TALK_TYPES",
    "CLOSED",
    "CODER_RELEASE",
    "CODE_WEIGHTS",
    "COMPLEX",
    "CONFRONT",
    "EMPHASIZING_AUTONOMY",
    "FINE_TO_ANNOMI",
    "GIVING_INFORMATION",
    "MI_ADHERENT",
    "MI_NON_ADHERENT",
    "NOT_YET_VALIDATED_CODES",
    "OPEN",
    "OTHER",
    "PERSUADE",
    "PERSUADE_WITH_PERMISSION",
    "QUESTION",
    "QUESTION_SUBCODES",
    "REFLECTION",
    "REFLECTION_SUBCODES",
    "SEEKING_COLLABORATION",
    "SESSION_FEATURES",
    "SIMPLE",
    "TRAINEE_CODES",
    "CodeLike",
    "CodedTurn",
    "Coder",
    "CoderInput",
    "SessionQuality",
    "load_coder",
    "mi_score",
    "score_session",
    "session_features",
]
