"""The turn coder: public data types, the ``Coder`` and ``load_coder``.

Coding a trainee turn is a cascade:

1. a 4-class model gives AnnoMI's class (question / reflection / therapist_input / other);
2. for questions an open/closed model, for reflections a simple/complex model, for
   therapist input a model of AnnoMI's input subtype (information / advice / negotiation /
   options);
3. the transparent heuristics in ``heuristics.py`` turn input and other into the MITI
   codes AnnoMI lacks, inside the class the model gave, except for named class overrides
   decided before step 2 (``heuristics.class_override``: a question typed without
   punctuation, praise or reassurance and nothing else, directive, confrontation,
   warning, lecture, self-disclosure) and the MITI recodes (``heuristics.miti_recode``), which
   change the code and keep the model's class.

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
    ANNOMI_QUESTION,
    ANNOMI_REFLECTION,
    ANNOMI_THERAPIST_INPUT,
    FINE_TO_ANNOMI,
    NEUTRAL,
    OTHER,
    SPEAKER_CLIENT,
    SUSTAIN,
    normalise_speaker,
)

# The version is "coder-<release>-<artifact digest>". Grades are unique per turn and
# version, so any change that alters codes must change it: a retrained artifact does so
# by itself; a change to the heuristics or to runtime text handling that leaves the
# artifact as it is must bump this release (2026.11.1: the negated-change rule, on the
# artifact of 2026.11; 2026.11.2: the MITI recodes and the confrontation and warning rules;
# 2026.11.3: the lecture rule; 2026.11.4: the "?" a typist left off a final question put
# back, absolution as reassurance, the typed-question override retired; 2026.11.5: "Thank
# you." as an acknowledgement and what took courage as part of the praise; 2026.11.6: the
# sequence step, a turn coded in the light of the trainee turns before it).
CODER_RELEASE = "2026.11.6"
DEFAULT_ARTIFACT = Path(__file__).resolve().parent / "model" / ARTIFACT_NAME


@dataclass(frozen=True)
class CoderInput:
    text: str
    speaker: str  # "trainee" | "client" ("therapist" is accepted for "trainee")
    prev_client_text: str | None = None
    # Trainee turns with the same conversation key are one conversation, in the order
    # given: each is coded in the light of the ones before it (``sequence``). None: alone.
    conversation: str | None = None


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
    # The class the model gave before the sequence step moved the turn ("" if it did not).
    sequence_moved_from: str = ""


class Coder:
    """Codes turns with a loaded artifact. Thread-safe: it holds no mutable state."""

    def __init__(self, artifact: Artifact, digest: str) -> None:
        if artifact.sequence is not None and artifact.sequence.classes != artifact.models["behaviour"].classes:
            raise ValueError("artifact: the sequence step's classes differ from the behaviour model's")
        self._artifact = artifact
        self.version = f"coder-{CODER_RELEASE}-{digest[:8]}"
        self.artifact_sha256 = digest

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self._artifact.meta)

    @property
    def sequence_window(self) -> int:
        """How many earlier trainee turns of a conversation a turn's code can depend on
        (0: none, the artifact has no sequence step)."""
        return 0 if self._artifact.sequence is None else self._artifact.sequence.window

    @property
    def training_fingerprints(self) -> np.ndarray:
        """Fingerprints of the utterances it was trained on (see ``provenance``)."""
        return self._artifact.training_fingerprints

    def code(self, text: str, speaker: str, prev_client_text: str | None = None) -> CodedTurn:
        return self.code_batch([CoderInput(text, speaker, prev_client_text)])[0]

    def code_after(
        self, earlier: Sequence[tuple[str, str | None]], text: str, prev_client_text: str | None = None
    ) -> CodedTurn:
        """A trainee turn coded after the conversation's earlier trainee turns, given as
        (text, the client line before it), oldest first: what a live service calls, turn
        by turn. Only the last ``sequence_window`` of them are coded again."""
        window = self.sequence_window
        recent = earlier[max(0, len(earlier) - window) :] if window else ()
        items = [CoderInput(t, "trainee", p, conversation="_") for t, p in recent]
        items.append(CoderInput(text, "trainee", prev_client_text, conversation="_"))
        return self.code_batch(items)[-1]

    def code_batch(self, items: Sequence[CoderInput]) -> list[CodedTurn]:
        return [e.turn for e in self.explain_batch(items)]

    def score_session(self, turns: Iterable[CodeLike]) -> SessionQuality:
        """P(high MI quality) of a session from its coded turns (client turns are ignored).

        Give it the turns coded alone (no conversation key). The score is a mean over
        turns, and the sequence step, which carries a turn's class over to the next ones,
        makes neighbouring turns' errors move together, so they no longer average out:
        with the step's codes the CV AUC was 0.871 / 0.912 / 0.884 (seed 13, seed 14,
        topic folds) against 0.919 / 0.926 / 0.877 with codes alone (model card,
        "Twelfth round")."""
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
        alone = self._proba("behaviour", turns)
        proba = self._in_sequence(items, alone)
        classes = [behaviour.classes[int(k)] for k in proba.argmax(axis=1)]
        class_p = proba.max(axis=1)
        # The heuristics' class overrides (heuristics.class_override), decided before the
        # sub-models run so the moved turn gets its new class's subtype. Each reports the
        # model's own probability of its new class.
        override = [""] * len(turns)  # the rule-name prefix of an overridden turn
        for i, turn in enumerate(turns):
            moved = heuristics.class_override(classes[i], turn.norm, turn.client_norm)
            if moved is not None:
                classes[i], override[i] = moved
                class_p[i] = proba[i, behaviour.classes.index(classes[i])]

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
            recode = heuristics.miti_recode(cls, turn.norm, turn.client_norm) if not override[i] else None
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
            assert FINE_TO_ANNOMI[coded.code] == coded.annomi_class or rule in heuristics.MITI_RECODE_RULES
            before = behaviour.classes[int(alone[i].argmax())]
            moved_from = before if before != behaviour.classes[int(proba[i].argmax())] else ""
            out.append(_Explained(coded, rule, tuple(proba[i]), moved_from))
        return out

    def _in_sequence(self, items: Sequence[CoderInput], proba: np.ndarray) -> np.ndarray:
        """The class probabilities after the sequence step, for turns with a conversation
        key (``items`` are the trainee turns, in the order given)."""
        sequence = self._artifact.sequence
        if sequence is None or all(item.conversation is None for item in items):
            return proba
        out = proba.copy()
        seen: dict[str, list[np.ndarray]] = {}
        for i, item in enumerate(items):
            if item.conversation is not None:
                rows = seen.setdefault(item.conversation, [])
                rows.append(proba[i])
                del rows[: max(0, len(rows) - 1 - sequence.window)]
                out[i] = sequence.last(rows)
        return out


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
