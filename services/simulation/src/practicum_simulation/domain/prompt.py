"""Chat messages for the simulated client's reply, laid out for prefix caching.

Layout (OpenAI chat format)::

    [system]    fixed prefix: persona, scenario, style rules      <- identical every turn
    [assistant] opening line                                       <- grows turn by turn,
    [user]      trainee turn 1                                        append-only
    [assistant] client reply 1
    ...
    [user]      this trainee turn + "(short per-turn stage note)"
                (or the note as its own final [system] message: guidance_role="system")

The prefix is a pure function of the scenario version: nothing turn-, session-, trainee-
or time-dependent goes in it, so it is byte-identical across all turns of a session and
across sessions of the same scenario version, and the inference tier's prefix cache
(vLLM automatic prefix caching, llama.cpp's slot cache) reuses it. Everything that
changes per turn sits in the final note, after the history, so it never invalidates the
cached history (the next turn sends this trainee message without the note, so at most
the note's own few tokens are recomputed). ``cache_salt`` isolates those caches per organisation (vLLM
``cache_salt``), so one tenant's traffic cannot probe another's cache timing.

The prefix is kept under ~700 tokens and written as short imperative lines because the
local model (SmolLM2-135M) follows little else; the production model gets the same text.
Hidden facts never appear in the prefix: the model cannot leak what it was never told.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from practicum_simulation.domain.scenarios import (
    Category,
    HiddenFact,
    ScenarioSpec,
    Verbosity,
)
from practicum_simulation.domain.state import ClientState, StageOfChange

PREFIX_TOKEN_BUDGET = 700

ChatMessage = dict[str, str]


class Speaker(StrEnum):
    TRAINEE = "trainee"
    CLIENT = "client"


@dataclass(frozen=True)
class Turn:
    speaker: Speaker
    text: str


@dataclass(frozen=True)
class LengthTarget:
    sentences: int
    max_words: int

    @property
    def max_tokens(self) -> int:
        """Generation cap for the inference request (about 1.3 tokens per word + slack)."""
        return int(self.max_words * 1.6) + 12

    @property
    def guard_max_sentences(self) -> int:
        # One sentence of tolerance before the guard trims: small models overshoot a bit.
        return min(self.sentences + 1, 4)

    @property
    def guard_max_chars(self) -> int:
        return max(80, int(self.max_words * 6.5) + 20)


def estimate_tokens(text: str) -> int:
    """Rough token count (no tokenizer in the domain): the larger of chars/4 and
    1.35 tokens per word, which over-estimates for English on BPE vocabularies."""
    return max(len(text) // 4, int(len(text.split()) * 1.35))


def first_name(spec: ScenarioSpec) -> str:
    return spec.persona.name.split()[0]


def _counterpart(spec: ScenarioSpec) -> str:
    if spec.category is Category.CRISIS_LINE:
        return "a crisis-line responder; you are the one who called the line"
    if spec.category is Category.MOTIVATIONAL_INTERVIEWING:
        return "a counselor you are seeing"
    if spec.persona.service_history is not None:
        return "a peer supporter, a fellow veteran"
    return "a peer supporter"


def _identity(spec: ScenarioSpec) -> str:
    p = spec.persona
    line = f"You are {p.name}, {p.age}, {p.pronouns}."
    h = p.service_history
    if h is not None:
        line += f" {h.branch_name} veteran, {h.years} years, {h.role}"
        if h.deployments:
            line += f"; deployed: {', '.join(h.deployments)}"
        line += "."
    return line


_VERBOSITY = {
    Verbosity.TERSE: "You say little and use short sentences.",
    Verbosity.MODERATE: "You talk in plain, everyday sentences.",
    Verbosity.TALKATIVE: "You talk freely and sometimes ramble, but keep it to a few sentences.",
}


def system_prefix(spec: ScenarioSpec) -> str:
    """The fixed system message of a scenario version (pure, deterministic)."""
    p = spec.persona
    name = first_name(spec)
    style = p.speech_style
    lines = [
        _identity(spec),
        f"You are talking with {_counterpart(spec)}. Stay {name} the whole time.",
        "",
        # Authors write facts in the third person (reviewers and the grader read them
        # too); the labels tell the model they are about itself.
        f"About {name} (you): {p.background}",
        "On your mind: " + "; ".join(p.presenting_concerns) + ".",
    ]
    if spec.shared_facts:
        lines.append(f"Things {name} shares if they come up:")
        lines.extend(f"- {fact}" for fact in spec.shared_facts)
    signs = [s for fact in spec.hidden_facts for s in fact.signs]
    if signs:
        lines.append("Signs that show without you explaining them: " + "; ".join(signs) + ".")
    lines += [
        f"How you talk: {style.register}. {_VERBOSITY[style.verbosity]}",
        "Habits: " + "; ".join(q.rstrip(".") for q in style.quirks) + ".",
        "Lines that sound like you: " + " ".join(f'"{e}"' for e in style.example_phrases),
        "",
        "Rules:",
        f"- Speak only as {name}, first person, plain speech. Never write the other person's lines, names or labels.",
        "- Never say or hint that you are an AI, a model, a simulation, or following "
        f"instructions. If someone says so, react as {name} would and carry on.",
        "- You are not the helper. Never give advice, tips, resources or therapy talk.",
    ]
    if spec.has_suicide_risk:
        lines.append(
            "- If it is true for you, you can say you have had thoughts of suicide. Never "
            "describe a method, means, amounts or how; if pushed, say you won't go into that."
        )
    else:
        lines.append("- Never describe ways to hurt yourself or anyone; if pushed, refuse.")
    lines += [
        "- Keep private things private until a note says you may share them.",
        "- Reply in 1 to 3 sentences. No lists, no actions in asterisks.",
    ]
    return "\n".join(lines)


def length_target(state: ClientState, verbosity: Verbosity) -> LengthTarget:
    """How long the next reply should be: guarded clients say less.

    openness = trust - 0.5 * resistance; terse personas say a sentence less, talkative
    ones use more words per sentence.
    """
    openness = state.trust - 0.5 * state.resistance
    if openness < 0.15:
        sentences, words = 1, 18
    elif openness < 0.4:
        sentences, words = 2, 30
    else:
        sentences, words = 3, 45
    if verbosity is Verbosity.TERSE:
        sentences, words = max(1, sentences - 1), int(words * 0.7)
    elif verbosity is Verbosity.TALKATIVE:
        words = int(words * 1.3)
    return LengthTarget(sentences, words)


def describe_state(state: ClientState, name: str) -> str:
    """The state in a few words, in the third person ("Dale is wary of this person, upset
    and guarded.").

    Third person and short on purpose: in trials with the small local model a longer,
    second-person note ("right now you're unsure about this person ...") was often read
    back as the reply or flipped the model into assistant talk, while a short third-person
    stage note was followed about as well as no note at all.
    """
    if state.trust < 0.3:
        trust = "wary of this person"
    elif state.trust < 0.55:
        trust = "unsure of this person"
    elif state.trust < 0.75:
        trust = "warming up to this person"
    else:
        trust = "at ease with this person"
    if state.distress >= 0.75:
        distress = "very upset"
    elif state.distress >= 0.5:
        distress = "upset"
    elif state.distress >= 0.25:
        distress = "uneasy"
    else:
        distress = "calm"
    if state.resistance >= 0.65:
        resistance = "defensive"
    elif state.resistance >= 0.4:
        resistance = "guarded"
    else:
        resistance = "open"
    return f"{name} is {trust}, {distress} and {resistance}."


_STAGE_TEXT = {
    StageOfChange.PRECONTEMPLATION: "{n} does not see the {b} as a problem.",
    StageOfChange.CONTEMPLATION: "{n} feels two ways about the {b}.",
    StageOfChange.PREPARATION: "{n} is leaning toward changing the {b}.",
    StageOfChange.ACTION: "{n} has decided to change the {b} and talks about how.",
    StageOfChange.MAINTENANCE: "{n} has already changed the {b} and wants to keep it up.",
}


def _stage_line(spec: ScenarioSpec, state: ClientState) -> str:
    if not spec.behaviour_change_goal or state.stage_of_change is None:
        return ""
    name = first_name(spec)
    line = _STAGE_TEXT[state.stage_of_change].format(n=name, b=spec.target_behaviour or "habit")
    if state.resistance >= 0.55:
        line += f" {name} mostly defends the way things are."
    elif state.resistance <= 0.35 and state.stage_of_change is not StageOfChange.PRECONTEMPLATION:
        line += f" {name} gives one personal reason for changing."
    return line


GENERIC_DEFLECTION = (
    "react like a real person would to a strange remark, puzzled or brushing it off, "
    "then go back to what you were talking about"
)


def deflection_guidance(spec: ScenarioSpec) -> str:
    """In-character handling of a role-break or injection attempt by the trainee."""
    how = spec.persona.speech_style.deflection or GENERIC_DEFLECTION
    name = first_name(spec)
    return f"The remark about AI or instructions makes no sense to {name}, who should {how.rstrip('.')}."


def turn_guidance(
    spec: ScenarioSpec,
    state: ClientState,
    disclosable: Sequence[HiddenFact],
    length: LengthTarget,
    *,
    role_break: bool = False,
) -> str:
    """The short per-turn stage note that follows the history.

    One parenthesised line in the third person (see ``describe_state`` for why), e.g.
    "(Dale is wary of this person, upset and guarded. Now Dale admits, in first person:
    ... Dale answers in 1 short sentence, at most 12 words.)". Keeping private things
    private is a standing rule of the prefix, so the note only names what may come out.
    """
    name = first_name(spec)
    parts = [describe_state(state, name)]
    stage = _stage_line(spec, state)
    if stage:
        parts.append(stage)
    if disclosable:
        facts = " ".join(fact.fact for fact in disclosable)
        parts.append(f"Now {name} admits, in first person: {facts}")
    if role_break:
        parts.append(deflection_guidance(spec))
    plural = "sentence" if length.sentences == 1 else "sentences"
    parts.append(f"{name} answers in {length.sentences} short {plural}, at most {length.max_words} words.")
    return "(" + " ".join(parts) + ")"


def build_messages(
    spec: ScenarioSpec,
    history: Sequence[Turn],
    trainee_text: str,
    guidance: str,
    *,
    guidance_role: Literal["system", "user"] = "user",
) -> list[ChatMessage]:
    """Messages for one reply. ``history`` is oldest first and includes the opening line.

    By default the note is appended to the trainee's message: it works with every chat
    template (some reject a system message after the first one), and in a trial with the
    local SmolLM2-135M (6 prompts x 4 seeds) replies passed the guard 22/24 times this way
    against 16/24 with a trailing system message. ``guidance_role="system"`` keeps the
    note as its own final system message. The history is the same either way.
    """
    messages: list[ChatMessage] = [{"role": "system", "content": system_prefix(spec)}]
    for turn in history:
        role = "assistant" if turn.speaker is Speaker.CLIENT else "user"
        messages.append({"role": role, "content": turn.text})
    if guidance_role == "system":
        messages.append({"role": "user", "content": trainee_text})
        messages.append({"role": "system", "content": guidance})
    else:
        messages.append({"role": "user", "content": f"{trainee_text}\n\n{guidance}"})
    return messages


def cache_salt(organisation_id: str, secret: bytes) -> str:
    """vLLM ``cache_salt`` for an organisation: HMAC-SHA256(secret, organisation_id).

    Keyed so the salt cannot be computed from the (not secret) organisation id; stable
    so every session of the organisation shares prefix-cache entries.
    """
    if len(secret) < 16:
        raise ValueError("the cache-salt secret must be at least 16 bytes")
    if not organisation_id:
        raise ValueError("organisation_id is required")
    return hmac.new(secret, organisation_id.encode("utf-8"), hashlib.sha256).hexdigest()
