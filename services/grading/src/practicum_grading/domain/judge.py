"""The LLM judge contract: output schema, prompt, strict parsing, retries, fallback.

The judge rates the four MITI global scores (1-5) and writes strengths, growth areas,
rewrites and overall feedback. The HTTP call itself belongs to an adapter; this module
only decides what to send, what counts as a valid answer, when to try again, and what
to report when the model cannot be used.

The rubric anchors in ``SYSTEM_PROMPT`` are our own short paraphrases, not manual text.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from practicum_common.errors import InvalidInput

from .errors import JudgeOutputInvalid, JudgeUnavailable
from .model import ScenarioMeta, TalkType, TraineeCode, Transcript, TurnCode
from .summary import Rating, SummaryScores, format_measure

MAX_LIST_ITEMS = 5
MAX_ITEM_CHARS = 300
MAX_REWRITES = 3
MAX_REWRITE_CHARS = 500
MAX_OVERALL_CHARS = 1200
SCORE_VALUES = (1, 2, 3, 4, 5)

# Sized for the local SmolLM2-135M server (2k-token context): ~3.5k characters of
# transcript plus the rubric leaves room for the constrained JSON answer. Production
# passes a larger budget for its larger model.
DEFAULT_TRANSCRIPT_CHARS = 3500
MAX_UTTERANCE_CHARS = 280

FALLBACK_NOTE = (
    "Heuristic estimate computed from the coded turns by fixed rules; it is not an LLM or "
    "expert judgement and should be read as indicative only."
)


class JudgeSource(StrEnum):
    LLM = "llm"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class RewrittenResponse:
    turn_id: str
    better_response: str


@dataclass(frozen=True)
class JudgeResult:
    source: JudgeSource
    partnership: int
    empathy: int
    # None when the scenario has no behaviour-change goal.
    cultivating_change_talk: int | None
    softening_sustain_talk: int | None
    strengths: tuple[str, ...]
    growth_areas: tuple[str, ...]
    rewritten_responses: tuple[RewrittenResponse, ...]
    overall_feedback: str
    # Where the scores came from and how far to trust them (always set for fallback).
    note: str = ""
    # Fallback only: the rules that produced each score, for the supervisor.
    rationale: tuple[str, ...] = ()


# --- schema ------------------------------------------------------------------------------


def _string(max_chars: int, length_limits: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if length_limits:
        schema.update(minLength=1, maxLength=max_chars)
    return schema


def judge_output_schema(
    *,
    trainee_turn_ids: Sequence[str] | None = None,
    behaviour_change_goal: bool | None = None,
    string_length_limits: bool = False,
) -> dict[str, Any]:
    """JSON Schema of the judge's answer, valid for ``strict`` structured output.

    * ``trainee_turn_ids``: when given, ``rewritten_responses[].turn_id`` is an enum of
      them, so a constrained decoder cannot invent an id (small models do).
    * ``behaviour_change_goal``: True forces integer technical scores, False forces null;
      None (the generic contract) allows either.
    * ``string_length_limits``: adds ``minLength``/``maxLength`` to strings. Off by
      default: llama.cpp (llama-cpp-python 0.3.36) unrolls ``maxLength`` into nested
      grammar rules, and a 300-character bound made its grammar parser fail and the
      server process exit. vLLM's structured output handles them; turn them on there if
      wanted. The parser enforces the same bounds either way, and ``max_tokens`` caps
      the answer. Array bounds (``maxItems``) are always present: they stay small.

    Properties are ordered strengths/growth areas first: constrained decoders emit keys
    in schema order, and writing the evidence before the numbers steadies small models.
    """
    score = {"type": "integer", "enum": list(SCORE_VALUES)}
    if behaviour_change_goal is None:
        technical: dict[str, Any] = {"type": ["integer", "null"], "enum": [*SCORE_VALUES, None]}
    elif behaviour_change_goal:
        technical = dict(score)
    else:
        technical = {"type": "null"}
    turn_id: dict[str, Any] = {"type": "string"}
    if trainee_turn_ids is not None and trainee_turn_ids:
        turn_id["enum"] = list(dict.fromkeys(trainee_turn_ids))
    rewrites: dict[str, Any] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"turn_id": turn_id, "better_response": _string(MAX_REWRITE_CHARS, string_length_limits)},
            "required": ["turn_id", "better_response"],
            "additionalProperties": False,
        },
        # Without any visible trainee turn there is nothing to rewrite.
        "maxItems": MAX_REWRITES if trainee_turn_ids is None or trainee_turn_ids else 0,
    }
    text_list: dict[str, Any] = {
        "type": "array",
        "items": _string(MAX_ITEM_CHARS, string_length_limits),
        "maxItems": MAX_LIST_ITEMS,
    }
    properties: dict[str, Any] = {
        "strengths": text_list,
        "growth_areas": text_list,
        "partnership": score,
        "empathy": score,
        "cultivating_change_talk": technical,
        "softening_sustain_talk": technical,
        "rewritten_responses": rewrites,
        "overall_feedback": _string(MAX_OVERALL_CHARS, string_length_limits),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


# --- prompt ------------------------------------------------------------------------------

SYSTEM_PROMPT = """\
You review a practice conversation in which a trainee supports a simulated client. \
Rate the trainee only, over the whole conversation, with whole numbers from 1 to 5.
partnership: 1 = trainee acts as the expert and steers alone; 3 = some shared decisions, \
chances to involve the client missed; 5 = treats the client as the expert on their own \
life and works things out with them.
empathy: 1 = little interest in how the client sees things; 3 = tries to understand, \
sometimes accurately; 5 = shows deep, accurate understanding, including what was not said.
cultivating_change_talk: 1 = ignores or argues with the client's own reasons to change; \
3 = notices them now and then; 5 = steadily draws them out and builds on them.
softening_sustain_talk: 1 = pushes or argues, so the client defends the status quo more; \
3 = neither helps nor harms; 5 = steadily eases the pull of the status quo without confronting.
strengths and growth_areas: short and specific, about the trainee's words. \
rewritten_responses: up to 3 trainee turns that could be better, by the id in brackets, \
each with a better reply. overall_feedback: 2-3 kind, specific sentences to the trainee. \
Answer with JSON only."""


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def _render_transcript(transcript: Transcript, budget_chars: int) -> tuple[str, tuple[str, ...]]:
    """Conversation lines within ``budget_chars`` and the trainee ids they show.

    When the session is too long, the opening line is kept for context and the latest
    turns fill the rest: the end of a session is where crisis steps and summaries happen.
    """
    lines: list[tuple[str, str | None]] = []
    for turn in transcript.turns:
        if turn.is_trainee:
            text = f"[{turn.turn_id}] Trainee ({turn.trainee_code.label}): {_clip(turn.text, MAX_UTTERANCE_CHARS)}"
            lines.append((text, turn.turn_id))
        else:
            lines.append((f"Client: {_clip(turn.text, MAX_UTTERANCE_CHARS)}", None))
    if sum(len(text) + 1 for text, _ in lines) <= budget_chars:
        kept = lines
    else:
        head = lines[:1]
        remaining = budget_chars - sum(len(text) + 1 for text, _ in head) - 40
        tail: list[tuple[str, str | None]] = []
        for line in reversed(lines[1:]):
            if remaining - len(line[0]) - 1 < 0:
                break
            remaining -= len(line[0]) + 1
            tail.append(line)
        tail.reverse()
        omitted = len(lines) - len(head) - len(tail)
        kept = [*head, (f"[... {omitted} earlier turns omitted ...]", None), *tail]
    return "\n".join(text for text, _ in kept), tuple(tid for _, tid in kept if tid is not None)


def _messages(scenario: ScenarioMeta, summary: SummaryScores, conversation: str) -> list[dict[str, str]]:
    technical = (
        "Behaviour-change goal: yes; score all four."
        if scenario.behaviour_change_goal
        else "Behaviour-change goal: none; cultivating_change_talk and softening_sustain_talk must be null."
    )
    counts = (
        f"Coder counts: {summary.questions} questions ({summary.open_questions} open), "
        f"{summary.reflections} reflections ({summary.complex_reflections} complex), "
        f"MI-adherent {summary.mi_adherent}, MI-non-adherent {summary.mi_non_adherent}."
    )
    # The scenario's own learning objectives, so the written feedback can speak to them.
    objectives = "".join(f"\n- {o}" for o in scenario.learning_objectives)
    aims = f"\nLearning objectives:{objectives}" if objectives else ""
    user = (
        f"Scenario: {scenario.category.value}; suicide risk: {'yes' if scenario.has_suicide_risk else 'no'}. "
        f"{technical}{aims}\n{counts}\nConversation:\n{conversation}"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


@dataclass(frozen=True)
class JudgeRequest:
    messages: tuple[dict[str, str], ...]
    # The bare JSON schema; the inference client wraps it in the response_format dialect
    # of the configured server (practicum_common.llm), so the domain stays server-agnostic.
    schema: dict[str, Any]
    # Trainee turns the model was shown; the schema's turn_id enum is limited to them.
    visible_turn_ids: tuple[str, ...]


def build_judge_messages(
    transcript: Transcript,
    scenario: ScenarioMeta,
    summary: SummaryScores,
    *,
    max_transcript_chars: int = DEFAULT_TRANSCRIPT_CHARS,
) -> list[dict[str, str]]:
    """Chat messages (system + user) for the judge, compact enough for a small model."""
    conversation, _ = _render_transcript(transcript, max_transcript_chars)
    return _messages(scenario, summary, conversation)


def build_judge_request(
    transcript: Transcript,
    scenario: ScenarioMeta,
    summary: SummaryScores,
    *,
    max_transcript_chars: int = DEFAULT_TRANSCRIPT_CHARS,
    string_length_limits: bool = False,
) -> JudgeRequest:
    """Messages plus an output schema that matches exactly what was shown."""
    conversation, visible = _render_transcript(transcript, max_transcript_chars)
    schema = judge_output_schema(
        trainee_turn_ids=visible,
        behaviour_change_goal=scenario.behaviour_change_goal,
        string_length_limits=string_length_limits,
    )
    messages = tuple(_messages(scenario, summary, conversation))
    return JudgeRequest(messages, schema, visible)


# --- parsing -------------------------------------------------------------------------------

_FENCE = re.compile(r"^```(?:json)?\s*(?P<body>.*?)\s*```$", re.DOTALL)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise JudgeOutputInvalid(key, "appears more than once")
    return dict(pairs)


def _score(data: dict[str, Any], name: str) -> int:
    value = data[name]
    # JSON has one number type: 4.0 is the integer 4, but true is not a score.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise JudgeOutputInvalid(name, f"must be an integer 1-5, got {value!r}")
    if value not in SCORE_VALUES:
        raise JudgeOutputInvalid(name, f"must be within 1-5, got {value}")
    return value


def _text(value: Any, name: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise JudgeOutputInvalid(name, f"must be a string, got {type(value).__name__}")
    # Line breaks and tabs become single spaces (reports re-wrap text anyway); any other
    # control character (NUL, a terminal escape) makes the answer invalid, whether it
    # arrived raw or \u-escaped.
    text = " ".join(value.split())
    if not text:
        raise JudgeOutputInvalid(name, "must not be empty")
    control = next((c for c in text if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise JudgeOutputInvalid(name, f"contains the control character {control!r}")
    if len(text) > max_chars:
        raise JudgeOutputInvalid(name, f"is {len(text)} characters; the limit is {max_chars}")
    return text


# Words of two or more letters, in any script. A constrained decoder guarantees the JSON
# shape, not that the strings are feedback: the local 135M model has written "1.5" as a
# strength and ", no more than 20 sentences." (an echo of some instruction) as the overall
# feedback. A HEURISTIC floor, not a quality judgement: text must open with a letter,
# digit, quote or bracket and carry a few real words; otherwise the answer is invalid
# and is retried, then replaced by the fallback, like any other invalid answer.
_WORD = re.compile(r"[^\W\d_]{2,}")
_OPENERS = "\"'(\u201c\u2018"
MIN_WORDS = {"item": 2, "better_response": 2, "overall_feedback": 5}
# It has also copied a conversation line as a "strength" ("1. Trainee (open question):
# Thanks for reaching out, Dale.") and echoed the instructions as the overall feedback
# ("2-3 kind, specific sentences to the client's words."). Echoes are found by 5-word
# spans of the instruction sentences only, not of the rubric anchors, which good feedback
# may legitimately quote ("you treated the client as the expert").
_SPEAKER_LINE = re.compile(r"^\W*(?:\d+[.)]\s*)?(?:\[[^\]]*\]\s*)?(?:trainee|client)\b[^:]{0,40}:", re.IGNORECASE)
_ECHO_SPAN = 5


def _spans(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + _ECHO_SPAN]) for i in range(len(words) - _ECHO_SPAN + 1)}


_INSTRUCTION_SPANS = _spans(SYSTEM_PROMPT[SYSTEM_PROMPT.index("strengths and growth_areas:") :])


def _prose(value: Any, name: str, max_chars: int, min_words: int) -> str:
    text = _text(value, name, max_chars)
    if not (text[0].isalnum() or text[0] in _OPENERS):
        raise JudgeOutputInvalid(name, f"does not read as feedback: it starts with {text[0]!r}")
    if len(_WORD.findall(text)) < min_words:
        raise JudgeOutputInvalid(name, f"does not read as feedback: fewer than {min_words} words")
    if _SPEAKER_LINE.match(text):
        raise JudgeOutputInvalid(name, "does not read as feedback: it copies a conversation line")
    if _spans(text) & _INSTRUCTION_SPANS:
        raise JudgeOutputInvalid(name, "does not read as feedback: it repeats the instructions")
    return text


def _array(value: Any, name: str, max_items: int) -> list[Any]:
    if not isinstance(value, list):
        raise JudgeOutputInvalid(name, f"must be an array, got {type(value).__name__}")
    if len(value) > max_items:
        raise JudgeOutputInvalid(name, f"has {len(value)} items; the limit is {max_items}")
    return value


_REQUIRED = tuple(judge_output_schema()["required"])


def parse_judge_output(raw: str, transcript: Transcript, *, behaviour_change_goal: bool) -> JudgeResult:
    """Validate the judge's raw answer strictly; raise JudgeOutputInvalid naming the field.

    Checks types, score ranges, string and list bounds, unknown or missing keys, that
    every rewritten turn id is a trainee turn of ``transcript`` (once each), and that each
    text reads as feedback (``_prose``). Technical
    scores must be integers with a behaviour-change goal and null without one, mirroring
    the schema that was sent.
    """
    body = raw.strip()
    fenced = _FENCE.match(body)
    if fenced:
        # Some servers wrap JSON in a markdown fence even under a schema; the content is
        # still validated in full.
        body = fenced.group("body")
    try:
        # strict=False: small models often put raw line breaks inside a JSON string
        # ("Invalid control character"). Every string is still checked by ``_text``, which
        # collapses whitespace and rejects any other control character.
        data = json.loads(body, strict=False, object_pairs_hook=_reject_duplicates)
    except json.JSONDecodeError as exc:
        raise JudgeOutputInvalid("$", f"not valid JSON ({exc.msg} at position {exc.pos})") from None
    if not isinstance(data, dict):
        raise JudgeOutputInvalid("$", f"must be a JSON object, got {type(data).__name__}")
    for name in _REQUIRED:
        if name not in data:
            raise JudgeOutputInvalid(name, "is missing")
    for name in data:
        if name not in _REQUIRED:
            raise JudgeOutputInvalid(name, "is not part of the judge contract")

    technical: dict[str, int | None] = {}
    for name in ("cultivating_change_talk", "softening_sustain_talk"):
        if behaviour_change_goal:
            technical[name] = _score(data, name)
        elif data[name] is not None:
            raise JudgeOutputInvalid(name, "must be null: the scenario has no behaviour-change goal")
        else:
            technical[name] = None

    lists = {
        name: tuple(
            _prose(item, f"{name}[{i}]", MAX_ITEM_CHARS, MIN_WORDS["item"])
            for i, item in enumerate(_array(data[name], name, MAX_LIST_ITEMS))
        )
        for name in ("strengths", "growth_areas")
    }
    rewrites: list[RewrittenResponse] = []
    for i, item in enumerate(_array(data["rewritten_responses"], "rewritten_responses", MAX_REWRITES)):
        where = f"rewritten_responses[{i}]"
        if not isinstance(item, dict):
            raise JudgeOutputInvalid(where, "must be an object")
        if set(item) != {"turn_id", "better_response"}:
            raise JudgeOutputInvalid(where, "must have exactly turn_id and better_response")
        turn_id = item["turn_id"]
        if not isinstance(turn_id, str) or transcript.trainee_turn(turn_id) is None:
            raise JudgeOutputInvalid(f"{where}.turn_id", f"{turn_id!r} is not a trainee turn of this session")
        if any(r.turn_id == turn_id for r in rewrites):
            raise JudgeOutputInvalid(f"{where}.turn_id", f"{turn_id!r} is rewritten twice")
        rewrites.append(
            RewrittenResponse(
                turn_id,
                _prose(
                    item["better_response"],
                    f"{where}.better_response",
                    MAX_REWRITE_CHARS,
                    MIN_WORDS["better_response"],
                ),
            )
        )
    return JudgeResult(
        source=JudgeSource.LLM,
        partnership=_score(data, "partnership"),
        empathy=_score(data, "empathy"),
        cultivating_change_talk=technical["cultivating_change_talk"],
        softening_sustain_talk=technical["softening_sustain_talk"],
        strengths=lists["strengths"],
        growth_areas=lists["growth_areas"],
        rewritten_responses=tuple(rewrites),
        overall_feedback=_prose(
            data["overall_feedback"], "overall_feedback", MAX_OVERALL_CHARS, MIN_WORDS["overall_feedback"]
        ),
        note="Global scores from the LLM judge.",
    )


# --- retries ---------------------------------------------------------------------------


def is_retryable(error: BaseException) -> bool:
    """Invalid output may be valid on the next sample; an unavailable tier may recover."""
    return isinstance(error, JudgeOutputInvalid | JudgeUnavailable)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff and "equal jitter".

    The delay before attempt n+1 is drawn from [c/2, c] where c = min(max_delay,
    base * multiplier**(n-1)): the guaranteed half keeps a struggling one-thread model
    server from being hammered, the random half keeps many workers from retrying in
    lock-step. ``rng`` returns a float in [0, 1) and is injectable for tests.
    """

    max_attempts: int = 3
    base_delay_seconds: float = 1.0
    multiplier: float = 2.0
    max_delay_seconds: float = 20.0
    rng: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidInput("max_attempts", "must be at least 1")
        if self.base_delay_seconds < 0 or self.max_delay_seconds < self.base_delay_seconds:
            raise InvalidInput("max_delay_seconds", "delays must satisfy 0 <= base <= max")
        if self.multiplier < 1:
            raise InvalidInput("multiplier", "must be at least 1")

    def backoff(self, failed_attempts: int) -> float:
        """Seconds to wait after ``failed_attempts`` failures (1 after the first)."""
        # Cap the exponent so a huge attempt number cannot overflow the float.
        exponent = min(max(failed_attempts, 1) - 1, 64)
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * self.multiplier**exponent)
        return ceiling / 2 + self.rng() * ceiling / 2

    def should_retry(self, failed_attempts: int, error: BaseException) -> bool:
        return failed_attempts < self.max_attempts and is_retryable(error)


@dataclass(frozen=True)
class JudgeOutcome:
    result: JudgeResult
    attempts: int
    # One line per failed attempt ("empathy: must be within 1-5, got 7"), for logs.
    errors: tuple[str, ...]


def judge_with_retries(
    call: Callable[[], str],
    transcript: Transcript,
    summary: SummaryScores,
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> JudgeOutcome:
    """Call the judge until it gives valid output or the policy gives up, then fall back.

    ``call`` performs one request and returns the raw content; it raises JudgeUnavailable
    for transport failures. Other exceptions propagate: they are bugs, not weather.
    A Celery task that prefers ``self.retry`` can instead use ``policy.should_retry``
    and ``policy.backoff`` directly.
    """
    policy = policy or RetryPolicy()
    errors: list[str] = []
    attempt = 0
    while True:
        attempt += 1
        try:
            result = parse_judge_output(call(), transcript, behaviour_change_goal=summary.behaviour_change_goal)
            return JudgeOutcome(result, attempt, tuple(errors))
        except (JudgeOutputInvalid, JudgeUnavailable) as exc:
            errors.append(str(exc))
            if not policy.should_retry(attempt, exc):
                break
            sleep(policy.backoff(attempt))
    fallback = fallback_judgement(transcript, summary)
    note = f"{fallback.note} Used because the LLM judge failed {attempt} time(s); last error: {errors[-1]}"
    return JudgeOutcome(replace(fallback, note=note), attempt, tuple(errors))


# --- heuristic fallback ------------------------------------------------------------------


@dataclass
class _Points:
    """A score built from named rules, so the report can show how it was reached."""

    name: str
    start: float
    rules: list[tuple[float, str]] = field(default_factory=list)

    def add(self, delta: float, reason: str) -> None:
        self.rules.append((delta, reason))

    def final(self) -> int:
        # Round half up within 1-5, the integer scale the judge uses.
        value = self.start + sum(delta for delta, _ in self.rules)
        return int(min(5.0, max(1.0, math.floor(value + 0.5))))

    def explain(self) -> str:
        rules = "; ".join(f"{d:+g} {r}" if d else r for d, r in self.rules) or "no rule applied"
        return f"{self.name} {self.final()}: start {self.start:g}; {rules}"


def _rated_at_least(summary: SummaryScores, key: str, rating: Rating) -> bool:
    order = {Rating.BELOW_FAIR: 0, Rating.FAIR: 1, Rating.GOOD: 2}
    actual = summary.item(key).rating
    return actual in order and order[actual] >= order[rating]


def _replies_to(transcript: Transcript, talk: TalkType) -> list[TurnCode]:
    """Codes of the trainee turns that directly follow client turns of one talk type."""
    codes = []
    for position, turn in enumerate(transcript.turns):
        if turn.talk_type is talk:
            reply = next((t for t in transcript.turns[position + 1 :] if t.is_trainee), None)
            if reply is not None:
                codes.append(reply.trainee_code)
    return codes


def fallback_judgement(transcript: Transcript, summary: SummaryScores) -> JudgeResult:
    """A deterministic estimate of the global scores from the coded turns.

    Used when no LLM judge is configured or it keeps failing. Marked
    ``source="fallback"`` with a note: these are rule-of-thumb estimates (empathy from
    reflections and their depth, partnership from MI-adherent moves and open questions,
    the technical scores from how the trainee answered change and sustain talk), not an
    LLM or expert rating.
    """
    counts = summary.code_counts
    empathy = _Points("empathy", 1.0)
    if summary.reflections:
        empathy.add(1, "reflected at least once")
    if _rated_at_least(summary, "reflection_to_question_ratio", Rating.FAIR) or (
        summary.questions == 0 and summary.reflections >= 2
    ):
        empathy.add(1, "reflections at least matched questions")
    if _rated_at_least(summary, "percent_complex_reflections", Rating.FAIR):
        empathy.add(1, "complex reflections at fair level or better")
    if _rated_at_least(summary, "percent_complex_reflections", Rating.GOOD):
        empathy.add(0.5, "complex reflections at good level")
    if counts[TraineeCode.AFFIRM]:
        empathy.add(0.5, "affirmed the client")
    if _rated_at_least(summary, "percent_open_questions", Rating.FAIR):
        empathy.add(0.5, "mostly open questions")
    if counts[TraineeCode.CONFRONT]:
        empathy.add(-1, "confronted the client")

    partnership = _Points("partnership", 2.0)
    collaborative = counts[TraineeCode.SEEKING_COLLABORATION] + counts[TraineeCode.EMPHASIZING_AUTONOMY]
    if collaborative:
        partnership.add(1, "sought collaboration or emphasised autonomy")
    if collaborative >= 3:
        partnership.add(0.5, "did so repeatedly")
    if counts[TraineeCode.PERSUADE_WITH_PERMISSION]:
        partnership.add(0.5, "asked permission before advising")
    if _rated_at_least(summary, "percent_open_questions", Rating.FAIR):
        partnership.add(1, "mostly open questions")
    if _rated_at_least(summary, "reflection_to_question_ratio", Rating.FAIR):
        partnership.add(0.5, "listened at least as much as asked")
    if counts[TraineeCode.PERSUADE]:
        partnership.add(-1, "gave advice without permission")
    if summary.mi_non_adherent >= 3:
        partnership.add(-1, "three or more MI-non-adherent moves")

    scores = [empathy, partnership]
    cct_value: int | None = None
    sst_value: int | None = None
    if summary.behaviour_change_goal:
        cct = _Points("cultivating change talk", 2.0)
        after_change = _replies_to(transcript, TalkType.CHANGE)
        reflected = [c for c in after_change if c.code is TraineeCode.REFLECTION]
        evoked = [c for c in after_change if c.code is TraineeCode.REFLECTION or c.subcode == "open"]
        if reflected:
            cct.add(1, "reflected client change talk")
        if after_change and 2 * len(evoked) >= len(after_change):
            cct.add(1, "followed most change talk with a reflection or open question")
        if summary.complex_reflections:
            cct.add(0.5, "used complex reflections")
        if summary.mi_non_adherent:
            cct.add(-0.5, "persuaded or confronted, which crowds out the client's own reasons")
        sst = _Points("softening sustain talk", 3.0)
        after_sustain = _replies_to(transcript, TalkType.SUSTAIN)
        if after_sustain:
            reflected_sustain = [c for c in after_sustain if c.code is TraineeCode.REFLECTION]
            if 2 * len(reflected_sustain) >= len(after_sustain):
                sst.add(1, "reflected most sustain talk instead of arguing")
            pushed = sum(1 for c in after_sustain if c.code in (TraineeCode.PERSUADE, TraineeCode.CONFRONT))
            if pushed:
                sst.add(-min(2, pushed), "met sustain talk with persuasion or confrontation")
        else:
            sst.add(0, "no client sustain talk coded, so it starts and stays near the neutral midpoint")
        if counts[TraineeCode.CONFRONT]:
            sst.add(-1, "confronted the client")
        scores += [cct, sst]
        cct_value, sst_value = cct.final(), sst.final()

    strengths, growth = _summary_observations(summary)
    first_strength = strengths[0] if strengths else "You completed the practice conversation."
    overall = f"{first_strength} " + (f"Next time, focus on this: {growth[0]}" if growth else "Keep building on this.")
    return JudgeResult(
        source=JudgeSource.FALLBACK,
        partnership=partnership.final(),
        empathy=empathy.final(),
        cultivating_change_talk=cct_value,
        softening_sustain_talk=sst_value,
        strengths=strengths,
        growth_areas=growth,
        rewritten_responses=(),
        overall_feedback=overall,
        note=FALLBACK_NOTE,
        rationale=tuple(s.explain() for s in scores),
    )


def _summary_observations(summary: SummaryScores) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Strengths and growth areas read straight off the rated summary items."""
    strengths: list[str] = []
    growth: list[str] = []
    for item in summary.items:
        if item.rating is Rating.GOOD:
            strengths.append(f"{item.label} met the good threshold.")
        elif item.rating is Rating.BELOW_FAIR:
            target = format_measure(item.unit, item.fair, threshold=True)
            growth.append(f"{item.label} was below the fair threshold; aim for at least {target}.")
    if summary.mi_adherent:
        strengths.append(
            f"Used {summary.mi_adherent} MI-adherent response(s): affirming, collaborating, or respecting choice."
        )
    if summary.mi_non_adherent:
        growth.append(
            f"Replace advice without permission or confrontation ({summary.mi_non_adherent} time(s)) "
            "with a reflection or by asking permission first."
        )
    return tuple(strengths[:MAX_LIST_ITEMS]), tuple(growth[:MAX_LIST_ITEMS])
