"""Session-affinity routing and failover across two real llama.cpp replicas."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Iterator

import pytest
from stack import STACK, Stack, run

from practicum_common.llm import ChatRequest
from practicum_simulation.adapters.inference import InferencePool, StreamResult
from practicum_simulation.domain.routing import ConsistentHashRouter

pytestmark = pytest.mark.integration

PROMPT = [{"role": "system", "content": "Reply with one short sentence."}, {"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def two_replicas(stack: Stack) -> Iterator[list[str]]:
    if not stack.can_control():
        pytest.skip("PRACTICUM_TEST_STACK=external: cannot start a second replica")
    port = int(stack.env["LLM_PORT"])
    run(STACK, "start", "llm-1", env={**stack.env, "LLM_REPLICAS": "2"})
    yield [f"http://127.0.0.1:{port}/v1", f"http://127.0.0.1:{port + 1}/v1"]
    run(STACK, "stop", "llm-1", env={**stack.env, "LLM_REPLICAS": "2"}, check=False)


async def _reply(pool: InferencePool, session: str) -> str:
    result = StreamResult()
    text = "".join([d async for d in pool.stream(session, ChatRequest(messages=PROMPT, max_tokens=8), result)])
    assert text
    return result.replica


async def _all_healthy(pool: InferencePool, timeout_s: float = 60.0) -> None:
    """Wait until every replica answers its probe: earlier tests can leave llm-0 busy with
    a judge reply, and routing rightly avoids a replica it cannot reach."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while set(pool.healthy_replicas()) != set(pool.replicas):
        assert asyncio.get_running_loop().time() < deadline, f"replicas not healthy: {pool.healthy_replicas()}"
        await asyncio.sleep(1.0)
        await pool.probe_health()


def _sessions_homed_on_each(router: ConsistentHashRouter, per_replica: int) -> dict[str, str]:
    """Fixed session keys, ``per_replica`` of them hashed to each replica (session -> home).

    Random keys would all hash to one of two replicas 1 time in 128, and the spread
    assertion would then fail for no fault of the router.
    """
    homes: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    for i in range(1000):
        key = f"routing-test-session-{i}"
        home = router.home(key)
        if counts[home] < per_replica:
            counts[home] += 1
            homes[key] = home
        if len(homes) == per_replica * len(router.replicas):
            return homes
    raise AssertionError(f"1000 keys did not cover every replica: {dict(counts)}")


def test_affinity_keeps_sessions_on_one_replica_and_spreads_sessions(two_replicas: list[str]) -> None:
    async def run() -> tuple[dict[str, str], dict[str, set[str]]]:
        pool = InferencePool(two_replicas, "smollm2-135m-instruct", routing="affinity")
        await pool.start()
        try:
            await _all_healthy(pool)
            assert isinstance(pool.router, ConsistentHashRouter)
            homes = _sessions_homed_on_each(pool.router, per_replica=4)
            seen: dict[str, set[str]] = defaultdict(set)
            for _ in range(2):
                for s in homes:
                    seen[s].add(await _reply(pool, s))
            return homes, seen
        finally:
            await pool.close()

    homes, seen = asyncio.run(run())
    # Every turn of a session lands on the session's hash home, so both replicas serve.
    assert {s: {home} for s, home in homes.items()} == dict(seen)
    assert set(homes.values()) == set(two_replicas)


def test_round_robin_alternates_regardless_of_session(two_replicas: list[str]) -> None:
    async def run() -> list[str]:
        pool = InferencePool(two_replicas, "smollm2-135m-instruct", routing="round_robin")
        await pool.start()
        try:
            return [await _reply(pool, "same-session") for _ in range(4)]
        finally:
            await pool.close()

    assert len(set(asyncio.run(run()))) == 2


def test_failover_when_a_replica_goes_down(stack: Stack, two_replicas: list[str]) -> None:
    async def scenario() -> tuple[str, str]:
        # A long probe interval: the failure is discovered by the request itself.
        pool = InferencePool(two_replicas, "smollm2-135m-instruct", routing="affinity", health_interval_s=3600)
        await pool.start()
        try:
            session = str(uuid.uuid4())
            before = await _reply(pool, session)
            down = "llm-1" if before == two_replicas[1] else "llm-0"
            run(STACK, "stop", down, env={**stack.env, "LLM_REPLICAS": "2"})
            try:
                after = await _reply(pool, session)
            finally:
                if down == "llm-0":
                    stack.start("llm-0")  # also waits for the simulation service to see it again
                else:
                    run(STACK, "start", down, env={**stack.env, "LLM_REPLICAS": "2"})
            return before, after
        finally:
            await pool.close()

    before, after = asyncio.run(scenario())
    assert before != after, "the request should have failed over to the other replica"
