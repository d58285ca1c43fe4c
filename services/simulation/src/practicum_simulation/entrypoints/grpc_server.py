"""The gRPC servicer: a thin adapter from protobuf to the simulation domain.

A reply is produced in the order fixed by ``domain.turn``: screen the trainee's
message, code it, update the client state, decide disclosures, build the prompt, then
stream from the inference tier through the output guard. Deltas reach the caller as the
guard releases them; a ``Reset`` withdraws text when the guard rejects a reply mid-way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

import grpc
from google.protobuf.json_format import MessageToDict, ParseDict
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from practicum_common.llm import ChatRequest, InferenceError
from practicum_common.telemetry import extract_context, tracer
from practicum_protos.common.v1 import common_pb2
from practicum_protos.simulation.v1 import simulation_pb2, simulation_pb2_grpc
from practicum_simulation.adapters.inference import InferencePool, InferenceUnavailable, Saturated, StreamResult
from practicum_simulation.domain.errors import ScenarioNotFound
from practicum_simulation.domain.guard import EventKind, GuardAction, GuardedReply, ReplyEventOut
from practicum_simulation.domain.lifecycle import ScenarioCatalog
from practicum_simulation.domain.prompt import Speaker, Turn, cache_salt
from practicum_simulation.domain.scenarios import ScenarioSpec
from practicum_simulation.domain.state import ClientState, TraineeCode
from practicum_simulation.domain.turn import complete_turn, plan_turn

log = logging.getLogger(__name__)

REPLIES = Counter("practicum_simulation_replies_total", "Replies produced", ["outcome"])
GUARD_ACTIONS = Counter("practicum_simulation_guard_actions_total", "Guard actions", ["rule", "action"])
REPLY_SECONDS = Histogram(
    "practicum_simulation_reply_duration_seconds",
    "Whole reply time, first byte to last",
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)

# Risk-profile sections of the scenario format -> the risk kinds the grader checks.
_RISK_KIND = {"desire": "desire", "capability": "capability", "intent": "intent", "buffers": "buffer"}


class Coder(Protocol):
    def code_after(
        self, earlier: Sequence[tuple[str, str | None]], text: str, prev_client_text: str | None = None
    ) -> Any: ...


def earlier_trainee_turns(history: Sequence[Turn]) -> list[tuple[str, str | None]]:
    """The conversation's trainee turns, oldest first, each with the client line before it:
    the coder reads a turn after them (its sequence step), as the grading service does, so
    the code that moves the client's state is the trainee's grade of record."""
    out: list[tuple[str, str | None]] = []
    last_client: str | None = None
    for turn in history:
        if turn.speaker is Speaker.CLIENT:
            last_client = turn.text
        else:
            out.append((turn.text, last_client))
    return out


def scenario_pb(spec: ScenarioSpec, content_hash: str = "") -> simulation_pb2.Scenario:
    risk_items = []
    if spec.risk_profile is not None:
        for section, item in spec.risk_profile.items():
            risk_items.append(
                simulation_pb2.RiskItem(
                    kind=_RISK_KIND[section],
                    label=item.summary,
                    fact_ids=list(item.revealed_by),
                    item_id=f"{section}.{item.kind}",
                    absent=not item.present,
                )
            )
    return simulation_pb2.Scenario(
        scenario_id=spec.id,
        version=spec.version,
        title=spec.title,
        summary=spec.summary,
        difficulty=spec.difficulty.value,
        category=spec.category.value,
        has_suicide_risk=spec.has_suicide_risk,
        behaviour_change_goal=spec.behaviour_change_goal,
        learning_objectives=list(spec.learning_objectives),
        content_warnings=list(spec.content_warnings),
        status=spec.status.value,
        risk_items=risk_items,
        content_hash=content_hash,
    )


def state_pb(state: ClientState) -> common_pb2.ClientState:
    return ParseDict(state.to_dict(), common_pb2.ClientState())


def state_from_pb(state: common_pb2.ClientState) -> ClientState:
    return ClientState.from_dict(
        MessageToDict(state, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    )


def _guard_action_pb(action: GuardAction) -> simulation_pb2.GuardAction:
    return simulation_pb2.GuardAction(rule=str(action.rule), action=str(action.action), detail=action.detail)


def _event_pb(event: ReplyEventOut) -> simulation_pb2.ReplyEvent:
    if event.kind is EventKind.RESET:
        return simulation_pb2.ReplyEvent(reset=simulation_pb2.Reset(reason=event.text))
    return simulation_pb2.ReplyEvent(delta=simulation_pb2.TextDelta(text=event.text))


class SimulationServicer(simulation_pb2_grpc.SimulationServiceServicer):
    def __init__(
        self,
        catalog: ScenarioCatalog,
        hashes: dict[tuple[str, int], str],
        pool: InferencePool,
        coder: Coder,
        cache_salt_secret: bytes,
        temperature: float,
    ) -> None:
        self._catalog = catalog
        self._hashes = hashes
        self._pool = pool
        self._coder = coder
        self._salt_secret = cache_salt_secret
        self._temperature = temperature

    def _scenario(self, spec: ScenarioSpec) -> simulation_pb2.Scenario:
        return scenario_pb(spec, self._hashes.get(spec.key, ""))

    async def _runnable(
        self, scenario_id: str, version: int, context: grpc.aio.ServicerContext[Any, Any]
    ) -> ScenarioSpec:
        try:
            return self._catalog.get_runnable(scenario_id, version)
        except ScenarioNotFound as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
            raise  # abort raises; this keeps type checkers informed

    async def GetScenario(  # noqa: N802 - gRPC method names
        self, request: simulation_pb2.GetScenarioRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> simulation_pb2.Scenario:
        try:
            spec = self._catalog.get(request.scenario_id, request.version)
        except ScenarioNotFound as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
            raise
        return self._scenario(spec)

    async def ListScenarios(  # noqa: N802
        self, request: simulation_pb2.ListScenariosRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> simulation_pb2.ListScenariosResponse:
        return simulation_pb2.ListScenariosResponse(
            scenarios=[self._scenario(s) for s in self._catalog.list_published()]
        )

    async def StartConversation(  # noqa: N802
        self, request: simulation_pb2.StartConversationRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> simulation_pb2.StartConversationResponse:
        spec = await self._runnable(request.scenario_id, request.scenario_version, context)
        return simulation_pb2.StartConversationResponse(
            scenario=self._scenario(spec),
            opening_line=spec.opening_line,
            state=state_pb(spec.initial_state.to_client_state()),
        )

    async def StreamReply(  # noqa: N802
        self, request: simulation_pb2.ReplyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[simulation_pb2.ReplyEvent]:
        ctx = extract_context(dict(context.invocation_metadata() or ()))
        with tracer(__name__).start_as_current_span("StreamReply", context=ctx, kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("practicum.session_id", request.session_id)
            spec = await self._runnable(request.scenario_id, request.scenario_version, context)
            async for event in self._reply(spec, request, context):
                yield event

    async def _reply(
        self, spec: ScenarioSpec, request: simulation_pb2.ReplyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[simulation_pb2.ReplyEvent]:
        started = time.perf_counter()
        history = [Turn(Speaker(t.speaker), t.text) for t in request.history]
        prev_client = next((t.text for t in reversed(history) if t.speaker is Speaker.CLIENT), None)
        coded = self._coder.code_after(earlier_trainee_turns(history), request.trainee_text, prev_client)
        plan = plan_turn(
            spec,
            state_from_pb(request.state),
            history,
            request.trainee_text,
            TraineeCode(coded.code, coded.subcode, coded.confidence),
            session_id=request.session_id,
        )
        pause = plan.crisis_pause
        if pause is not None:
            REPLIES.labels("crisis_pause").inc()
            yield simulation_pb2.ReplyEvent(
                crisis_pause=simulation_pb2.CrisisPause(
                    message=pause.message,
                    resources=[simulation_pb2.CrisisResource(name=r.name, contact=r.contact) for r in pause.resources],
                )
            )
            return

        chat = ChatRequest(
            messages=plan.messages,
            max_tokens=plan.length.max_tokens,
            temperature=self._temperature,
            cache_salt=cache_salt(request.organisation_id, self._salt_secret) if request.organisation_id else None,
            priority=0,
        )
        reply = GuardedReply(plan.guard_config, plan.fallback_line)
        result = StreamResult()
        emitted = False
        while reply.needs_attempt:
            reply.begin_attempt()
            chat = dataclasses.replace(chat, seed=random.randrange(2**31))
            try:
                # aclosing: leaving the loop early (the guard stopped the reply) must close
                # the upstream stream now, releasing the replica and cancelling generation.
                async with contextlib.aclosing(
                    self._pool.stream(request.session_id, chat, result, tenant=request.organisation_id)
                ) as stream:
                    async for delta in stream:
                        for out in reply.feed(delta):
                            emitted = True
                            yield _event_pb(out)
                        if reply.should_stop:
                            break
                events = reply.end_attempt()
            except (Saturated, InferenceUnavailable) as exc:
                if not emitted and reply.attempts == 1:
                    # Nothing reached the trainee yet: tell the caller to retry later.
                    log.warning("reply for session %s refused: %s", request.session_id, exc)
                    REPLIES.labels("unavailable").inc()
                    code = (
                        grpc.StatusCode.RESOURCE_EXHAUSTED
                        if isinstance(exc, Saturated)
                        else grpc.StatusCode.UNAVAILABLE
                    )
                    context.set_trailing_metadata((("retry-after", str(max(1, round(exc.retry_after_s)))),))
                    await context.abort(code, str(exc))
                events = reply.fail_attempt(str(exc))
            except InferenceError as exc:
                events = reply.fail_attempt(str(exc))
            for out in events:
                emitted = True
                yield _event_pb(out)

        outcome = complete_turn(plan, reply.result(), reply.used_fallback)
        for action in outcome.guard_actions:
            GUARD_ACTIONS.labels(str(action.rule), str(action.action)).inc()
        REPLIES.labels("fallback" if reply.used_fallback else "ok").inc()
        REPLY_SECONDS.observe(time.perf_counter() - started)
        stats = result.stats
        yield simulation_pb2.ReplyEvent(
            done=simulation_pb2.ReplyDone(
                text=outcome.text,
                state=state_pb(outcome.state),
                trainee_code=common_pb2.TurnCode(
                    code=coded.code,
                    subcode=coded.subcode,
                    confidence=coded.confidence,
                    coder_version=coded.coder_version,
                ),
                guard_actions=[_guard_action_pb(a) for a in outcome.guard_actions],
                model=self._pool.model,
                completion_tokens=stats.completion_tokens if stats else 0,
                time_to_first_token_ms=stats.time_to_first_token_ms if stats else 0.0,
                disclosed_facts=list(outcome.disclosed_facts),
                replica=result.replica,
            )
        )
