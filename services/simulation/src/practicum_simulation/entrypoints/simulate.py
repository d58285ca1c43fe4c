"""`make simulate`: a scripted conversation through the running simulation service.

Prints one JSON line per trainee turn: the trainee text, the client's reply, the client
state after the turn, the trainee turn's code, disclosed facts and any guard action.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import grpc
from google.protobuf.json_format import MessageToDict

from practicum_protos.simulation.v1 import simulation_pb2, simulation_pb2_grpc


def read_turns(turns_file: str) -> list[str]:
    """Trainee lines from the file (blank lines and # comments skipped). Raises OSError:
    FileNotFoundError, IsADirectoryError (a folder given for the file), PermissionError."""
    text = Path(turns_file).read_text()
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


async def simulate(target: str, scenario_id: str, lines: list[str]) -> int:
    session_id = str(uuid.uuid4())
    org_id = "00000000-0000-0000-0000-000000000000"
    async with grpc.aio.insecure_channel(target) as channel:
        stub = simulation_pb2_grpc.SimulationServiceStub(channel)  # type: ignore[no-untyped-call]
        try:
            start = await stub.StartConversation(
                simulation_pb2.StartConversationRequest(
                    session_id=session_id, organisation_id=org_id, scenario_id=scenario_id
                ),
                timeout=10,
            )
        except grpc.aio.AioRpcError as err:
            print(f"error: {err.code().name}: {err.details()}", file=sys.stderr)
            return 1
        history = [simulation_pb2.ConversationTurn(speaker="client", text=start.opening_line)]
        state = start.state
        print(
            json.dumps({"scenario": scenario_id, "version": start.scenario.version, "opening_line": start.opening_line})
        )
        for text in lines:
            request = simulation_pb2.ReplyRequest(
                session_id=session_id,
                organisation_id=org_id,
                scenario_id=scenario_id,
                scenario_version=start.scenario.version,
                history=history,
                trainee_text=text,
                state=state,
            )
            record: dict[str, object] = {"trainee": text}
            async for event in stub.StreamReply(request, timeout=120):
                kind = event.WhichOneof("event")
                if kind == "done":
                    done = event.done
                    state = done.state
                    record.update(
                        client=done.text,
                        state=MessageToDict(state, preserving_proto_field_name=True),
                        trainee_code={"code": done.trainee_code.code, "subcode": done.trainee_code.subcode},
                        disclosed_facts=list(done.disclosed_facts),
                        guard_actions=[MessageToDict(g) for g in done.guard_actions],
                        replica=done.replica,
                        ttft_ms=round(done.time_to_first_token_ms, 1),
                    )
                    history.append(simulation_pb2.ConversationTurn(speaker="trainee", text=text))
                    history.append(simulation_pb2.ConversationTurn(speaker="client", text=done.text))
                elif kind == "crisis_pause":
                    record.update(crisis_pause=MessageToDict(event.crisis_pause))
            print(json.dumps(record), flush=True)
            if "crisis_pause" in record:
                break
    return 0
