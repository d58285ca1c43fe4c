"""The turn coder: public data types, the ``Coder`` and ``load_coder``.

Coding a trainee turn is a cascade:

1. a 4-class model gives AnnoMI's class (question / reflection / therapist_input / other);
2. for questions an open/closed model, for reflections a simple/complex model, for
   therapist input a model of AnnoMI's input subtype (information / advice / negotiation /
   options);
3. the transparent heuristics in ``heuristics.py`` turn input and other into the MITI
   codes AnnoMI lacks, inside the class the model gave, except two named overrides
   decided before step 2: praise and nothing else is other (then affirm), and a
   statement opening with a directive is therapist input (then persuade).

``confidence`` is the calibrated probability of the whole label: P(class) for codes
without a subcode, P(class) x P(subcode | class) for questions and reflections. The
heuristic step does not change it (its reliability is unknown: see the model card).
Client turns get a talk type (change / neutral / sustain) from a text-only model, and a
named rule makes a refusal of the change ("I don't want to quit.") sustain.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import heuristics
from .artifact import ARTIFACT_NAME, Artifact, load
from .features import Turn, build_matrix
from .session import CodeLike, SessionQuality
from .vocab import (
    ANNOMI_OTHER,
    ANNOMI_QUESTION,
    ANNOMI_REFLECTION,
    ANNOMI_THERAPIST_INPUT,
    EMPHASIZING_AUTONOMY,
    FINE_TO_ANNOMI,
    NEUTRAL,
    OTHER,
    PERSUADE,
    SEEKING_COLLABORATION,
    SPEAKER_CLIENT,
    SUSTAIN,
    normalise_speaker,
)

# The version is "coder-<release>-<artifact digest>". Grades are unique per turn and
# version, so any change that alters codes must change it: a retrained artifact does so
# by itself; a change to the heuristics or to runtime text handling that leaves the
# artifact as it is must bump this release (2026.11.1: the negated-change rule, on the
# artifact of 2026.11; 2026.11.2: the MITI recodes and the confrontation and warning rules).
CODER_RELEASE = "2026.11.2"
DEFAULT_ARTIFACT = Path(__file__).resolve().parent / "model" / ARTIFACT_NAME


@dataclass(frozen=True)
class CoderInput:
    text: str
    speaker: str  # "trainee" | "client" ("therapist" is accepted for "trainee")
    prev_client_text: str | None = None


@dataclass(frozen=True)
class CodedTurn:
    code: str
    subcode: str
    confidence: float
    coder_version: str
    annomi_class: str  # question / reflection / therapist_input / other, or the talk type


@dataclass(frozen=True)
class _Explained:
    """A coded turn plus why (used by evaluation and the model card's heuristic audit)."""

    turn: CodedTurn
    rule: str
    class_proba: tuple[float, ...]


class Coder:
    """Codes turns with a loaded artifact. Thread-safe: it holds no mutable state."""

    def __init__(self, artifact: Artifact, digest: str) -> None:
        self._artifact = artifact
        self.version = f"coder-{CODER_RELEASE}-{digest[:8]}"
        self.artifact_sha256 = digest

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self._artifact.meta)

    @property
    def training_fingerprints(self) -> np.ndarray:
        """Fingerprints of the utterances it was trained on (see ``provenance``)."""
        return self._artifact.training_fingerprints

    def code(self, text: str, speaker: str, prev_client_text: str | None = None) -> CodedTurn:
        return self.code_batch([CoderInput(text, speaker, prev_client_text)])[0]

    def code_batch(self, items: Sequence[CoderInput]) -> list[CodedTurn]:
        return [e.turn for e in self.explain_batch(items)]

    def score_session(self, turns: Iterable[CodeLike]) -> SessionQuality:
        """P(high MI quality) of a session from its coded turns (client turns are ignored)."""
        return self._artifact.session.score(turns)

    def predict_subtype(self, model: str, items: Sequence[CoderInput]) -> list[tuple[str, float]]:
        """(label, probability) from one sub-model ("question_form", "reflection_depth",
        "input_subtype"), whatever class the turn would be given: evaluation scores the
        sub-models on the turns experts put in their class."""
        if not items:
            return []
        sub_model = self._artifact.models[model]
        proba = self._proba(model, [Turn(item.text, item.prev_client_text) for item in items])
        return [(sub_model.classes[int(row.argmax())], _unit(float(row.max()))) for row in proba]

    # -- internals -------------------------------------------------------------------

    def _matrix(self, model: str, turns: Sequence[Turn]) -> Any:
        group, spec = self._artifact.specs[model]
        return build_matrix(turns, spec, dict(self._artifact.vocabularies[group]))

    def _proba(self, model: str, turns: Sequence[Turn]) -> np.ndarray:
        return self._artifact.models[model].proba(self._matrix(model, turns))

    def explain_batch(self, items: Sequence[CoderInput]) -> list[_Explained]:
        speakers = [normalise_speaker(item.speaker) for item in items]
        out: list[_Explained | None] = [None] * len(items)
        trainee_idx: list[int] = []
        client_idx: list[int] = []
        for i, (item, speaker) in enumerate(zip(items, speakers, strict=True)):
            if not item.text.strip():
                # Nothing to code: a neutral label the report can ignore, not a guess.
                code = NEUTRAL if speaker == SPEAKER_CLIENT else OTHER
                out[i] = _Explained(CodedTurn(code, "", 1.0, self.version, FINE_TO_ANNOMI[code]), "empty_text", ())
            elif speaker == SPEAKER_CLIENT:
                client_idx.append(i)
            else:
                trainee_idx.append(i)
        if client_idx:
            for i, e in zip(client_idx, self._code_client([items[i] for i in client_idx]), strict=True):
                out[i] = e
        if trainee_idx:
            for i, e in zip(trainee_idx, self._code_trainee([items[i] for i in trainee_idx]), strict=True):
                out[i] = e
        return [e for e in out if e is not None]

    def _code_client(self, items: Sequence[CoderInput]) -> list[_Explained]:
        # Text only: the grading service codes client turns without context, so the model
        # is trained without it too (see the model card).
        turns = [Turn(item.text, None) for item in items]
        model = self._artifact.models["talk_type"]
        proba = self._proba("talk_type", turns)
        out = []
        for turn, row in zip(turns, proba, strict=True):
            k = int(row.argmax())
            rule = ""
            # A refusal of the change is sustain talk, which the model misreads (see
            # heuristics.NEGATED_CHANGE_RX); the confidence stays the model's own P(sustain).
            if model.classes[k] != SUSTAIN and heuristics.is_negated_change(turn.norm):
                k, rule = model.classes.index(SUSTAIN), "negated_change"
            label = model.classes[k]
            out.append(_Explained(CodedTurn(label, "", _unit(row[k]), self.version, label), rule, tuple(row)))
        return out

    def _code_trainee(self, items: Sequence[CoderInput]) -> list[_Explained]:
        turns = [Turn(item.text, item.prev_client_text) for item in items]
        behaviour = self._artifact.models["behaviour"]
        proba = self._proba("behaviour", turns)
        classes = [behaviour.classes[int(k)] for k in proba.argmax(axis=1)]
        class_p = proba.max(axis=1)
        # The overrides of the heuristics' policy, decided before the sub-models run so the
        # moved turn gets its new class's subtype. A question typed without any punctuation
        # is a question. Praise (or reassurance) and nothing else is AnnoMI's other class,
        # which the model, never taught affirm, often calls a reflection; it is checked
        # before direction, because "You should be proud of yourself." is praise. Direction,
        # confrontation, warnings and self-disclosure are input, not reflections. Each
        # reports the model's own probability of its new class.
        p_input = proba[:, behaviour.classes.index(ANNOMI_THERAPIST_INPUT)]
        p_other = proba[:, behaviour.classes.index(ANNOMI_OTHER)]
        p_question = proba[:, behaviour.classes.index(ANNOMI_QUESTION)]
        override = [""] * len(turns)  # the rule-name prefix of an overridden turn
        for i, turn in enumerate(turns):
            if classes[i] == ANNOMI_QUESTION:
                continue
            if heuristics.is_typed_question(turn.norm):
                classes[i], class_p[i], override[i] = ANNOMI_QUESTION, p_question[i], TYPED_QUESTION_RULE
            elif heuristics.is_affirmation(turn.norm):
                if classes[i] != ANNOMI_OTHER:
                    classes[i], class_p[i], override[i] = ANNOMI_OTHER, p_other[i], "affirmation->"
            elif heuristics.is_reassurance(turn.norm):
                if classes[i] != ANNOMI_OTHER:
                    classes[i], class_p[i], override[i] = ANNOMI_OTHER, p_other[i], "reassurance->"
            elif classes[i] != ANNOMI_THERAPIST_INPUT:
                moved = heuristics.input_statement(turn.norm, turn.client_norm)
                if moved:
                    classes[i], class_p[i], override[i] = ANNOMI_THERAPIST_INPUT, p_input[i], f"{moved}->"

        sub: dict[int, tuple[str, float]] = {}
        for model_name, wanted in (
            ("question_form", ANNOMI_QUESTION),
            ("reflection_depth", ANNOMI_REFLECTION),
            ("input_subtype", ANNOMI_THERAPIST_INPUT),
        ):
            idx = [i for i, c in enumerate(classes) if c == wanted]
            if not idx:
                continue
            model = self._artifact.models[model_name]
            p = self._proba(model_name, [turns[i] for i in idx])
            for i, row in zip(idx, p, strict=True):
                k = int(row.argmax())
                sub[i] = (model.classes[k], float(row[k]))

        out = []
        for i, (turn, cls) in enumerate(zip(turns, classes, strict=True)):
            confidence = float(class_p[i])
            # A typed question is a question like any other, so the recodes apply to it.
            recode = _miti_recode(cls, turn.norm) if override[i] in ("", TYPED_QUESTION_RULE) else None
            if recode is not None:
                # A MITI-only code on top of the model's AnnoMI class, which stays as the
                # model said (see heuristics: AnnoMI's annotators label these turns so).
                code, rule = recode
                coded = CodedTurn(code, "", _unit(confidence), self.version, cls)
            elif cls in (ANNOMI_QUESTION, ANNOMI_REFLECTION):
                subcode, p_sub = sub[i]
                coded = CodedTurn(cls, subcode, _unit(confidence * p_sub), self.version, cls)
                rule = override[i]
            else:
                input_subtype = sub[i][0] if cls == ANNOMI_THERAPIST_INPUT else ""
                refinement = heuristics.refine(cls, turn.norm, input_subtype, turn.client_norm)
                rule = override[i] + refinement.rule
                coded = CodedTurn(refinement.code, "", _unit(confidence), self.version, cls)
            # The fold is exact except for the MITI recodes, which keep the model's class.
            assert FINE_TO_ANNOMI[coded.code] == coded.annomi_class or rule in MITI_RECODE_RULES
            out.append(_Explained(coded, rule, tuple(proba[i])))
        return out


TYPED_QUESTION_RULE = "typed_question->"
# Rule names of the MITI recodes (the model card's heuristic audit shows them by name).
PERMISSION_QUESTION_RULE = "permission_question"
ADVICE_QUESTION_RULE = "advice_question"
AUTONOMY_STATEMENT_RULE = "autonomy_statement"
COLLABORATION_STATEMENT_RULE = "collaboration_statement"
MITI_RECODE_RULES = frozenset(
    {PERMISSION_QUESTION_RULE, ADVICE_QUESTION_RULE, AUTONOMY_STATEMENT_RULE, COLLABORATION_STATEMENT_RULE}
)
_NOT_INPUT = (ANNOMI_QUESTION, ANNOMI_REFLECTION, ANNOMI_OTHER)


def _miti_recode(annomi_class: str, norm: str) -> tuple[str, str] | None:
    """The MITI code a turn gets whatever AnnoMI calls it, or None (as therapist input the
    in-class heuristics already code these). Asking permission is Seeking Collaboration and
    "Why don't you just stop?" is Persuade, though AnnoMI calls both questions; a turn that
    only hands the client the choice is Emphasizing Autonomy and one that only proposes
    working it out together is Seeking Collaboration, whatever class the model gave them."""
    if annomi_class == ANNOMI_QUESTION:
        if heuristics.is_permission_request(norm):
            return SEEKING_COLLABORATION, PERMISSION_QUESTION_RULE
        if heuristics.is_advice_question(norm):
            return PERSUADE, ADVICE_QUESTION_RULE
    if annomi_class in _NOT_INPUT:
        if heuristics.is_autonomy_statement(norm):
            return EMPHASIZING_AUTONOMY, AUTONOMY_STATEMENT_RULE
        if heuristics.is_collaboration_statement(norm):
            return SEEKING_COLLABORATION, COLLABORATION_STATEMENT_RULE
    return None


def _unit(p: float) -> float:
    return float(min(1.0, max(0.0, round(p, 6))))


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Coder:
    artifact, digest = load(path)
    return Coder(artifact, digest)


def load_coder(path: str | Path | None = None) -> Coder:
    """The coder for the committed artifact (or ``path``), loaded once per process."""
    resolved = str(Path(path).resolve()) if path is not None else str(DEFAULT_ARTIFACT)
    with _lock:
        return _load_cached(resolved)


def coder_from_artifact(artifact: Artifact, digest: str = "0" * 64) -> Coder:
    """A coder for an in-memory artifact (cross-validation folds, tests)."""
    return Coder(artifact, digest)


__all__ = ["CodedTurn", "Coder", "CoderInput", "coder_from_artifact", "load_coder"]
