"""The simulated client's state and how each trainee turn moves it.

The client has three continuous variables on [0, 1] and, in motivational-interviewing
scenarios, a stage of change:

- ``trust``      how safe the client feels with this helper; gates disclosure.
- ``distress``   how upset the client is right now; shapes tone, not disclosure.
- ``resistance`` how defensive the client is; high resistance means short, guarded,
                 sustain-talk replies.
- ``stage_of_change`` (MI only) precontemplation -> contemplation -> preparation ->
                 action (-> maintenance, never reached inside one conversation).

Model (deterministic, bounded, smooth)
======================================
Each trainee turn arrives as a coder result: a MITI-derived code, a subcode and a
confidence. It is mapped to a *behaviour key* (``reflection_complex``, ``persuade``, ...)
whose *effect* is a signed change per variable (``DEFAULT_EFFECTS``; a scenario's
``sensitivities`` override single cells). Two *pattern* keys look at the recent-codes
window kept in the state: ``interrogation`` (third closed question in a row) and
``lecturing`` (a third directive turn among the last four). Two *signal* keys come from
the message itself: ``asked_about_suicide`` and ``role_break_attempt``.

Every effect is scaled by the coder's confidence, then applied with a saturating step::

    x' = x + d * (1 - x)   if d > 0        x' = x + d * x   if d < 0

so values can never leave [0, 1], moves shrink near the bounds (a client who already
trusts you a lot gains little from one more reflection; a fully defensive client cannot
get "more than fully" defensive), and the map is continuous in d (no jumps).

Why these weights (orders of magnitude, not fitted values)
-----------------------------------------------------------
- Complex reflections are the strongest single trust builder (+0.08 trust, -0.06
  resistance): they show the client they were understood beyond their words, the core
  of MI empathy and of EPITOME "interpretations". Simple reflections do half as much.
- Affirmations (+0.06) and autonomy support (-0.07 resistance, the largest drop) follow
  the MI principle that resistance is a signal to roll with, and that emphasising the
  client's choice lowers reactance more than anything else.
- Open questions help a little (+0.03): they invite the story but are not yet evidence
  of being heard. A single closed question is nearly neutral (+0.01 resistance).
- Persuading without permission (-0.06 trust, +0.09 resistance) and confronting
  (-0.10, +0.12, +0.05 distress) are the MI-non-adherent behaviours that predict
  sustain talk and disengagement (the "righting reflex").
- Interrogation (-0.05 trust, +0.08 resistance on top) captures the question-answer
  trap: three closed questions in a row make a conversation feel like an intake form.
- Lecturing (+0.06 resistance) captures stacked information/advice without checking in.
- Asking directly about suicide slightly *raises* trust and lowers distress: asking does
  not plant the idea and is often a relief to someone who has been carrying it.
- A role-break attempt confuses the client a little (-0.03 trust).

Two interactions keep the dynamics plausible:
- *Alliance buffer*: MI-non-adherent effects are scaled by ``1 - 0.4 * trust``: advice
  from someone the client already trusts stings less.
- *Defensive discount*: trust gains are scaled by ``1 - 0.5 * resistance``: a very
  defensive client discounts warmth, so rapport must be rebuilt step by step.

Stage of change uses a momentum accumulator ``m`` (kept in the state):
``m' = 0.85 * m + gain * confidence`` with gains from ``STAGE_GAIN`` (complex reflection
+0.25, autonomy +0.25, ... persuade -0.35, confront -0.5). When ``m'`` reaches +1 and
resistance is at most 0.5 the client moves one stage forward (never past ``action``);
at -1 one stage back (never before precontemplation); ``m`` then resets to 0. Six
consecutive complex reflections advance a stage; three confrontations push one back:
change is slow to build and quick to lose, as the MI literature describes.

Everything is rounded to 4 decimals so states compare exactly after a round trip through
protobuf doubles or JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from practicum_common import codes

_ROUND = 4
RECENT_WINDOW = 4
"""How many behaviour keys the state remembers (the current one included)."""


class StageOfChange(StrEnum):
    PRECONTEMPLATION = "precontemplation"
    CONTEMPLATION = "contemplation"
    PREPARATION = "preparation"
    ACTION = "action"
    MAINTENANCE = "maintenance"


_STAGES = list(StageOfChange)
# A single conversation can bring a client to commit to action, never to maintenance,
# which takes months of sustained change.
_MAX_STAGE_IN_SESSION = StageOfChange.ACTION


class Behaviour(StrEnum):
    """Keys of the effect table: codes refined by subcode, plus patterns and signals."""

    QUESTION_OPEN = "question_open"
    QUESTION_CLOSED = "question_closed"
    REFLECTION_SIMPLE = "reflection_simple"
    REFLECTION_COMPLEX = "reflection_complex"
    GIVING_INFORMATION = "giving_information"
    AFFIRM = "affirm"
    SEEKING_COLLABORATION = "seeking_collaboration"
    EMPHASIZING_AUTONOMY = "emphasizing_autonomy"
    PERSUADE = "persuade"
    PERSUADE_WITH_PERMISSION = "persuade_with_permission"
    CONFRONT = "confront"
    OTHER = "other"
    # patterns over the recent-codes window
    INTERROGATION = "interrogation"
    LECTURING = "lecturing"
    # signals from the trainee's message
    ASKED_ABOUT_SUICIDE = "asked_about_suicide"
    ROLE_BREAK_ATTEMPT = "role_break_attempt"


class Variable(StrEnum):
    TRUST = "trust"
    DISTRESS = "distress"
    RESISTANCE = "resistance"


@dataclass(frozen=True)
class Effect:
    trust: float = 0.0
    distress: float = 0.0
    resistance: float = 0.0

    def get(self, variable: Variable) -> float:
        return float(getattr(self, variable.value))


B = Behaviour
DEFAULT_EFFECTS: Mapping[Behaviour, Effect] = {
    B.QUESTION_OPEN: Effect(trust=0.03, resistance=-0.02),
    B.QUESTION_CLOSED: Effect(resistance=0.01),
    B.REFLECTION_SIMPLE: Effect(trust=0.04, distress=-0.01, resistance=-0.03),
    B.REFLECTION_COMPLEX: Effect(trust=0.08, distress=-0.03, resistance=-0.06),
    B.GIVING_INFORMATION: Effect(resistance=0.01),
    B.AFFIRM: Effect(trust=0.06, distress=-0.02, resistance=-0.03),
    B.SEEKING_COLLABORATION: Effect(trust=0.04, resistance=-0.04),
    B.EMPHASIZING_AUTONOMY: Effect(trust=0.05, resistance=-0.07),
    B.PERSUADE: Effect(trust=-0.06, distress=0.02, resistance=0.09),
    B.PERSUADE_WITH_PERMISSION: Effect(resistance=0.01),
    B.CONFRONT: Effect(trust=-0.10, distress=0.05, resistance=0.12),
    B.OTHER: Effect(),
    B.INTERROGATION: Effect(trust=-0.05, resistance=0.08),
    B.LECTURING: Effect(trust=-0.03, resistance=0.06),
    B.ASKED_ABOUT_SUICIDE: Effect(trust=0.03, distress=-0.03),
    B.ROLE_BREAK_ATTEMPT: Effect(trust=-0.03),
}

# Behaviours whose effects the alliance buffer softens.
_MINA_LIKE = frozenset({B.PERSUADE, B.CONFRONT, B.INTERROGATION, B.LECTURING})
# Directive turns that, stacked, read as a lecture.
_DIRECTIVE = frozenset({B.PERSUADE, B.GIVING_INFORMATION, B.CONFRONT, B.PERSUADE_WITH_PERMISSION})

STAGE_GAIN: Mapping[Behaviour, float] = {
    B.REFLECTION_COMPLEX: 0.25,
    B.EMPHASIZING_AUTONOMY: 0.25,
    B.SEEKING_COLLABORATION: 0.2,
    B.AFFIRM: 0.15,
    B.REFLECTION_SIMPLE: 0.12,
    B.QUESTION_OPEN: 0.1,
    B.PERSUADE_WITH_PERMISSION: 0.05,
    B.PERSUADE: -0.35,
    B.CONFRONT: -0.5,
}
_MOMENTUM_DECAY = 0.85
_STAGE_THRESHOLD = 1.0
_MAX_RESISTANCE_TO_ADVANCE = 0.5
_ALLIANCE_BUFFER = 0.4
_DEFENSIVE_DISCOUNT = 0.5


@dataclass(frozen=True)
class TraineeCode:
    """The coder's verdict on one trainee turn (mirrors common.v1.TurnCode)."""

    code: str
    subcode: str = ""
    confidence: float = 1.0


_CODE_BEHAVIOURS = frozenset(codes.TRAINEE_CODES) - {codes.QUESTION, codes.REFLECTION}


def behaviour_of(code: TraineeCode) -> Behaviour:
    """Map a coder result to an effect-table key.

    Unknown codes count as ``other`` (no effect) so a newer coder vocabulary degrades
    gracefully instead of failing a live session. A question or reflection without a
    subcode takes the milder variant (closed question, simple reflection): we only
    credit what the coder is sure of.
    """
    name = code.code.strip().lower()
    sub = code.subcode.strip().lower()
    if name == codes.QUESTION:
        return B.QUESTION_OPEN if sub == "open" else B.QUESTION_CLOSED
    if name == codes.REFLECTION:
        return B.REFLECTION_COMPLEX if sub == "complex" else B.REFLECTION_SIMPLE
    return Behaviour(name) if name in _CODE_BEHAVIOURS else B.OTHER


@dataclass(frozen=True)
class Sensitivities:
    """Per-scenario overrides of single (behaviour, variable) cells of the effect table."""

    overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def effect(self, behaviour: Behaviour) -> Effect:
        base = DEFAULT_EFFECTS[behaviour]
        cells = self.overrides.get(behaviour.value)
        if not cells:
            return base
        return Effect(
            trust=float(cells.get("trust", base.trust)),
            distress=float(cells.get("distress", base.distress)),
            resistance=float(cells.get("resistance", base.resistance)),
        )


@dataclass(frozen=True)
class TurnSignals:
    """Facts about the trainee's message that the code alone does not carry."""

    asked_about_suicide: bool = False
    role_break_attempt: bool = False


@dataclass(frozen=True)
class ClientState:
    """State after a turn. ``recent`` and ``momentum`` are model memory, not display."""

    trust: float
    distress: float
    resistance: float
    stage_of_change: StageOfChange | None = None
    disclosed_facts: tuple[str, ...] = ()
    recent: tuple[str, ...] = ()
    momentum: float = 0.0

    def __post_init__(self) -> None:
        for name in ("trust", "distress", "resistance"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")

    def with_disclosed(self, fact_ids: tuple[str, ...] | list[str]) -> ClientState:
        """The same state with more facts marked disclosed (order kept, no duplicates)."""
        merged = list(self.disclosed_facts)
        for fact_id in fact_ids:
            if fact_id not in merged:
                merged.append(fact_id)
        return replace(self, disclosed_facts=tuple(merged))

    def to_dict(self) -> dict[str, object]:
        return {
            "trust": self.trust,
            "distress": self.distress,
            "resistance": self.resistance,
            "stage_of_change": self.stage_of_change.value if self.stage_of_change else "",
            "disclosed_facts": list(self.disclosed_facts),
            "recent": list(self.recent),
            "momentum": self.momentum,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ClientState:
        """Inverse of ``to_dict``; tolerant of the proto shape (no recent/momentum)."""
        stage = str(data.get("stage_of_change") or "")
        return cls(
            trust=_as_float(data["trust"]),
            distress=_as_float(data["distress"]),
            resistance=_as_float(data["resistance"]),
            stage_of_change=StageOfChange(stage) if stage else None,
            disclosed_facts=tuple(str(f) for f in _as_list(data.get("disclosed_facts"))),
            recent=tuple(str(r) for r in _as_list(data.get("recent"))),
            momentum=_as_float(data.get("momentum", 0.0)),
        )


def _as_float(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"expected a list, got {type(value).__name__}")


def initial_state(trust: float, distress: float, resistance: float, stage: StageOfChange | None = None) -> ClientState:
    return ClientState(
        trust=round(trust, _ROUND),
        distress=round(distress, _ROUND),
        resistance=round(resistance, _ROUND),
        stage_of_change=stage,
    )


def _step(value: float, delta: float) -> float:
    delta = max(-1.0, min(1.0, delta))
    if delta >= 0:
        return value + delta * (1.0 - value)
    return value + delta * value


def active_behaviours(behaviour: Behaviour, recent: tuple[str, ...], signals: TurnSignals) -> list[Behaviour]:
    """The behaviour of this turn plus the patterns and signals it triggers.

    ``recent`` is the window *before* this turn, oldest first.
    """
    active = [behaviour]
    window = (*recent[-(RECENT_WINDOW - 1) :], behaviour.value)
    if behaviour is B.QUESTION_CLOSED and window[-3:].count(B.QUESTION_CLOSED.value) == 3:
        active.append(B.INTERROGATION)
    directive = {d.value for d in _DIRECTIVE}
    if behaviour in _DIRECTIVE and sum(1 for k in window if k in directive) >= 3:
        active.append(B.LECTURING)
    if signals.asked_about_suicide:
        active.append(B.ASKED_ABOUT_SUICIDE)
    if signals.role_break_attempt:
        active.append(B.ROLE_BREAK_ATTEMPT)
    return active


def update(
    state: ClientState,
    code: TraineeCode,
    sensitivities: Sensitivities | None = None,
    signals: TurnSignals | None = None,
) -> ClientState:
    """The client's state after one trainee turn. Pure and deterministic."""
    sens = sensitivities or Sensitivities()
    sig = signals or TurnSignals()
    confidence = max(0.0, min(1.0, code.confidence))
    behaviour = behaviour_of(code)
    active = active_behaviours(behaviour, state.recent, sig)

    trust, distress, resistance = state.trust, state.distress, state.resistance
    for key in active:
        effect = sens.effect(key)
        # Signals are observed in the text, not inferred by the coder: full weight.
        weight = 1.0 if key in (B.ASKED_ABOUT_SUICIDE, B.ROLE_BREAK_ATTEMPT) else confidence
        if key in _MINA_LIKE:
            weight *= 1.0 - _ALLIANCE_BUFFER * state.trust
        d_trust = effect.trust * weight
        if d_trust > 0:
            d_trust *= 1.0 - _DEFENSIVE_DISCOUNT * state.resistance
        trust = _step(trust, d_trust)
        distress = _step(distress, effect.distress * weight)
        resistance = _step(resistance, effect.resistance * weight)

    stage, momentum = _next_stage(state, behaviour, confidence, resistance)
    recent = (*state.recent, behaviour.value)[-RECENT_WINDOW:]
    return ClientState(
        trust=round(trust, _ROUND),
        distress=round(distress, _ROUND),
        resistance=round(resistance, _ROUND),
        stage_of_change=stage,
        disclosed_facts=state.disclosed_facts,
        recent=recent,
        momentum=round(momentum, _ROUND),
    )


def _next_stage(
    state: ClientState, behaviour: Behaviour, confidence: float, resistance: float
) -> tuple[StageOfChange | None, float]:
    if state.stage_of_change is None:
        return None, 0.0
    momentum = _MOMENTUM_DECAY * state.momentum + STAGE_GAIN.get(behaviour, 0.0) * confidence
    index = _STAGES.index(state.stage_of_change)
    ceiling = _STAGES.index(_MAX_STAGE_IN_SESSION)
    if momentum >= _STAGE_THRESHOLD and resistance <= _MAX_RESISTANCE_TO_ADVANCE:
        if index < ceiling:
            return _STAGES[index + 1], 0.0
        return state.stage_of_change, min(momentum, _STAGE_THRESHOLD)
    if momentum <= -_STAGE_THRESHOLD:
        if index > 0:
            return _STAGES[index - 1], 0.0
        return state.stage_of_change, -_STAGE_THRESHOLD
    # Held at the threshold while resistance blocks the step, so it cannot bank credit.
    return state.stage_of_change, max(-_STAGE_THRESHOLD, min(_STAGE_THRESHOLD, momentum))
