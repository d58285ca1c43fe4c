"""gRPC client of the simulation service, speaking the domain's language.

Translates protobuf messages to domain objects and gRPC failures to domain errors:
unknown scenario -> NotFound; simulation or inference tier down, saturated or too slow
-> DependencyUnavailable (the API answers 503 with Retry-After).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict

from practicum_common.errors import DependencyUnavailable, InvalidInput, NotFound
from practicum_common.telemetry import inject_headers
from practicum_protos.common.v1 import common_pb2
from practicum_protos.simulation.v1 import simulation_pb2, simulation_pb2_grpc
from practicum_session.adapters.events import client_state_pb
from practicum_session.domain.model import (
    CrisisPaused,
    CrisisResource,
    PracticeSession,
    ReplyCompleted,
    ReplyDelta,
    ReplyEvent,
    ReplyReset,
    RiskItem,
    ScenarioInfo,
    TurnCode,
)

_UNAVAILABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.CANCELLED,
}


def state_dict(state: common_pb2.ClientState) -> dict[str, Any]:
    return MessageToDict(state, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def scenario_info(s: simulation_pb2.Scenario) -> ScenarioInfo:
    return ScenarioInfo(
        scenario_id=s.scenario_id,
        version=s.version,
        title=s.title,
        summary=s.summary,
        category=s.category,
        difficulty=s.difficulty,
        has_suicide_risk=s.has_suicide_risk,
        behaviour_change_goal=s.behaviour_change_goal,
        learning_objectives=tuple(s.learning_objectives),
        content_warnings=tuple(s.content_warnings),
        risk_items=tuple(RiskItem(r.kind, r.label, tuple(r.fact_ids), r.item_id, r.absent) for r in s.risk_items),
        content_hash=s.content_hash,
    )


def _retry_after(err: grpc.aio.AioRpcError, default: int) -> int:
    for key, value in err.trailing_metadata() or ():
        if key == "retry-after":
            try:
                return max(1, int(value))
            except (TypeError, ValueError):
                break
    return default


class GrpcSimulationGateway:
    def __init__(self, target: str, reply_timeout_s: float = 60.0, retry_after_s: int = 5) -> None:
        self._channel = grpc.aio.insecure_channel(
            target,
            options=[
                ("grpc.keepalive_time_ms", 30_000),
                ("grpc.enable_retries", 1),
            ],
        )
        self._stub = simulation_pb2_grpc.SimulationServiceStub(self._channel)  # type: ignore[no-untyped-call]
        self._reply_timeout_s = reply_timeout_s
        self._retry_after_s = retry_after_s

    async def close(self) -> None:
        await self._channel.close()

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return tuple(inject_headers().items())

    def _translate(self, err: grpc.aio.AioRpcError, what: str) -> Exception:
        code = err.code()
        if code == grpc.StatusCode.NOT_FOUND:
            return NotFound(err.details() or f"{what} not found")
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            return InvalidInput("scenario_id", err.details() or "invalid")
        if code in _UNAVAILABLE:
            return DependencyUnavailable(
                f"the simulation is temporarily unavailable ({code.name.lower()})",
                retry_after=_retry_after(err, self._retry_after_s),
            )
        return err

    async def get_scenario(self, scenario_id: str, version: int = 0) -> ScenarioInfo:
        try:
            reply = await self._stub.GetScenario(
                simulation_pb2.GetScenarioRequest(scenario_id=scenario_id, version=version),
                timeout=10,
                metadata=self._metadata(),
            )
        except grpc.aio.AioRpcError as err:
            raise self._translate(err, f"scenario {scenario_id}") from err
        return scenario_info(reply)

    async def list_scenarios(self) -> list[ScenarioInfo]:
        try:
            reply = await self._stub.ListScenarios(
                simulation_pb2.ListScenariosRequest(), timeout=10, metadata=self._metadata()
            )
        except grpc.aio.AioRpcError as err:
            raise self._translate(err, "scenarios") from err
        return [scenario_info(s) for s in reply.scenarios]

    async def start_conversation(
        self, session_id: str, org_id: str, scenario_id: str, version: int
    ) -> tuple[ScenarioInfo, str, dict[str, Any]]:
        try:
            reply = await self._stub.StartConversation(
                simulation_pb2.StartConversationRequest(
                    session_id=session_id, organisation_id=org_id, scenario_id=scenario_id, scenario_version=version
                ),
                timeout=10,
                metadata=self._metadata(),
            )
        except grpc.aio.AioRpcError as err:
            raise self._translate(err, f"scenario {scenario_id}") from err
        return scenario_info(reply.scenario), reply.opening_line, state_dict(reply.state)

    async def stream_reply(
        self, session: PracticeSession, history: list[tuple[str, str]], trainee_text: str, turn_id: str
    ) -> AsyncIterator[ReplyEvent]:
        request = simulation_pb2.ReplyRequest(
            session_id=session.id,
            organisation_id=session.organisation_id,
            scenario_id=session.scenario_id,
            scenario_version=session.scenario_version,
            history=[simulation_pb2.ConversationTurn(speaker=s, text=t) for s, t in history],
            trainee_text=trainee_text,
            state=client_state_pb(session.client_state),
            turn_id=turn_id,
        )
        call = self._stub.StreamReply(request, timeout=self._reply_timeout_s, metadata=self._metadata())
        try:
            async for event in call:
                kind = event.WhichOneof("event")
                if kind == "delta":
                    yield ReplyDelta(event.delta.text)
                elif kind == "reset":
                    yield ReplyReset(event.reset.reason)
                elif kind == "done":
                    done = event.done
                    code = done.trainee_code
                    yield ReplyCompleted(
                        text=done.text,
                        client_state=state_dict(done.state),
                        trainee_code=(
                            TurnCode(code.code, code.subcode, code.confidence, code.coder_version)
                            if code.code
                            else None
                        ),
                        guard_actions=tuple(
                            {"rule": g.rule, "action": g.action, "detail": g.detail} for g in done.guard_actions
                        ),
                        disclosed_facts=tuple(done.disclosed_facts),
                        model=done.model,
                        time_to_first_token_ms=done.time_to_first_token_ms,
                        replica=done.replica,
                    )
                    return
                elif kind == "crisis_pause":
                    pause = event.crisis_pause
                    yield CrisisPaused(
                        message=pause.message,
                        resources=tuple(CrisisResource(r.name, r.contact) for r in pause.resources),
                    )
                    return
        except grpc.aio.AioRpcError as err:
            raise self._translate(err, "reply") from err
        # The stream ended without a terminal event: treat as an interrupted reply.
        raise DependencyUnavailable("the simulated reply was interrupted", retry_after=self._retry_after_s)
