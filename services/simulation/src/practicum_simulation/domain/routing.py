"""Routing over inference replicas, circuit breaking and admission control.

Pure and synchronous: no threads, no asyncio, no sockets. The server keeps one instance
of each per process and calls them from its event loop (every method is O(ring) or
better and never blocks), so they need no locks there.

Session-affinity routing
------------------------
``ConsistentHashRouter`` places every replica on a hash ring at ``vnodes`` points and
sends a session (the key) to the first replica clockwise from the key's hash. All turns
of a session land on the replica that already holds its KV-cached prefix; adding a
replica moves only ~1/(N+1) of the sessions. Two corrections keep that safe:

- *bounded load* (consistent hashing with bounded loads): a replica accepts a request
  only while its in-flight count is below ``ceil(c * (total_in_flight + 1) / N)``
  (c = ``load_factor``, 1.25 by default); otherwise the walk continues clockwise. No
  replica ever carries more than c times the average, however skewed the keys, and a
  session only leaves its home when the home is genuinely overloaded.
- *failover*: unhealthy replicas (``set_healthy`` or the ``availability`` callback, e.g.
  a circuit breaker) are skipped, so their sessions go to the next replica on the ring
  and come back when it recovers.

``RoundRobinRouter`` has the same interface for benchmarks (it ignores the key).

Breaker and admission
---------------------
``CircuitBreaker`` (closed -> open after N consecutive failures -> half-open after a
cool-down -> closed on a successful probe) with an injectable clock, and
``AdmissionController``: bounded concurrency plus a bounded queue where interactive
requests go before background (judge) requests; when saturated it answers at once with
a retry-after hint instead of letting requests pile up. Within a priority class the queue
is served round-robin across tenants (organisations), so one partner with hundreds of
trainees waiting does not put a small partner's trainee behind all of them, and a tenant
may hold at most ``max_queue_per_tenant`` queued requests, so it cannot fill the queue and
have every other partner turned away.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol

from practicum_simulation.domain.errors import NoReplicaAvailable

_NO_REPLICA_RETRY_S = 1.0


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


class Router(Protocol):
    """What the server needs from a router. ``acquire`` must be paired with ``release``."""

    @property
    def replicas(self) -> tuple[str, ...]: ...

    def acquire(self, key: str, exclude: Collection[str] = ()) -> str: ...

    def release(self, replica: str) -> None: ...

    def set_healthy(self, replica: str, healthy: bool) -> None: ...

    def add_replica(self, replica: str) -> None: ...

    def remove_replica(self, replica: str) -> None: ...

    def in_flight(self, replica: str) -> int: ...


class _Pool:
    """Replica set, health and in-flight counts shared by both routers."""

    def __init__(self, replicas: Iterable[str], availability: Callable[[str], bool] | None) -> None:
        self._order: list[str] = []
        self._load: dict[str, int] = {}
        self._healthy: dict[str, bool] = {}
        self._availability = availability
        for replica in replicas:
            self.add_replica(replica)

    @property
    def replicas(self) -> tuple[str, ...]:
        return tuple(self._order)

    def add_replica(self, replica: str) -> None:
        if replica in self._load:
            return
        self._order.append(replica)
        self._load[replica] = 0
        self._healthy[replica] = True
        self._on_added(replica)

    def remove_replica(self, replica: str) -> None:
        if replica not in self._load:
            return
        self._order.remove(replica)
        del self._load[replica], self._healthy[replica]
        self._on_removed(replica)

    def _on_added(self, replica: str) -> None:  # ring maintenance hook
        pass

    def _on_removed(self, replica: str) -> None:
        pass

    def set_healthy(self, replica: str, healthy: bool) -> None:
        if replica in self._healthy:
            self._healthy[replica] = healthy

    def is_available(self, replica: str) -> bool:
        if not self._healthy.get(replica, False):
            return False
        return self._availability(replica) if self._availability else True

    def in_flight(self, replica: str) -> int:
        return self._load.get(replica, 0)

    @property
    def total_in_flight(self) -> int:
        return sum(self._load.values())

    def release(self, replica: str) -> None:
        # A replica removed while a request was in flight: nothing left to decrement.
        if self._load.get(replica, 0) > 0:
            self._load[replica] -= 1

    def _take(self, replica: str) -> str:
        self._load[replica] += 1
        return replica


class ConsistentHashRouter(_Pool):
    def __init__(
        self,
        replicas: Iterable[str] = (),
        *,
        vnodes: int = 160,
        load_factor: float = 1.25,
        availability: Callable[[str], bool] | None = None,
    ) -> None:
        if load_factor < 1.0:
            raise ValueError("load_factor below 1 cannot place every request")
        self._vnodes = vnodes
        self.load_factor = load_factor
        self._ring: list[tuple[int, str]] = []
        self._points: list[int] = []
        super().__init__(replicas, availability)

    def _on_added(self, replica: str) -> None:
        for i in range(self._vnodes):
            bisect.insort(self._ring, (_hash64(f"{replica}#{i}"), replica))
        self._points = [h for h, _ in self._ring]

    def _on_removed(self, replica: str) -> None:
        self._ring = [(h, r) for h, r in self._ring if r != replica]
        self._points = [h for h, _ in self._ring]

    def _walk(self, key: str) -> Iterable[str]:
        """Distinct replicas in ring order starting at the key's position."""
        if not self._ring:
            return
        start = bisect.bisect(self._points, _hash64(key))
        seen: set[str] = set()
        n = len(self._ring)
        for i in range(n):
            replica = self._ring[(start + i) % n][1]
            if replica not in seen:
                seen.add(replica)
                yield replica
                if len(seen) == len(self._order):
                    return

    def home(self, key: str) -> str:
        """The key's replica ignoring load and health (for diagnostics and tests)."""
        for replica in self._walk(key):
            return replica
        raise NoReplicaAvailable(key, _NO_REPLICA_RETRY_S)

    def capacity(self) -> int:
        """Per-replica in-flight bound for the next request."""
        available = sum(1 for r in self._order if self.is_available(r))
        if available == 0:
            return 0
        return math.ceil(self.load_factor * (self.total_in_flight + 1) / available)

    def acquire(self, key: str, exclude: Collection[str] = ()) -> str:
        cap = self.capacity()
        for replica in self._walk(key):
            if replica in exclude or not self.is_available(replica):
                continue
            if self._load[replica] < cap:
                return self._take(replica)
        raise NoReplicaAvailable(key, _NO_REPLICA_RETRY_S)


class RoundRobinRouter(_Pool):
    """Baseline without affinity: next available replica in turn."""

    def __init__(self, replicas: Iterable[str] = (), *, availability: Callable[[str], bool] | None = None) -> None:
        self._next = 0
        super().__init__(replicas, availability)

    def acquire(self, key: str, exclude: Collection[str] = ()) -> str:
        n = len(self._order)
        for i in range(n):
            replica = self._order[(self._next + i) % n]
            if replica not in exclude and self.is_available(replica):
                self._next = (self._next + i + 1) % n
                return self._take(replica)
        raise NoReplicaAvailable(key, _NO_REPLICA_RETRY_S)


# --- circuit breaker ---------------------------------------------------------------------


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Per-replica breaker. Protocol: ``allow_request()`` before sending (False means do
    not send), then exactly one of ``record_success()`` / ``record_failure()``.

    ``would_allow()`` answers the same question without reserving a half-open probe
    slot, which is what a router's ``availability`` callback needs.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        cooldown_s: float = 10.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or cooldown_s < 0:
            raise ValueError("invalid breaker settings")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probes = 0

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.cooldown_s:
            self._state = BreakerState.HALF_OPEN
            self._probes = 0
        return self._state

    def would_allow(self) -> bool:
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN:
            return self._probes < self.half_open_max_calls
        return False

    def allow_request(self) -> bool:
        if not self.would_allow():
            return False
        if self._state is BreakerState.HALF_OPEN:
            self._probes += 1
        return True

    def record_success(self) -> None:
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probes = 0

    def record_failure(self) -> None:
        if self.state is BreakerState.HALF_OPEN:
            self._open()
            return
        self._failures += 1
        if self._failures >= self.failure_threshold:
            self._open()

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = self._clock()
        self._failures = 0
        self._probes = 0


class BreakerSet:
    """One breaker per replica, created on first use; plug ``available`` into a router."""

    def __init__(self, factory: Callable[[], CircuitBreaker] = CircuitBreaker) -> None:
        self._factory = factory
        self._breakers: dict[str, CircuitBreaker] = {}

    def __getitem__(self, replica: str) -> CircuitBreaker:
        if replica not in self._breakers:
            self._breakers[replica] = self._factory()
        return self._breakers[replica]

    def available(self, replica: str) -> bool:
        return self[replica].would_allow()

    def states(self) -> dict[str, BreakerState]:
        return {r: b.state for r, b in self._breakers.items()}


# --- admission control ---------------------------------------------------------------------


class Priority(IntEnum):
    """Lower runs first: a trainee is waiting on interactive requests."""

    INTERACTIVE = 0
    BACKGROUND = 1


class Outcome(StrEnum):
    ADMITTED = "admitted"
    QUEUED = "queued"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Admission:
    outcome: Outcome
    request_id: str
    position: int | None = None
    """Place in the queue (0 = next) when queued."""
    retry_after_s: float | None = None
    """When rejected: how long the caller should wait before retrying."""
    evicted: str | None = None
    """A queued background request pushed out to make room: reject it with retry-after."""
    tenant_capped: bool = False
    """Rejected because the tenant already holds its share of the queue."""


class AdmissionController:
    """Bounded concurrency with a bounded two-class priority queue, fair across tenants.

    ``try_admit`` -> ADMITTED (start now), QUEUED (wait until ``release`` hands you the
    slot) or REJECTED (answer RESOURCE_EXHAUSTED / 429 with ``retry_after_s`` at once).
    A full queue still takes an interactive request by evicting the newest queued
    background request of the tenant holding the most of them. ``release`` frees a slot
    and returns the request id that now runs: interactive first; within a class, one
    request per tenant in turn (round-robin; a tenant new to the queue joins the end of
    the rotation), FIFO within a tenant. A tenant holding ``max_queue_per_tenant``
    queued requests (0: no limit but the queue's) has further requests rejected while
    the queue still has room for others.
    """

    def __init__(
        self,
        max_concurrency: int,
        max_queue: int,
        *,
        max_queue_per_tenant: int = 0,
        initial_service_time_s: float = 2.0,
    ) -> None:
        if max_concurrency < 1 or max_queue < 0 or max_queue_per_tenant < 0:
            raise ValueError("invalid admission limits")
        self.max_concurrency = max_concurrency
        self.max_queue = max_queue
        self.max_queue_per_tenant = max_queue_per_tenant
        self._running: set[str] = set()
        # Per priority: tenant -> its queued request ids; the dict's order is the rotation.
        self._queues: dict[Priority, OrderedDict[str, deque[str]]] = {p: OrderedDict() for p in Priority}
        self._queued_at: dict[str, tuple[Priority, str]] = {}
        self._service_time = initial_service_time_s

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def queued(self) -> int:
        return len(self._queued_at)

    def queued_for(self, tenant: str) -> int:
        return sum(len(q.get(tenant, ())) for q in self._queues.values())

    def observe_service_time(self, seconds: float) -> None:
        """Feed completed-request durations; the retry hint follows an EWMA of them."""
        self._service_time = 0.8 * self._service_time + 0.2 * max(0.0, seconds)

    def retry_after(self) -> float:
        waves = (self.queued + 1) / self.max_concurrency
        return round(min(60.0, max(0.5, self._service_time * waves)), 1)

    def _position(self, request_id: str) -> int:
        """How many queued requests start before this one, if nothing else arrives: all
        of the classes before its own, then in its class the first ``i`` of every tenant's
        line (``i`` = its place in its own tenant's line) and the ``i``-th of the tenants
        ahead of its tenant in the rotation."""
        priority, tenant = self._queued_at[request_id]
        ahead = sum(len(d) for p in Priority if p < priority for d in self._queues[p].values())
        line = self._queues[priority]
        i = line[tenant].index(request_id)
        before_own = True
        for other, queue in line.items():
            if other == tenant:
                before_own = False
            ahead += min(len(queue), i + 1 if before_own else i)
        return ahead

    def try_admit(self, request_id: str, priority: Priority = Priority.INTERACTIVE, tenant: str = "") -> Admission:
        if request_id in self._running or request_id in self._queued_at:
            raise ValueError(f"request {request_id!r} is already admitted or queued")
        if len(self._running) < self.max_concurrency and self.queued == 0:
            self._running.add(request_id)
            return Admission(Outcome.ADMITTED, request_id)
        if self.max_queue_per_tenant and self.queued_for(tenant) >= self.max_queue_per_tenant:
            return Admission(Outcome.REJECTED, request_id, retry_after_s=self.retry_after(), tenant_capped=True)
        evicted = None
        if self.queued >= self.max_queue:
            background = self._queues[Priority.BACKGROUND]
            if priority is Priority.INTERACTIVE and background:
                heaviest = max(background, key=lambda t: len(background[t]))
                evicted = background[heaviest].pop()
                self._forget(evicted)
            else:
                return Admission(Outcome.REJECTED, request_id, retry_after_s=self.retry_after())
        self._queues[priority].setdefault(tenant, deque()).append(request_id)
        self._queued_at[request_id] = (priority, tenant)
        return Admission(Outcome.QUEUED, request_id, self._position(request_id), evicted=evicted)

    def _forget(self, request_id: str) -> None:
        """Take a request out of the queue bookkeeping (its id is no longer in a line)."""
        priority, tenant = self._queued_at.pop(request_id)
        line = self._queues[priority]
        if request_id in line[tenant]:
            line[tenant].remove(request_id)
        if not line[tenant]:
            del line[tenant]

    def release(self, request_id: str) -> str | None:
        """A running request finished (or failed). Returns the request that starts now."""
        self._running.discard(request_id)
        if len(self._running) >= self.max_concurrency:
            return None
        for priority in Priority:
            line = self._queues[priority]
            if line:
                tenant, queue = next(iter(line.items()))
                nxt = queue.popleft()
                self._queued_at.pop(nxt)
                if queue:
                    line.move_to_end(tenant)  # its next request waits for the others' turns
                else:
                    del line[tenant]
                self._running.add(nxt)
                return nxt
        return None

    def cancel(self, request_id: str) -> bool:
        """Drop a queued request (timeout, client gone). False if it was not queued."""
        if request_id not in self._queued_at:
            return False
        self._forget(request_id)
        return True
