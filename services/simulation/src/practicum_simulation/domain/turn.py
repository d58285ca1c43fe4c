"""One trainee turn, composed from the domain pieces (pure; the server does the I/O).

Order matters and is fixed here so every entrypoint behaves the same:

1. screen the trainee's message: distress -> CrisisPause, no reply, state unchanged;
2. update the client state from the coder's verdict and the message's signals;
3. decide disclosures against the *updated* state (none on a role-break turn);
4. build the messages (cached prefix + history + per-turn note) and the guard config;
5. after streaming, ``complete_turn`` marks the disclosed facts, unless the reply fell
   back to a scripted line (then the fact was not actually said and stays earnable).

Server sketch::

    plan = plan_turn(spec, state, history, text, code, session_id=sid)
    if plan.crisis_pause: send CrisisPause; return
    reply = GuardedReply(plan.guard_config, plan.fallback_line)
    ... stream with max_tokens=plan.length.max_tokens (see guard.GuardedReply) ...
    outcome = complete_turn(plan, reply.result(), reply.used_fallback)
    send ReplyDone(text=outcome.text, state=outcome.state,
                   guard_actions=outcome.guard_actions,
                   disclosed_facts=outcome.disclosed_facts, ...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from practicum_simulation.domain.disclosure import DisclosureDecision, decide
from practicum_simulation.domain.guard import GuardAction, GuardConfig, GuardResult, choose_fallback
from practicum_simulation.domain.input_screen import (
    CrisisPause,
    InputKind,
    InputScreenResult,
    screen,
)
from practicum_simulation.domain.prompt import (
    ChatMessage,
    LengthTarget,
    Speaker,
    Turn,
    build_messages,
    length_target,
    turn_guidance,
)
from practicum_simulation.domain.scenarios import ScenarioSpec
from practicum_simulation.domain.state import ClientState, TraineeCode, TurnSignals, update
from practicum_simulation.domain.topics import asks_directly


@dataclass(frozen=True)
class TurnPlan:
    turn_number: int
    screen: InputScreenResult
    state: ClientState
    """State after this turn's update, before marking this reply's disclosures."""
    disclosure: DisclosureDecision
    messages: list[ChatMessage]
    length: LengthTarget
    guard_config: GuardConfig
    fallback_line: str
    input_actions: tuple[GuardAction, ...]

    @property
    def crisis_pause(self) -> CrisisPause | None:
        return self.screen.crisis_pause


@dataclass(frozen=True)
class TurnOutcome:
    text: str
    state: ClientState
    disclosed_facts: tuple[str, ...]
    """Facts disclosed by this reply (ReplyDone.disclosed_facts)."""
    guard_actions: tuple[GuardAction, ...]


def turn_number(history: Sequence[Turn]) -> int:
    """1 for the first trainee message, counting trainee turns already in the history."""
    return 1 + sum(1 for t in history if t.speaker is Speaker.TRAINEE)


def plan_turn(
    spec: ScenarioSpec,
    state: ClientState,
    history: Sequence[Turn],
    trainee_text: str,
    code: TraineeCode,
    *,
    session_id: str,
) -> TurnPlan:
    number = turn_number(history)
    screened = screen(trainee_text)
    input_actions = tuple(a for a in (screened.guard_action,) if a is not None)
    client_lines = [t.text for t in history if t.speaker is Speaker.CLIENT]
    fallback = choose_fallback(spec.fallback_lines, session_id, number, client_lines)
    length = length_target(state, spec.persona.speech_style.verbosity)
    guard = GuardConfig.for_persona(
        spec.persona.name, length.guard_max_sentences, length.guard_max_chars, earlier_replies=client_lines
    )
    if screened.kind is InputKind.TRAINEE_DISTRESS:
        # The role-play is paused: the client neither hears nor answers this message.
        return TurnPlan(
            number,
            screened,
            state,
            DisclosureDecision((), ()),
            [],
            length,
            guard,
            fallback,
            input_actions,
        )

    role_break = screened.kind is InputKind.ROLE_BREAK
    signals = TurnSignals(
        asked_about_suicide=asks_directly(trainee_text, ("suicide",)),
        role_break_attempt=role_break,
    )
    new_state = update(state, code, spec.sensitivities, signals)
    disclosure = DisclosureDecision((), ()) if role_break else decide(spec, new_state, trainee_text, number)
    length = length_target(new_state, spec.persona.speech_style.verbosity)
    guard = GuardConfig.for_persona(
        spec.persona.name,
        length.guard_max_sentences,
        length.guard_max_chars,
        earlier_replies=client_lines,
        brief=[fact.fact for fact in disclosure.disclosable],
    )
    guidance = turn_guidance(spec, new_state, disclosure.disclosable, length, role_break=role_break)
    messages = build_messages(spec, history, trainee_text, guidance)
    return TurnPlan(
        number,
        screened,
        new_state,
        disclosure,
        messages,
        length,
        guard,
        fallback,
        input_actions,
    )


def complete_turn(plan: TurnPlan, reply: GuardResult, used_fallback: bool) -> TurnOutcome:
    disclosed = () if used_fallback else plan.disclosure.fact_ids
    return TurnOutcome(
        text=reply.text,
        state=plan.state.with_disclosed(disclosed),
        disclosed_facts=disclosed,
        guard_actions=plan.input_actions + reply.actions,
    )
