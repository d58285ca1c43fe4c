"""The behaviour-code vocabulary every service shares (MITI-4-derived, plus client talk types).

The turn coder produces these strings, the grading service reports on them, the
simulation's client-state model reacts to them and analytics counts them.
"""

from __future__ import annotations

QUESTION = "question"
REFLECTION = "reflection"
GIVING_INFORMATION = "giving_information"
AFFIRM = "affirm"
SEEKING_COLLABORATION = "seeking_collaboration"
EMPHASIZING_AUTONOMY = "emphasizing_autonomy"
PERSUADE = "persuade"
PERSUADE_WITH_PERMISSION = "persuade_with_permission"
CONFRONT = "confront"
OTHER = "other"

TRAINEE_CODES: tuple[str, ...] = (
    QUESTION,
    REFLECTION,
    GIVING_INFORMATION,
    AFFIRM,
    SEEKING_COLLABORATION,
    EMPHASIZING_AUTONOMY,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    CONFRONT,
    OTHER,
)

OPEN, CLOSED = "open", "closed"
SIMPLE, COMPLEX = "simple", "complex"

# MI-adherent and MI-non-adherent behaviours (MITI 4 summary scores).
MI_ADHERENT: frozenset[str] = frozenset({AFFIRM, SEEKING_COLLABORATION, EMPHASIZING_AUTONOMY})
MI_NON_ADHERENT: frozenset[str] = frozenset({PERSUADE, CONFRONT})

CHANGE, NEUTRAL, SUSTAIN = "change", "neutral", "sustain"
CLIENT_TALK_TYPES: tuple[str, ...] = (CHANGE, NEUTRAL, SUSTAIN)
