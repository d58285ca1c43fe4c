"""Failover inside the inference pool, with replicas answered in-process (httpx.MockTransport).

Two real llama.cpp replicas are exercised by tests/test_routing.py; these tests pin the
retry rules that a real server only hits by chance, such as a kept-alive connection the
server closed just as it was reused.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from practicum_common.llm import ChatRequest
from practicum_simulation.adapters.inference import InferencePool, InferenceUnavailable, StreamResult

A, B = "http://replica-a:8000/v1", "http://replica-b:8000/v1"
NAMES = {A: "A", B: "B"}


def _sse(text: str) -> httpx.Response:
    chunk = json.dumps({"choices": [{"delta": {"content": text}}]})
    body = f"data: {chunk}\n\ndata: [DONE]\n\n".encode()
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


Behaviour = Callable[[int], httpx.Response]


def _run(replicas: dict[str, Behaviour]) -> tuple[str | Exception, Counter[str]]:
    calls: Counter[str] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        base = str(request.url).rsplit("/chat/completions", 1)[0]
        calls[base] += 1
        return replicas[base](calls[base])

    async def run() -> str | Exception:
        pool = InferencePool(list(replicas), "m", transport=httpx.MockTransport(handler))
        try:
            result = StreamResult()
            return "".join([d async for d in pool.stream("session-1", ChatRequest(messages=[]), result)])
        except InferenceUnavailable as exc:
            return exc
        finally:
            await pool.close()

    return asyncio.run(run()), calls


def _reset_then_ok(call: int) -> httpx.Response:
    if call == 1:
        raise httpx.ReadError("connection reset by peer")
    return _sse("Fine.")


def _always_reset(call: int) -> httpx.Response:
    raise httpx.ReadError("connection reset by peer")


def _busy(call: int) -> httpx.Response:
    return httpx.Response(503, content=b"server busy")


def test_a_broken_connection_is_retried_once_on_the_only_replica() -> None:
    reply, calls = _run({A: _reset_then_ok})
    assert reply == "Fine."
    assert calls[A] == 2


def test_a_replica_whose_connections_keep_breaking_is_given_up_after_one_retry() -> None:
    reply, calls = _run({A: _always_reset})
    assert isinstance(reply, InferenceUnavailable)
    assert "ReadError" in str(reply)
    assert calls[A] == 2


def test_an_error_status_is_not_retried_on_the_same_replica() -> None:
    reply, calls = _run({A: _busy})
    assert isinstance(reply, InferenceUnavailable)
    assert calls[A] == 1


@pytest.mark.parametrize("failing", [_busy, _always_reset])
def test_a_failing_replica_fails_over_to_the_other(failing: Behaviour) -> None:
    # Whichever replica the session hashes to, the reply comes from the healthy one.
    reply, calls = _run({A: failing, B: lambda call: _sse("From B.")})
    reply_ab, _ = _run({A: lambda call: _sse("From A."), B: failing})
    assert reply == "From B." and reply_ab == "From A."
    assert calls[B] == 1


# --- health probes and panic routing ---------------------------------------------------


def _probed(models: dict[str, Callable[[], httpx.Response]], probes: int) -> tuple[list[str], str | Exception]:
    """Probe every replica ``probes`` times (``models[url]()`` answers GET /models), then
    ask for a reply (every replica answers it)."""

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.endswith("/models"):
            return models[url.removesuffix("/models")]()
        return _sse(f"From {NAMES[url.removesuffix('/chat/completions')]}.")

    async def run() -> tuple[list[str], str | Exception]:
        pool = InferencePool(list(models), "m", transport=httpx.MockTransport(handler))
        try:
            for _ in range(probes):
                await pool.probe_health()
            try:
                reply = "".join([d async for d in pool.stream("session-1", ChatRequest(messages=[]), StreamResult())])
            except InferenceUnavailable as exc:
                return pool.healthy_replicas(), exc
            return pool.healthy_replicas(), reply
        finally:
            await pool.close()

    return asyncio.run(run())


def _ok() -> httpx.Response:
    return httpx.Response(200, json={"data": []})


def _slow() -> httpx.Response:
    raise httpx.ReadTimeout("probe timed out")


def _refused() -> httpx.Response:
    raise httpx.ConnectError("connection refused")


def test_the_only_replica_stays_routable_while_it_is_busy_for_someone_else() -> None:
    # The grading judge keeps the one local server busy for half a minute: its probes time
    # out while the simulation has nothing in flight. That used to take it out of routing
    # after 3 probes, and every trainee turn got a 503 until the next good probe.
    healthy, reply = _probed({A: _slow}, probes=5)
    assert healthy == [A]
    assert reply == "From A."


def test_a_slow_replica_is_still_taken_out_when_another_one_is_healthy() -> None:
    healthy, reply = _probed({A: _slow, B: _ok}, probes=3)
    assert healthy == [B]
    assert reply == "From B."


def test_a_refusing_replica_is_not_routed_to_even_when_nothing_else_is_up() -> None:
    healthy, reply = _probed({A: _refused}, probes=1)
    assert healthy == []
    assert isinstance(reply, InferenceUnavailable)
