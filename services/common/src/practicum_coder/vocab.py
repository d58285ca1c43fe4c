"""Code vocabulary of the turn coder and how its fine MITI codes fold back into AnnoMI's classes.

The code strings themselves live in ``practicum_common.codes`` (every service shares them);
this module re-exports them and adds what only the coder needs: AnnoMI's label sets and the
fine-code -> AnnoMI mapping used for evaluation.

Where each fine code falls in AnnoMI (checked on the dev data, see MODEL_CARD.md):

* ``question`` -> question, ``reflection`` -> reflection.
* ``giving_information``, ``persuade``, ``persuade_with_permission`` -> therapist_input
  (AnnoMI's information / advice subtypes).
* ``seeking_collaboration``, ``emphasizing_autonomy`` -> therapist_input (AnnoMI's
  negotiation / options subtypes are where power-sharing statements land).
* ``affirm`` -> other: AnnoMI has no affirmation label; its annotators put short praise
  ("Good for you", "That's great") under "other", the class for everything that is not a
  question, reflection or input.
* ``confront`` -> therapist_input: confrontations in the low-quality demonstrations are
  mostly statements of the clinician's own view (warnings, corrections), which AnnoMI
  annotates as therapist input.
* ``other`` -> other.

The heuristics that assign the MITI-only codes refine inside the AnnoMI class the model
predicted, or move the turn to the class the fine code folds into (the two overrides; see
``heuristics.py``), so ``FINE_TO_ANNOMI[turn.code] == turn.annomi_class`` for every trainee
turn, with one named exception: the MITI recodes (``coder.MITI_RECODE_RULES``: a question
asking permission is seeking collaboration, a statement handing over the choice is
emphasizing autonomy) keep the model's class, because AnnoMI's annotators label those turns
question and reflection.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from practicum_common.codes import (
    AFFIRM,
    CHANGE,
    CLIENT_TALK_TYPES,
    CLOSED,
    COMPLEX,
    CONFRONT,
    EMPHASIZING_AUTONOMY,
    GIVING_INFORMATION,
    MI_ADHERENT,
    MI_NON_ADHERENT,
    NEUTRAL,
    OPEN,
    OTHER,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    QUESTION,
    REFLECTION,
    SEEKING_COLLABORATION,
    SIMPLE,
    SUSTAIN,
    TRAINEE_CODES,
)

__all__ = [
    "AFFIRM",
    "ANNOMI_OTHER",
    "ANNOMI_QUESTION",
    "ANNOMI_REFLECTION",
    "ANNOMI_THERAPIST_CLASSES",
    "ANNOMI_THERAPIST_INPUT",
    "CHANGE",
    "CLIENT_TALK_TYPES",
    "CLOSED",
    "COMPLEX",
    "CONFRONT",
    "EMPHASIZING_AUTONOMY",
    "FINE_TO_ANNOMI",
    "GIVING_INFORMATION",
    "MI_ADHERENT",
    "MI_NON_ADHERENT",
    "NEUTRAL",
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
    "SIMPLE",
    "SPEAKER_CLIENT",
    "SPEAKER_TRAINEE",
    "SUSTAIN",
    "THERAPIST_INPUT_SUBTYPES",
    "TRAINEE_CODES",
    "normalise_speaker",
]

ANNOMI_QUESTION = "question"
ANNOMI_REFLECTION = "reflection"
ANNOMI_THERAPIST_INPUT = "therapist_input"
ANNOMI_OTHER = "other"
ANNOMI_THERAPIST_CLASSES: tuple[str, ...] = (
    ANNOMI_QUESTION,
    ANNOMI_REFLECTION,
    ANNOMI_THERAPIST_INPUT,
    ANNOMI_OTHER,
)

QUESTION_SUBCODES: tuple[str, ...] = (OPEN, CLOSED)
REFLECTION_SUBCODES: tuple[str, ...] = (SIMPLE, COMPLEX)
# AnnoMI's therapist-input subtypes; the coder predicts them to pick the fine input code.
THERAPIST_INPUT_SUBTYPES: tuple[str, ...] = ("information", "advice", "negotiation", "options")

FINE_TO_ANNOMI: Mapping[str, str] = MappingProxyType(
    {
        QUESTION: ANNOMI_QUESTION,
        REFLECTION: ANNOMI_REFLECTION,
        GIVING_INFORMATION: ANNOMI_THERAPIST_INPUT,
        PERSUADE: ANNOMI_THERAPIST_INPUT,
        PERSUADE_WITH_PERMISSION: ANNOMI_THERAPIST_INPUT,
        SEEKING_COLLABORATION: ANNOMI_THERAPIST_INPUT,
        EMPHASIZING_AUTONOMY: ANNOMI_THERAPIST_INPUT,
        CONFRONT: ANNOMI_THERAPIST_INPUT,
        AFFIRM: ANNOMI_OTHER,
        OTHER: ANNOMI_OTHER,
        # Client talk types map to themselves so one lookup serves both speakers.
        CHANGE: CHANGE,
        NEUTRAL: NEUTRAL,
        SUSTAIN: SUSTAIN,
    }
)

# Codes AnnoMI cannot check: they come from transparent heuristics, not from a model
# validated against expert labels. Reports should say so next to them.
NOT_YET_VALIDATED_CODES: frozenset[str] = frozenset(
    {AFFIRM, SEEKING_COLLABORATION, EMPHASIZING_AUTONOMY, PERSUADE, PERSUADE_WITH_PERMISSION, CONFRONT}
)

SPEAKER_TRAINEE = "trainee"
SPEAKER_CLIENT = "client"
_SPEAKER_ALIASES: Mapping[str, str] = MappingProxyType(
    {"trainee": SPEAKER_TRAINEE, "therapist": SPEAKER_TRAINEE, "client": SPEAKER_CLIENT}
)


def normalise_speaker(speaker: str) -> str:
    """Map a speaker name onto "trainee" or "client" ("therapist" is AnnoMI's word for trainee)."""
    try:
        return _SPEAKER_ALIASES[speaker.strip().lower()]
    except KeyError:
        raise ValueError(f"speaker must be 'trainee', 'therapist' or 'client', got {speaker!r}") from None
