"""What the grader reads: a coded session transcript and the scenario it was played in.

Everything here is immutable and validated on construction, so the scoring modules can
trust their input and stay free of defensive checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from practicum_common import codes

# Re-exported: the scoring modules import the code enums from here with the transcript.
from practicum_common.codes import TalkType as TalkType
from practicum_common.codes import TraineeCode as TraineeCode

from .errors import InvalidTranscript


class Speaker(StrEnum):
    TRAINEE = "trainee"
    CLIENT = "client"


class Category(StrEnum):
    PEER_SUPPORT = "peer_support"
    CRISIS_LINE = "crisis_line"
    MOTIVATIONAL_INTERVIEWING = "motivational_interviewing"


class RiskKind(StrEnum):
    """The four areas of a suicide risk assessment (Lifeline standard, paraphrased)."""

    DESIRE = "desire"
    CAPABILITY = "capability"
    INTENT = "intent"
    BUFFER = "buffer"


# Only questions and reflections are refined; every other code must carry "".
SUBCODES: Mapping[TraineeCode, frozenset[str]] = {
    TraineeCode.QUESTION: frozenset({"open", "closed"}),
    TraineeCode.REFLECTION: frozenset({"simple", "complex"}),
}

# The shared vocabulary (practicum_common.codes) defines the codes and which count as
# MI-adherent, so the grader, the coder and analytics can never disagree on the totals.
MI_ADHERENT_CODES = frozenset(TraineeCode(code) for code in codes.MI_ADHERENT)
MI_NON_ADHERENT_CODES = frozenset(TraineeCode(code) for code in codes.MI_NON_ADHERENT)


@dataclass(frozen=True)
class TurnCode:
    """The coder's label for one trainee utterance."""

    code: TraineeCode
    subcode: str = ""
    confidence: float = 1.0

    def __post_init__(self) -> None:
        allowed = SUBCODES.get(self.code, frozenset({""}))
        if self.subcode not in allowed:
            raise InvalidTranscript("subcode", f"{self.subcode!r} is not valid for code {self.code.value!r}")
        # bool is an int subclass; a True confidence is a caller bug, not a probability.
        if isinstance(self.confidence, bool) or not 0.0 <= self.confidence <= 1.0:
            raise InvalidTranscript("confidence", f"must be within [0, 1], got {self.confidence!r}")

    @property
    def label(self) -> str:
        """Human-readable code, e.g. "closed question", "complex reflection"."""
        base = self.code.value.replace("_", " ")
        return f"{self.subcode} {base}" if self.subcode else base


@dataclass(frozen=True)
class Turn:
    """One utterance. ``index`` is 1-based (0 is allowed for the client's opening line).

    ``index`` may count utterances or exchanges (the session service numbers exchanges,
    so a trainee turn and the client reply to it can share an index and even a turn id);
    the grader only relies on list order for "before/after" and reports ``index`` as is.
    """

    turn_id: str
    index: int
    speaker: Speaker
    text: str
    # Trainee turns only: the coder's label.
    code: TurnCode | None = None
    # Client turns only, optional: change / neutral / sustain.
    talk_type: TalkType | None = None

    def __post_init__(self) -> None:
        if not self.turn_id:
            raise InvalidTranscript("turn_id", "must not be empty")
        if isinstance(self.index, bool) or self.index < 0:
            raise InvalidTranscript("index", f"must be >= 0, got {self.index!r}")
        if self.speaker is Speaker.TRAINEE and self.code is None:
            raise InvalidTranscript("code", f"trainee turn {self.turn_id!r} has no code")
        if self.speaker is Speaker.CLIENT and self.code is not None:
            raise InvalidTranscript("code", f"client turn {self.turn_id!r} carries a trainee code")
        if self.speaker is Speaker.TRAINEE and self.talk_type is not None:
            raise InvalidTranscript("talk_type", f"trainee turn {self.turn_id!r} has a talk type")

    @property
    def is_trainee(self) -> bool:
        return self.speaker is Speaker.TRAINEE

    @property
    def trainee_code(self) -> TurnCode:
        """The code of a trainee turn (validated present at construction)."""
        if self.code is None:
            raise InvalidTranscript("code", f"turn {self.turn_id!r} is not a trainee turn")
        return self.code


@dataclass(frozen=True)
class Disclosure:
    """The simulated client revealed hidden fact ``fact_id`` in client turn ``turn_id``."""

    fact_id: str
    turn_id: str


@dataclass(frozen=True)
class Transcript:
    """A session's turns in chronological order, plus the hidden facts disclosed.

    Disclosures live here rather than on the scenario because they are what happened in
    this session; the scenario only says which facts exist.
    """

    turns: tuple[Turn, ...]
    disclosures: tuple[Disclosure, ...] = ()

    def __post_init__(self) -> None:
        seen: dict[Speaker, set[str]] = {Speaker.TRAINEE: set(), Speaker.CLIENT: set()}
        last_index = -1
        last_by_speaker: dict[Speaker, int] = {}
        for position, turn in enumerate(self.turns):
            if turn.turn_id in seen[turn.speaker]:
                raise InvalidTranscript(
                    f"turns[{position}].turn_id", f"duplicate {turn.speaker.value} turn id {turn.turn_id!r}"
                )
            seen[turn.speaker].add(turn.turn_id)
            # Out-of-order input would make "asked N turns after the warning sign" wrong.
            if turn.index < last_index or turn.index <= last_by_speaker.get(turn.speaker, -1):
                raise InvalidTranscript(f"turns[{position}].index", "turns are not in chronological order")
            last_index = turn.index
            last_by_speaker[turn.speaker] = turn.index
        for position, disclosure in enumerate(self.disclosures):
            if disclosure.turn_id not in seen[Speaker.CLIENT]:
                raise InvalidTranscript(
                    f"disclosures[{position}].turn_id",
                    f"{disclosure.turn_id!r} is not a client turn of this transcript",
                )

    @property
    def trainee_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker is Speaker.TRAINEE)

    def trainee_turn(self, turn_id: str) -> Turn | None:
        return next((t for t in self.turns if t.is_trainee and t.turn_id == turn_id), None)

    def position_of_client_turn(self, turn_id: str) -> int:
        for position, turn in enumerate(self.turns):
            if turn.speaker is Speaker.CLIENT and turn.turn_id == turn_id:
                return position
        raise KeyError(turn_id)

    def previous_client_turn(self, position: int) -> Turn | None:
        """The client utterance the turn at ``position`` responds to, if any."""
        for turn in reversed(self.turns[:position]):
            if turn.speaker is Speaker.CLIENT:
                return turn
        return None

    def previous_trainee_turn(self, position: int) -> Turn | None:
        for turn in reversed(self.turns[:position]):
            if turn.is_trainee:
                return turn
        return None


@dataclass(frozen=True)
class RiskItem:
    """One element of a scenario's hidden risk profile, e.g. capability: firearm at home.

    Mirrors ``practicum_protos.simulation.v1.RiskItem``. The trainee "uncovers" the item
    when the client discloses any of ``fact_ids``.
    """

    kind: RiskKind
    label: str
    fact_ids: tuple[str, ...]
    # Optional stable id (the proto's ``item_id``, e.g. "capability.access_to_means");
    # without one ``key`` falls back to the first fact id (unique within a scenario).
    item_id: str = ""
    # The scenario states the item is absent ("No firearms at home and little
    # medication."): uncovering it still counts, but it is no warning sign and no means.
    absent: bool = False

    def __post_init__(self) -> None:
        if not self.fact_ids:
            raise InvalidTranscript("risk_profile.fact_ids", f"risk item {self.label!r} names no hidden fact")

    @property
    def key(self) -> str:
        return self.item_id or f"{self.kind.value}:{self.fact_ids[0]}"


@dataclass(frozen=True)
class ScenarioMeta:
    """The scenario facts the grader needs (a subset of the simulation service's Scenario)."""

    category: Category
    behaviour_change_goal: bool
    has_suicide_risk: bool
    risk_profile: tuple[RiskItem, ...] = ()
    scenario_id: str = ""
    version: int = 0
    # Free text shown to the trainee; ``objectives.checks_for`` finds the checkable ones.
    learning_objectives: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        keys = [item.key for item in self.risk_profile]
        if len(keys) != len(set(keys)):
            raise InvalidTranscript("risk_profile", "risk items must have distinct ids / first fact ids")


# --- building the model from plain data (event payloads, database rows) ---------------


def _require(mapping: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidTranscript(f"{where}.{key}", f"expected {kind.__name__}, got {value!r}")
    return value


def _optional_bool(mapping: Mapping[str, Any], key: str, where: str) -> bool:
    """A boolean that may be missing (protobuf's JSON form omits false)."""
    return key in mapping and bool(_require(mapping, key, bool, where))


def _enum(enum: type[StrEnum], value: Any, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidTranscript(field, f"{value!r} is not one of: {allowed}") from None


def turn_from_dict(data: Mapping[str, Any], where: str = "turn") -> Turn:
    """Build a Turn from ``{turn_id, index, speaker, text, code?}``.

    ``code`` may be nested like the TurnCode proto (``{"code", "subcode", "confidence"}``)
    or flat (``"code": "question", "subcode": "open", "confidence": 0.9`` on the turn).
    On client turns the code, when present, is the talk type.
    """
    speaker = _enum(Speaker, data.get("speaker"), f"{where}.speaker")
    raw_code = data.get("code")
    code_fields: Mapping[str, Any] = raw_code if isinstance(raw_code, Mapping) else data
    code_value = code_fields.get("code") if raw_code is not None else None
    code: TurnCode | None = None
    talk_type: TalkType | None = None
    if speaker is Speaker.TRAINEE:
        if code_value is None:
            raise InvalidTranscript(f"{where}.code", "trainee turns need a code")
        confidence = code_fields.get("confidence", 1.0)
        if not isinstance(confidence, int | float) or isinstance(confidence, bool):
            raise InvalidTranscript(f"{where}.confidence", f"expected a number, got {confidence!r}")
        code = TurnCode(
            code=_enum(TraineeCode, code_value, f"{where}.code"),
            subcode=str(code_fields.get("subcode") or ""),
            confidence=float(confidence),
        )
    else:
        talk = code_value if code_value is not None else data.get("talk_type")
        if talk:
            talk_type = _enum(TalkType, talk, f"{where}.talk_type")
    return Turn(
        turn_id=_require(data, "turn_id", str, where),
        index=_require(data, "index", int, where),
        speaker=speaker,
        text=_require(data, "text", str, where),
        code=code,
        talk_type=talk_type,
    )


def transcript_from_dicts(
    turns: Iterable[Mapping[str, Any]], disclosures: Iterable[Mapping[str, Any]] = ()
) -> Transcript:
    """Build and validate a Transcript; disclosures are ``{fact_id, turn_id}`` mappings."""
    return Transcript(
        turns=tuple(turn_from_dict(t, f"turns[{i}]") for i, t in enumerate(turns)),
        disclosures=tuple(
            Disclosure(
                fact_id=_require(d, "fact_id", str, f"disclosures[{i}]"),
                turn_id=_require(d, "turn_id", str, f"disclosures[{i}]"),
            )
            for i, d in enumerate(disclosures)
        ),
    )


def scenario_from_dict(data: Mapping[str, Any]) -> ScenarioMeta:
    """Build ScenarioMeta from ``{category, behaviour_change_goal, has_suicide_risk,
    risk_profile?: [{kind, label, fact_ids, item_id?, absent?}], scenario_id?, version?,
    learning_objectives?: [str]}``.

    ``risk_items`` (the Scenario proto's field name) is accepted for ``risk_profile``.
    """
    items = []
    for i, item in enumerate(data.get("risk_profile") or data.get("risk_items") or ()):
        where = f"risk_profile[{i}]"
        fact_ids = item.get("fact_ids")
        if not isinstance(fact_ids, list | tuple) or not all(isinstance(f, str) for f in fact_ids):
            raise InvalidTranscript(f"{where}.fact_ids", "expected a list of fact ids")
        kind = _enum(RiskKind, item.get("kind"), f"{where}.kind")
        items.append(
            RiskItem(
                kind=kind,
                label=str(item.get("label") or kind.value),
                fact_ids=tuple(fact_ids),
                item_id=str(item.get("item_id") or ""),
                absent=_optional_bool(item, "absent", where),
            )
        )
    objectives = data.get("learning_objectives") or []
    if not isinstance(objectives, list | tuple):
        raise InvalidTranscript("scenario.learning_objectives", "expected a list of strings")
    for i, objective in enumerate(objectives):
        if not isinstance(objective, str):
            raise InvalidTranscript(f"scenario.learning_objectives[{i}]", f"expected str, got {objective!r}")
    return ScenarioMeta(
        category=_enum(Category, data.get("category"), "scenario.category"),
        behaviour_change_goal=_require(data, "behaviour_change_goal", bool, "scenario"),
        has_suicide_risk=_require(data, "has_suicide_risk", bool, "scenario"),
        risk_profile=tuple(items),
        scenario_id=str(data.get("scenario_id") or ""),
        version=int(data.get("version") or 0),
        learning_objectives=tuple(objectives),
    )
