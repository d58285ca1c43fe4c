"""Disclosure policy: which hidden facts the trainee has earned on this turn.

A hidden fact becomes *disclosable* when its ``disclose_when`` condition holds against
the client's state after this turn's update, the trainee's message and the turn number.
Facts already disclosed are never offered again, and nothing unearned is offered.

Two kinds of earning are treated differently on purpose:

- *Asked*: the condition needs a direct question (``asked_directly_about``) that this
  message asks. Every such fact is released at once: people answer what they are asked.
- *Passive*: the condition holds without a question this turn (trust built up, enough
  turns passed). At most ``max_passive`` (default 1) such facts are released per turn,
  in file order, because real clients open up one thing at a time; the rest stay
  earned and come out on later turns.

Direct-question detection is the keyword/regex heuristic in ``topics``.
"""

from __future__ import annotations

from dataclasses import dataclass

from practicum_simulation.domain.scenarios import Condition, HiddenFact, ScenarioSpec
from practicum_simulation.domain.state import ClientState
from practicum_simulation.domain.topics import Inquiry, asks_directly, inquiries


@dataclass(frozen=True)
class Context:
    state: ClientState
    trainee_text: str
    turn_number: int
    spans: tuple[Inquiry, ...]


@dataclass(frozen=True)
class Earned:
    fact: HiddenFact
    asked: bool
    """True when a direct question in this message was part of what earned it."""


@dataclass(frozen=True)
class DisclosureDecision:
    disclosable: tuple[HiddenFact, ...]
    """Facts the client may share in this reply, in scenario order."""
    deferred: tuple[str, ...]
    """Facts earned passively but held back for a later turn (at most one per turn)."""

    @property
    def fact_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.disclosable)


def holds(cond: Condition, ctx: Context) -> tuple[bool, bool]:
    """Whether ``cond`` holds, and whether a direct question was needed for it."""
    s = ctx.state
    checks: list[bool] = []
    asked = False
    if cond.trust_at_least is not None:
        checks.append(s.trust >= cond.trust_at_least)
    if cond.trust_below is not None:
        checks.append(s.trust < cond.trust_below)
    if cond.distress_at_least is not None:
        checks.append(s.distress >= cond.distress_at_least)
    if cond.resistance_at_most is not None:
        checks.append(s.resistance <= cond.resistance_at_most)
    if cond.after_turn is not None:
        checks.append(ctx.turn_number > cond.after_turn)
    if cond.disclosed is not None:
        checks.append(all(f in s.disclosed_facts for f in cond.disclosed))
    if cond.asked_directly_about is not None:
        ok = asks_directly(ctx.trainee_text, cond.asked_directly_about, list(ctx.spans))
        checks.append(ok)
        asked = asked or ok
    if cond.all is not None:
        results = [holds(c, ctx) for c in cond.all]
        checks.append(all(r[0] for r in results))
        asked = asked or any(r[1] for r in results)
    if cond.any is not None:
        results = [holds(c, ctx) for c in cond.any]
        passing = [r for r in results if r[0]]
        checks.append(bool(passing))
        # Credit the question only if no passing branch could have done without it.
        asked = asked or (bool(passing) and all(r[1] for r in passing))
    ok_all = all(checks)
    return ok_all, ok_all and asked


def decide(
    spec: ScenarioSpec,
    state: ClientState,
    trainee_text: str,
    turn_number: int,
    *,
    max_passive: int = 1,
) -> DisclosureDecision:
    """The facts this reply may disclose.

    ``state`` is the state *after* this turn's update (so a good reflection counts now),
    ``turn_number`` counts trainee turns from 1.
    """
    ctx = Context(state, trainee_text, turn_number, tuple(inquiries(trainee_text)))
    released: list[HiddenFact] = []
    deferred: list[str] = []
    passive = 0
    for fact in spec.hidden_facts:
        if fact.id in state.disclosed_facts:
            continue
        ok, asked = holds(fact.disclose_when, ctx)
        if not ok:
            continue
        if asked:
            released.append(fact)
        elif passive < max_passive:
            released.append(fact)
            passive += 1
        else:
            deferred.append(fact.id)
    return DisclosureDecision(tuple(released), tuple(deferred))
