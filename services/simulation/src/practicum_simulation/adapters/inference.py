"""The inference tier as the simulation service sees it: several replicas, one pool.

* Routing: session-affinity (consistent hashing with bounded load) so a session's turns
  reach the replica that holds its prompt prefix in cache; round robin for comparison.
* Health: a background probe marks replicas up or down; a circuit breaker per replica
  stops sending to one that keeps failing. If every replica is out only for answering
  probes slowly (busy, e.g. with the grading judge), they stay routable ("panic routing").
* Failover: an error before the first token moves the request to the next replica on
  the ring, after a short jittered backoff. A broken connection (reset, or closed by the
  server while reused from the keep-alive pool) earns one more try on the same replica,
  which matters most when there is only one. After the first token the error surfaces
  (the reply guard regenerates or falls back), because restarting elsewhere would show
  the trainee a reply that starts over.
* Admission control: a bounded number of requests run; a bounded queue waits, interactive
  before background; beyond that the caller gets ``Saturated`` with a retry-after at once
  instead of unbounded latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import httpx
from prometheus_client import Counter, Gauge, Histogram

from practicum_common.llm import ChatRequest, InferenceError, OpenAICompatibleClient, ServerKind, StreamStats
from practicum_simulation.domain.errors import NoReplicaAvailable
from practicum_simulation.domain.routing import (
    AdmissionController,
    BreakerSet,
    ConsistentHashRouter,
    Outcome,
    Priority,
    RoundRobinRouter,
    Router,
)

log = logging.getLogger(__name__)

TTFT = Histogram(
    "practicum_simulation_time_to_first_token_seconds",
    "Time from sending a request to a replica until its first token",
    ["replica"],
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 4, 8, 16, 32),
)
REPLICA_REQUESTS = Counter(
    "practicum_simulation_replica_requests_total", "Requests sent to each replica", ["replica", "outcome"]
)
REPLICA_HEALTHY = Gauge("practicum_simulation_replica_healthy", "1 when the replica answered its probe", ["replica"])
PANIC_ROUTING = Gauge(
    "practicum_simulation_panic_routing", "1 while every replica probes slow and traffic goes to them anyway"
)
ADMISSION = Counter("practicum_simulation_admission_total", "Admission decisions", ["outcome", "priority"])
ORG_CAPPED = Counter(
    "practicum_simulation_admission_org_capped_total",
    "Requests refused because their organisation already held its share of the queue (SIMULATION_MAX_QUEUE_PER_ORG)",
)
IN_FLIGHT = Gauge("practicum_simulation_inference_in_flight", "Inference requests running now")


# Consecutive slow health probes, without successful traffic, before a replica is down.
SLOW_PROBES_BEFORE_DOWN = 3


class Saturated(Exception):
    """Admission control refused the request; try again after ``retry_after_s``."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"inference tier saturated; retry after {retry_after_s:.1f}s")
        self.retry_after_s = retry_after_s


class InferenceUnavailable(Exception):
    """No replica could produce a reply (all failed or unhealthy)."""

    def __init__(self, message: str, retry_after_s: float = 5.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class StreamResult:
    replica: str = ""
    stats: StreamStats | None = None


class InferencePool:
    def __init__(
        self,
        base_urls: list[str],
        model: str,
        *,
        server_kind: ServerKind = ServerKind.LLAMACPP,
        routing: str = "affinity",
        load_factor: float = 1.25,
        max_concurrency: int = 64,
        max_queue: int = 256,
        max_queue_per_org: int = 0,
        max_attempts: int = 3,
        first_token_timeout_s: float = 30.0,
        reply_timeout_s: float = 60.0,
        health_interval_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model
        # ``transport`` is for unit tests (httpx.MockTransport); production leaves it None.
        self._clients = {
            url: OpenAICompatibleClient(
                url, model, server_kind=server_kind, timeout_s=reply_timeout_s, transport=transport
            )
            for url in base_urls
        }
        self.breakers = BreakerSet()
        self.router: Router = (
            ConsistentHashRouter(base_urls, load_factor=load_factor, availability=self.breakers.available)
            if routing == "affinity"
            else RoundRobinRouter(base_urls, availability=self.breakers.available)
        )
        self._admission = AdmissionController(max_concurrency, max_queue, max_queue_per_tenant=max_queue_per_org)
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._ids = itertools.count()
        self._max_attempts = max_attempts
        self._first_token_timeout_s = first_token_timeout_s
        self._health_interval_s = health_interval_s
        self._health_task: asyncio.Task[None] | None = None
        self._healthy: dict[str, bool] = dict.fromkeys(base_urls, False)
        self._slow_probes: dict[str, int] = dict.fromkeys(base_urls, 0)
        self._panic = False

    @property
    def replicas(self) -> tuple[str, ...]:
        return tuple(self._clients)

    async def start(self) -> None:
        await self.probe_health()
        self._health_task = asyncio.create_task(self._health_loop(), name="replica-health")

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        await asyncio.gather(*(c.close() for c in self._clients.values()))

    async def probe_health(self) -> dict[str, bool]:
        """Probe every replica and update routing.

        Refused connections mark a replica down at once. A slow answer only counts
        against it when it repeats with no successful traffic in between: a one-thread
        llama.cpp server busy with a reply answers probes late but is healthy. When all
        replicas are out for slowness alone, they stay routable (panic routing, below).
        """
        results = await asyncio.gather(*(c.probe() for c in self._clients.values()))
        statuses = dict(zip(self._clients, results, strict=True))
        healthy: dict[str, bool] = {}
        for url, status in statuses.items():
            if status == "ok":
                self._slow_probes[url] = 0
                healthy[url] = True
            elif status == "slow":
                # Busy with our own requests: a late answer is expected, not a symptom.
                if self.router.in_flight(url) == 0:
                    self._slow_probes[url] += 1
                healthy[url] = self._slow_probes[url] < SLOW_PROBES_BEFORE_DOWN
            else:
                healthy[url] = False
            REPLICA_HEALTHY.labels(url).set(1 if healthy[url] else 0)
        # Panic routing (Envoy's term): when every replica is out only because it answers
        # probes slowly, route to the slow ones anyway. The server may be busy for another
        # client (the grading service's judge shares the local llama.cpp server and keeps it
        # busy for 20-40 s); refusing every trainee until the next probe turned that into
        # 503s. A replica that is really hung fails its first token within
        # ``first_token_timeout_s`` and its circuit breaker takes it out, as before.
        panic = not any(healthy.values()) and any(s == "slow" for s in statuses.values())
        if panic and not self._panic:
            log.warning("every replica answers its probe slowly; routing to the slow ones anyway (panic routing)")
        self._panic = panic
        PANIC_ROUTING.set(1 if panic else 0)
        for url, ok in healthy.items():
            routable = ok or (panic and statuses[url] == "slow")
            self._healthy[url] = routable
            self.router.set_healthy(url, routable)
        return dict(self._healthy)

    def healthy_replicas(self) -> list[str]:
        """Replicas routing may use: those that answered the last probe in time, or, under
        panic routing, the slow ones."""
        return [url for url, ok in self._healthy.items() if ok]

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self._health_interval_s)
            try:
                await self.probe_health()
            except Exception:
                log.exception("replica health probe failed")

    # --- admission ------------------------------------------------------------------

    async def _admit(self, priority: Priority, tenant: str) -> str:
        request_id = f"r{next(self._ids)}"
        admission = self._admission.try_admit(request_id, priority, tenant)
        ADMISSION.labels(admission.outcome.value, priority.name.lower()).inc()
        if admission.tenant_capped:
            ORG_CAPPED.inc()
        if admission.evicted is not None:
            # A queued background request made room for an interactive one.
            evicted = self._waiting.pop(admission.evicted, None)
            if evicted is not None and not evicted.done():
                evicted.set_exception(Saturated(admission.retry_after_s or 1.0))
        if admission.outcome is Outcome.REJECTED:
            raise Saturated(admission.retry_after_s or 1.0)
        if admission.outcome is Outcome.QUEUED:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting[request_id] = future
            try:
                await future
            except asyncio.CancelledError:
                self._waiting.pop(request_id, None)
                self._admission.cancel(request_id)
                raise
        return request_id

    def _release(self, request_id: str, service_time_s: float) -> None:
        self._admission.observe_service_time(service_time_s)
        next_id = self._admission.release(request_id)
        if next_id is not None:
            future = self._waiting.pop(next_id, None)
            if future is not None and not future.done():
                future.set_result(None)

    # --- streaming ------------------------------------------------------------------

    async def stream(
        self,
        session_key: str,
        request: ChatRequest,
        result: StreamResult,
        priority: Priority = Priority.INTERACTIVE,
        tenant: str = "",
    ) -> AsyncGenerator[str, None]:
        """Stream a completion for ``session_key``; ``result`` receives replica and stats.
        ``tenant`` (the organisation) is what admission shares the queue fairly between."""
        request_id = await self._admit(priority, tenant)
        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            async with contextlib.aclosing(self._stream_with_failover(session_key, request, result)) as stream:
                async for delta in stream:
                    yield delta
        finally:
            IN_FLIGHT.dec()
            self._release(request_id, time.perf_counter() - started)

    async def _stream_with_failover(
        self, session_key: str, request: ChatRequest, result: StreamResult
    ) -> AsyncGenerator[str, None]:
        tried: list[str] = []
        # Replicas whose connection broke get one retry; they leave the exclusion list once.
        broken_once: set[str] = set()
        last_error: Exception | None = None
        for attempt in range(self._max_attempts):
            exclude = [r for r in tried if r not in broken_once]
            if attempt > 0 and len(set(exclude)) >= len(self._clients):
                break
            try:
                replica = self.router.acquire(session_key, exclude=exclude)
            except NoReplicaAvailable as exc:
                if attempt > 0:
                    break  # what the trainee needs is why the attempts failed
                raise InferenceUnavailable(str(exc), exc.retry_after_s) from exc
            broken_once.discard(replica)
            tried.append(replica)
            breaker = self.breakers[replica]
            if not breaker.allow_request():
                self.router.release(replica)
                continue
            stats = StreamStats()
            result.replica, result.stats = replica, stats
            first = True
            try:
                stream = self._clients[replica].stream_chat(request, stats)
                guarded = _first_token_deadline(stream, self._first_token_timeout_s)
                async with contextlib.aclosing(guarded) as deltas:
                    async for delta in deltas:
                        if first:
                            TTFT.labels(replica).observe(stats.time_to_first_token_ms / 1000)
                            self._slow_probes[replica] = 0
                            first = False
                        yield delta
                breaker.record_success()
                REPLICA_REQUESTS.labels(replica, "ok").inc()
                return
            except GeneratorExit:
                # The caller stopped reading (the guard ended the reply): the replica worked.
                breaker.record_success()
                REPLICA_REQUESTS.labels(replica, "closed_by_caller").inc()
                raise
            except InferenceError as exc:
                breaker.record_failure()
                REPLICA_REQUESTS.labels(replica, "error").inc()
                if not exc.before_first_token:
                    raise
                last_error = exc
                if exc.connection_broke and tried.count(replica) == 1:
                    broken_once.add(replica)
                log.warning("replica %s failed before the first token (%s); failing over", replica, exc)
            finally:
                self.router.release(replica)
            # Jittered backoff so a burst of failovers does not stampede the next replica.
            await asyncio.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
        reason = last_error or "every replica's circuit breaker is open"
        raise InferenceUnavailable(f"no replica produced a reply ({reason})")


async def _first_token_deadline(stream: AsyncGenerator[str, None], timeout_s: float) -> AsyncGenerator[str, None]:
    """Fail a replica that accepts the request but produces nothing in time."""
    try:
        try:
            first = await asyncio.wait_for(anext(stream), timeout_s)
        except StopAsyncIteration:
            return
        except TimeoutError as exc:
            raise InferenceError(f"no first token within {timeout_s:.0f}s", before_first_token=True) from exc
        yield first
        async for delta in stream:
            yield delta
    finally:
        # Closing the generator closes the HTTP stream, which cancels the generation. A
        # failure while closing says nothing about the reply already delivered.
        with contextlib.suppress(Exception):
            await stream.aclose()
