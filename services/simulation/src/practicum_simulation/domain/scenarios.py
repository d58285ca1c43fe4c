"""Scenario specs: typed dataclasses, YAML loading, JSON-Schema and semantic validation.

A scenario file is YAML validated against ``scenarios/schema/scenario.schema.json``
(draft 2020-12) and then against rules the schema cannot express (see
``semantic_issues``). Errors name the file and the dotted field path of every problem.

Content checks that need the guard and the prompt builder (fallback lines pass the
output guard, no self-harm method text anywhere, prompt prefix size) live in
``library.py`` so that this module stays the bottom of the import graph.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator

from practicum_simulation.domain.errors import Issue, ScenarioInvalid
from practicum_simulation.domain.state import (
    ClientState,
    Sensitivities,
    StageOfChange,
    initial_state,
)
from practicum_simulation.domain.topics import TOPICS

SERVICE_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SCENARIOS_DIR = SERVICE_ROOT / "scenarios"
"""``services/simulation/scenarios`` in a source checkout; deployments pass their own."""


def default_library_dir() -> Path:
    return DEFAULT_SCENARIOS_DIR / "library"


def default_schema_path() -> Path:
    return DEFAULT_SCENARIOS_DIR / "schema" / "scenario.schema.json"


class ScenarioStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class Category(StrEnum):
    PEER_SUPPORT = "peer_support"
    CRISIS_LINE = "crisis_line"
    MOTIVATIONAL_INTERVIEWING = "motivational_interviewing"


class Difficulty(StrEnum):
    INTRODUCTORY = "introductory"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Verbosity(StrEnum):
    TERSE = "terse"
    MODERATE = "moderate"
    TALKATIVE = "talkative"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"


BRANCH_NAMES: Mapping[str, str] = {
    "army": "Army",
    "navy": "Navy",
    "air_force": "Air Force",
    "marine_corps": "Marine Corps",
    "coast_guard": "Coast Guard",
    "space_force": "Space Force",
    "army_national_guard": "Army National Guard",
    "air_national_guard": "Air National Guard",
    "army_reserve": "Army Reserve",
    "navy_reserve": "Navy Reserve",
    "marine_corps_reserve": "Marine Corps Reserve",
    "air_force_reserve": "Air Force Reserve",
}


@dataclass(frozen=True)
class ServiceHistory:
    branch: str
    years: int
    role: str
    deployments: tuple[str, ...] = ()

    @property
    def branch_name(self) -> str:
        return BRANCH_NAMES.get(self.branch, self.branch)


@dataclass(frozen=True)
class SpeechStyle:
    register: str
    verbosity: Verbosity
    quirks: tuple[str, ...]
    example_phrases: tuple[str, ...]
    deflection: str | None = None


@dataclass(frozen=True)
class Persona:
    name: str
    age: int
    pronouns: str
    background: str
    presenting_concerns: tuple[str, ...]
    speech_style: SpeechStyle
    service_history: ServiceHistory | None = None


@dataclass(frozen=True)
class Condition:
    """When a hidden fact may be disclosed. Every field that is set must hold (AND);
    ``any`` needs one of its conditions, ``all`` every one; they nest."""

    trust_at_least: float | None = None
    trust_below: float | None = None
    distress_at_least: float | None = None
    resistance_at_most: float | None = None
    asked_directly_about: tuple[str, ...] | None = None
    after_turn: int | None = None
    disclosed: tuple[str, ...] | None = None
    any: tuple[Condition, ...] | None = None
    all: tuple[Condition, ...] | None = None

    def walk(self) -> Iterator[Condition]:
        """This condition and every nested one, depth first."""
        yield self
        for child in (*(self.any or ()), *(self.all or ())):
            yield from child.walk()


@dataclass(frozen=True)
class HiddenFact:
    id: str
    fact: str
    disclose_when: Condition
    signs: tuple[str, ...] = ()


@dataclass(frozen=True)
class InitialState:
    trust: float
    distress: float
    resistance: float
    stage_of_change: StageOfChange | None = None

    def to_client_state(self) -> ClientState:
        return initial_state(self.trust, self.distress, self.resistance, self.stage_of_change)


@dataclass(frozen=True)
class RiskItem:
    kind: str
    summary: str
    revealed_by: tuple[str, ...]
    present: bool = True


@dataclass(frozen=True)
class RiskProfile:
    """Lifeline risk-assessment dimensions, each item linked to the facts revealing it."""

    desire: tuple[RiskItem, ...]
    capability: tuple[RiskItem, ...]
    intent: tuple[RiskItem, ...]
    buffers: tuple[RiskItem, ...]

    SECTIONS = ("desire", "capability", "intent", "buffers")

    def items(self) -> Iterator[tuple[str, RiskItem]]:
        for section in self.SECTIONS:
            for item in getattr(self, section):
                yield section, item


@dataclass(frozen=True)
class Review:
    reviewer: str
    role: str
    date: str
    decision: Decision
    notes: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    version: int
    status: ScenarioStatus
    title: str
    summary: str
    category: Category
    difficulty: Difficulty
    behaviour_change_goal: bool
    learning_objectives: tuple[str, ...]
    content_warnings: tuple[str, ...]
    persona: Persona
    opening_line: str
    shared_facts: tuple[str, ...]
    hidden_facts: tuple[HiddenFact, ...]
    initial_state: InitialState
    fallback_lines: tuple[str, ...]
    reviews: tuple[Review, ...] = ()
    sensitivities: Sensitivities = field(default_factory=Sensitivities)
    risk_profile: RiskProfile | None = None
    target_behaviour: str | None = None

    @property
    def has_suicide_risk(self) -> bool:
        return self.risk_profile is not None

    def fact(self, fact_id: str) -> HiddenFact:
        for fact in self.hidden_facts:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)


# --- YAML ------------------------------------------------------------------------------


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings: JSON Schema sees exactly what was written
    and the content hash does not depend on YAML's timestamp coercion."""


_PlainLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, source: str) -> object:
    try:
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ScenarioInvalid(source, [Issue(where, f"YAML syntax: {exc}")]) from exc


# --- validation ------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _validator(schema_path: str) -> Draft202012Validator:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def format_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_issues(data: object, schema_path: Path | None = None) -> list[Issue]:
    validator = _validator(str(schema_path or default_schema_path()))
    issues = [
        Issue(format_path(err.absolute_path), _schema_message(err.message, err.validator))
        for err in validator.iter_errors(data)
    ]
    return sorted(issues, key=lambda i: i.path)


def _schema_message(message: str, validator: object) -> str:
    # jsonschema prints whole sub-documents for if/then failures; keep messages short.
    if len(message) > 300:
        message = message[:300] + "..."
    return f"{message} ({validator})"


_TOPIC_NAMES = tuple(TOPICS)


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def semantic_issues(spec: ScenarioSpec) -> list[Issue]:
    """Rules beyond the schema. Each issue names the field path it is about."""
    issues: list[Issue] = []
    ids = [f.id for f in spec.hidden_facts]
    seen: set[str] = set()
    for i, fact_id in enumerate(ids):
        if fact_id in seen:
            issues.append(Issue(f"hidden_facts[{i}].id", f"duplicate hidden fact id {fact_id!r}"))
        seen.add(fact_id)

    requires: dict[str, set[str]] = {}
    for i, fact in enumerate(spec.hidden_facts):
        base = f"hidden_facts[{i}].disclose_when"
        requires[fact.id] = set()
        for cond in fact.disclose_when.walk():
            for ref in cond.disclosed or ():
                requires[fact.id].add(ref)
                if ref not in seen:
                    issues.append(Issue(base, f"'disclosed' refers to unknown fact {ref!r}"))
                elif ref == fact.id:
                    issues.append(Issue(base, "a fact cannot require its own disclosure"))
            for item in cond.asked_directly_about or ():
                near = _near_topic(item)
                if near:
                    issues.append(Issue(base, f"{item!r} is not a topic; did you mean {near!r}?"))
    issues.extend(_cycle_issues(requires, ids))

    if spec.category is Category.CRISIS_LINE and spec.risk_profile is None:
        issues.append(Issue("risk_profile", "crisis_line scenarios need a risk_profile"))
    if spec.risk_profile is not None:
        if not spec.risk_profile.desire:
            issues.append(Issue("risk_profile.desire", "at least one desire item is needed"))
        for section in RiskProfile.SECTIONS:
            for j, item in enumerate(getattr(spec.risk_profile, section)):
                for ref in item.revealed_by:
                    if ref not in seen:
                        issues.append(
                            Issue(
                                f"risk_profile.{section}[{j}].revealed_by",
                                f"unknown hidden fact {ref!r}",
                            )
                        )

    approved = any(r.decision is Decision.APPROVED for r in spec.reviews)
    if spec.status in (ScenarioStatus.PUBLISHED, ScenarioStatus.RETIRED) and not approved:
        issues.append(Issue("reviews", f"a {spec.status} scenario needs an approval"))
    current = content_hash(spec)
    for k, review in enumerate(spec.reviews):
        stale = review.content_hash is not None and review.content_hash != current
        if stale and review.decision is Decision.APPROVED and spec.status is ScenarioStatus.PUBLISHED:
            issues.append(Issue(f"reviews[{k}].content_hash", "approval was for different content"))

    if spec.opening_line in spec.fallback_lines:
        issues.append(Issue("fallback_lines", "fallback lines must differ from the opening"))
    return issues


def _near_topic(item: str) -> str | None:
    key = item.strip().lower()
    if key in TOPICS or " " in key:
        return None
    # One edit for short words, two for long ones: "suicde" is a typo, "death" is not "health".
    allowed = 1 if len(key) < 7 else 2
    for name in _TOPIC_NAMES:
        if len(key) >= 4 and _edit_distance(key, name) <= allowed:
            return name
    return None


def _cycle_issues(requires: Mapping[str, set[str]], order: Sequence[str]) -> list[Issue]:
    """Facts that wait on each other's disclosure can never be disclosed."""
    issues: list[Issue] = []
    state: dict[str, int] = {}  # 1 = on stack, 2 = done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(requires.get(node, ())):
            if nxt not in requires or nxt == node:
                continue
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                issues.append(
                    Issue(
                        f"hidden_facts[{order.index(node)}].disclose_when",
                        "disclosure cycle: " + " -> ".join(cycle),
                    )
                )
            elif state.get(nxt) is None:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in order:
        if state.get(node) is None:
            visit(node, [node])
    return issues


# --- building dataclasses from a schema-valid document ---------------------------------


def _tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(x) for x in data.get(key) or ())


def _condition(data: Mapping[str, Any]) -> Condition:
    def opt_float(key: str) -> float | None:
        return float(data[key]) if key in data else None

    return Condition(
        trust_at_least=opt_float("trust_at_least"),
        trust_below=opt_float("trust_below"),
        distress_at_least=opt_float("distress_at_least"),
        resistance_at_most=opt_float("resistance_at_most"),
        asked_directly_about=_tuple(data, "asked_directly_about") or None,
        after_turn=int(data["after_turn"]) if "after_turn" in data else None,
        disclosed=_tuple(data, "disclosed") or None,
        any=tuple(_condition(c) for c in data["any"]) if "any" in data else None,
        all=tuple(_condition(c) for c in data["all"]) if "all" in data else None,
    )


def _risk_items(items: Sequence[Mapping[str, Any]]) -> tuple[RiskItem, ...]:
    return tuple(
        RiskItem(
            kind=str(i["kind"]),
            summary=str(i["summary"]),
            revealed_by=_tuple(i, "revealed_by"),
            present=bool(i.get("present", True)),
        )
        for i in items
    )


def _build(data: Mapping[str, Any]) -> ScenarioSpec:
    p = data["persona"]
    style = p["speech_style"]
    history = p.get("service_history")
    init = data["initial_state"]
    risk = data.get("risk_profile")
    return ScenarioSpec(
        id=str(data["id"]),
        version=int(data["version"]),
        status=ScenarioStatus(data["status"]),
        title=str(data["title"]),
        summary=str(data["summary"]),
        category=Category(data["category"]),
        difficulty=Difficulty(data["difficulty"]),
        behaviour_change_goal=bool(data["behaviour_change_goal"]),
        target_behaviour=data.get("target_behaviour"),
        learning_objectives=_tuple(data, "learning_objectives"),
        content_warnings=_tuple(data, "content_warnings"),
        persona=Persona(
            name=str(p["name"]),
            age=int(p["age"]),
            pronouns=str(p["pronouns"]),
            background=str(p["background"]),
            presenting_concerns=_tuple(p, "presenting_concerns"),
            speech_style=SpeechStyle(
                register=str(style["register"]),
                verbosity=Verbosity(style["verbosity"]),
                quirks=_tuple(style, "quirks"),
                example_phrases=_tuple(style, "example_phrases"),
                deflection=style.get("deflection"),
            ),
            service_history=None
            if history is None
            else ServiceHistory(
                branch=str(history["branch"]),
                years=int(history["years"]),
                role=str(history["role"]),
                deployments=_tuple(history, "deployments"),
            ),
        ),
        opening_line=str(data["opening_line"]),
        shared_facts=_tuple(data, "shared_facts"),
        hidden_facts=tuple(
            HiddenFact(
                id=str(f["id"]),
                fact=str(f["fact"]),
                disclose_when=_condition(f["disclose_when"]),
                signs=_tuple(f, "signs"),
            )
            for f in data["hidden_facts"]
        ),
        initial_state=InitialState(
            trust=float(init["trust"]),
            distress=float(init["distress"]),
            resistance=float(init["resistance"]),
            stage_of_change=StageOfChange(init["stage_of_change"]) if "stage_of_change" in init else None,
        ),
        sensitivities=Sensitivities(
            {
                str(k): {str(v): float(x) for v, x in cells.items()}
                for k, cells in (data.get("sensitivities") or {}).items()
            }
        ),
        fallback_lines=_tuple(data, "fallback_lines"),
        risk_profile=None
        if risk is None
        else RiskProfile(
            desire=_risk_items(risk["desire"]),
            capability=_risk_items(risk["capability"]),
            intent=_risk_items(risk["intent"]),
            buffers=_risk_items(risk["buffers"]),
        ),
        reviews=tuple(
            Review(
                reviewer=str(r["reviewer"]),
                role=str(r["role"]),
                date=str(r["date"]),
                decision=Decision(r["decision"]),
                notes=r.get("notes"),
                content_hash=r.get("content_hash"),
            )
            for r in data["reviews"]
        ),
    )


def spec_from_dict(data: object, source: str = "<scenario>", schema_path: Path | None = None) -> ScenarioSpec:
    """Validate a scenario document (schema, then semantics) and build the spec.

    Raises ScenarioInvalid listing every problem with its field path.
    """
    issues = schema_issues(data, schema_path)
    if issues:
        raise ScenarioInvalid(source, issues)
    spec = _build(cast(Mapping[str, Any], data))
    issues = semantic_issues(spec)
    if issues:
        raise ScenarioInvalid(source, issues)
    return spec


def load_scenario_text(text: str, source: str = "<scenario>", schema_path: Path | None = None) -> ScenarioSpec:
    return spec_from_dict(parse_yaml(text, source), source, schema_path)


def load_scenario_file(path: Path, schema_path: Path | None = None) -> ScenarioSpec:
    """Load one YAML file. The file stem must be ``<id>`` or ``<id>.v<version>``."""
    source = str(path)
    spec = load_scenario_text(path.read_text(encoding="utf-8"), source, schema_path)
    if path.stem not in (spec.id, f"{spec.id}.v{spec.version}"):
        raise ScenarioInvalid(source, [Issue("id", f"file name {path.name!r} does not match id {spec.id!r}")])
    return spec


def scenario_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))


# --- serialisation and hashing ---------------------------------------------------------


def _condition_dict(cond: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("trust_at_least", "trust_below", "distress_at_least", "resistance_at_most"):
        value = getattr(cond, key)
        if value is not None:
            out[key] = value
    if cond.asked_directly_about:
        out["asked_directly_about"] = list(cond.asked_directly_about)
    if cond.after_turn is not None:
        out["after_turn"] = cond.after_turn
    if cond.disclosed:
        out["disclosed"] = list(cond.disclosed)
    if cond.any:
        out["any"] = [_condition_dict(c) for c in cond.any]
    if cond.all:
        out["all"] = [_condition_dict(c) for c in cond.all]
    return out


def _risk_dict(item: RiskItem) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": item.kind, "summary": item.summary}
    if not item.present:
        out["present"] = False
    out["revealed_by"] = list(item.revealed_by)
    return out


def spec_to_dict(spec: ScenarioSpec) -> dict[str, Any]:
    """The spec as a schema-valid document (for persistence, export and hashing)."""
    p = spec.persona
    style = p.speech_style
    persona: dict[str, Any] = {
        "name": p.name,
        "age": p.age,
        "pronouns": p.pronouns,
        "background": p.background,
    }
    if p.service_history is not None:
        h = p.service_history
        persona["service_history"] = {
            "branch": h.branch,
            "years": h.years,
            "role": h.role,
            "deployments": list(h.deployments),
        }
    persona["presenting_concerns"] = list(p.presenting_concerns)
    persona["speech_style"] = {
        "register": style.register,
        "verbosity": style.verbosity.value,
        "quirks": list(style.quirks),
        "example_phrases": list(style.example_phrases),
        **({"deflection": style.deflection} if style.deflection else {}),
    }
    init: dict[str, Any] = {
        "trust": spec.initial_state.trust,
        "distress": spec.initial_state.distress,
        "resistance": spec.initial_state.resistance,
    }
    if spec.initial_state.stage_of_change is not None:
        init["stage_of_change"] = spec.initial_state.stage_of_change.value
    out: dict[str, Any] = {
        "id": spec.id,
        "version": spec.version,
        "status": spec.status.value,
        "title": spec.title,
        "summary": spec.summary,
        "category": spec.category.value,
        "difficulty": spec.difficulty.value,
        "behaviour_change_goal": spec.behaviour_change_goal,
    }
    if spec.target_behaviour is not None:
        out["target_behaviour"] = spec.target_behaviour
    out.update(
        {
            "learning_objectives": list(spec.learning_objectives),
            "content_warnings": list(spec.content_warnings),
            "persona": persona,
            "opening_line": spec.opening_line,
            "shared_facts": list(spec.shared_facts),
            "hidden_facts": [
                {
                    "id": f.id,
                    "fact": f.fact,
                    **({"signs": list(f.signs)} if f.signs else {}),
                    "disclose_when": _condition_dict(f.disclose_when),
                }
                for f in spec.hidden_facts
            ],
            "initial_state": init,
        }
    )
    if spec.sensitivities.overrides:
        out["sensitivities"] = {k: dict(v) for k, v in sorted(spec.sensitivities.overrides.items())}
    out["fallback_lines"] = list(spec.fallback_lines)
    if spec.risk_profile is not None:
        out["risk_profile"] = {
            section: [_risk_dict(i) for i in getattr(spec.risk_profile, section)] for section in RiskProfile.SECTIONS
        }
    out["reviews"] = [
        {
            "reviewer": r.reviewer,
            "role": r.role,
            "date": r.date,
            "decision": r.decision.value,
            **({"notes": r.notes} if r.notes else {}),
            **({"content_hash": r.content_hash} if r.content_hash else {}),
        }
        for r in spec.reviews
    ]
    return out


# Workflow metadata is not content: approving or publishing must not change the hash.
_NOT_CONTENT = ("status", "reviews")


def content_hash(spec: ScenarioSpec) -> str:
    """``sha256:<hex>`` of the canonical JSON of everything that shapes a simulation.

    Status and reviews are excluded, so the hash a reviewer approves is the hash that
    gets published; id and version are included, so two versions never share a hash
    unless they are the same version.
    """
    doc = {k: v for k, v in spec_to_dict(spec).items() if k not in _NOT_CONTENT}
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
