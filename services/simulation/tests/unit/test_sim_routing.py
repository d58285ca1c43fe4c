"""Routing, circuit breaking and admission control (pure, clock injected)."""

from __future__ import annotations

import math

import pytest

from practicum_simulation.domain.errors import NoReplicaAvailable
from practicum_simulation.domain.routing import (
    AdmissionController,
    BreakerSet,
    BreakerState,
    CircuitBreaker,
    ConsistentHashRouter,
    Outcome,
    Priority,
    RoundRobinRouter,
    Router,
)

REPLICAS = [f"http://llm-{i}:8000/v1" for i in range(4)]
KEYS = [f"session-{i}" for i in range(4000)]


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """Read through a call so mypy does not narrow the property between steps."""
    return breaker.state


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_routers_share_the_interface() -> None:
    routers: list[Router] = [ConsistentHashRouter(REPLICAS), RoundRobinRouter(REPLICAS)]
    for router in routers:
        replica = router.acquire("s")
        assert router.in_flight(replica) == 1
        router.release(replica)
        assert router.in_flight(replica) == 0


def test_a_session_stays_on_its_replica() -> None:
    router = ConsistentHashRouter(REPLICAS)
    seen = set()
    for _ in range(20):
        replica = router.acquire("session-42")
        seen.add(replica)
        router.release(replica)
    assert seen == {router.home("session-42")}


def test_keys_spread_over_all_replicas() -> None:
    router = ConsistentHashRouter(REPLICAS)
    counts = {r: 0 for r in REPLICAS}
    for key in KEYS:
        counts[router.home(key)] += 1
    assert min(counts.values()) > len(KEYS) / len(REPLICAS) * 0.75


def test_adding_a_replica_moves_about_one_in_n_keys_all_to_the_new_one() -> None:
    router = ConsistentHashRouter(REPLICAS)
    before = {k: router.home(k) for k in KEYS}
    router.add_replica("http://llm-new:8000/v1")
    moved = [k for k in KEYS if router.home(k) != before[k]]
    assert {router.home(k) for k in moved} == {"http://llm-new:8000/v1"}
    assert 0.12 < len(moved) / len(KEYS) < 0.28  # ideal 1/5


def test_load_never_exceeds_the_bound() -> None:
    router = ConsistentHashRouter(REPLICAS, load_factor=1.25)
    hot = ["same-hot-session"] * 200 + KEYS[:200]  # a pathological skew
    for i, key in enumerate(hot, 1):
        router.acquire(key)
        bound = math.ceil(1.25 * i / len(REPLICAS))
        assert max(router.in_flight(r) for r in REPLICAS) <= bound


def test_overflow_walks_the_ring_and_returns_home_when_load_drops() -> None:
    router = ConsistentHashRouter(REPLICAS[:2], load_factor=1.0)
    home = router.home("k")
    first = router.acquire("k")
    second = router.acquire("k")  # home is at the bound: the next replica takes it
    assert first == home and second != home
    router.release(first)
    router.release(second)
    assert router.acquire("k") == home


def test_unhealthy_replicas_fail_over_to_the_next_and_recover() -> None:
    router = ConsistentHashRouter(REPLICAS)
    home = router.home("session-7")
    router.set_healthy(home, False)
    other = router.acquire("session-7")
    assert other != home
    router.release(other)
    assert router.acquire("session-7") == other  # deterministic failover target
    router.set_healthy(home, True)
    assert router.acquire("session-7") == home


def test_no_available_replica_raises_with_a_retry_hint() -> None:
    router = ConsistentHashRouter(REPLICAS[:1])
    router.set_healthy(REPLICAS[0], False)
    with pytest.raises(NoReplicaAvailable) as caught:
        router.acquire("k")
    assert caught.value.retry_after_s > 0


def test_exclude_lets_a_retry_pick_another_replica() -> None:
    router = ConsistentHashRouter(REPLICAS)
    first = router.acquire("k")
    assert router.acquire("k", exclude={first}) != first


def test_round_robin_cycles_and_skips_unhealthy() -> None:
    router = RoundRobinRouter(REPLICAS)
    router.set_healthy(REPLICAS[1], False)
    picks = [router.acquire("same") for _ in range(6)]
    assert REPLICAS[1] not in picks
    assert picks[:3] == [REPLICAS[0], REPLICAS[2], REPLICAS[3]] and picks[3:] == picks[:3]


def test_breaker_opens_half_opens_and_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        breaker.record_failure()
    assert state_of(breaker) is BreakerState.CLOSED
    breaker.record_success()  # consecutive failures only
    for _ in range(3):
        breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN and not breaker.allow_request()
    clock.now += 9.9
    assert state_of(breaker) is BreakerState.OPEN
    clock.now += 0.2
    assert state_of(breaker) is BreakerState.HALF_OPEN
    assert breaker.allow_request()
    assert not breaker.allow_request()  # one probe at a time
    breaker.record_success()
    assert state_of(breaker) is BreakerState.CLOSED and breaker.allow_request()


def test_failed_probe_reopens_the_breaker() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow_request()
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN
    clock.now += 4
    assert not breaker.would_allow()


def test_router_skips_replicas_whose_breaker_is_open() -> None:
    clock = FakeClock()
    breakers = BreakerSet(lambda: CircuitBreaker(failure_threshold=1, cooldown_s=30, clock=clock))
    router = ConsistentHashRouter(REPLICAS, availability=breakers.available)
    home = router.home("s")
    breakers[home].record_failure()
    assert router.acquire("s") != home
    clock.now += 30
    assert router.acquire("s") == home  # half-open: a probe may go home again


def test_admission_runs_queues_then_rejects_with_retry_after() -> None:
    ctl = AdmissionController(max_concurrency=2, max_queue=2, initial_service_time_s=3.0)
    assert ctl.try_admit("a").outcome is Outcome.ADMITTED
    assert ctl.try_admit("b").outcome is Outcome.ADMITTED
    assert ctl.try_admit("c").outcome is Outcome.QUEUED
    assert ctl.try_admit("d").position == 1
    rejected = ctl.try_admit("e")
    assert rejected.outcome is Outcome.REJECTED
    assert rejected.retry_after_s is not None and rejected.retry_after_s >= 3.0
    assert ctl.release("a") == "c" and ctl.running == 2 and ctl.queued == 1


def test_interactive_requests_go_before_background_ones() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=3)
    ctl.try_admit("running")
    ctl.try_admit("judge-1", Priority.BACKGROUND)
    ctl.try_admit("judge-2", Priority.BACKGROUND)
    queued = ctl.try_admit("trainee-1", Priority.INTERACTIVE)
    assert queued.position == 0
    assert ctl.release("running") == "trainee-1"
    assert ctl.release("trainee-1") == "judge-1"


def test_full_queue_evicts_background_for_interactive() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=1)
    ctl.try_admit("running")
    ctl.try_admit("judge", Priority.BACKGROUND)
    admission = ctl.try_admit("trainee", Priority.INTERACTIVE)
    assert admission.outcome is Outcome.QUEUED and admission.evicted == "judge"
    assert ctl.try_admit("judge-2", Priority.BACKGROUND).outcome is Outcome.REJECTED


def test_cancel_and_duplicate_ids() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=2)
    ctl.try_admit("a")
    ctl.try_admit("b")
    assert ctl.cancel("b") and not ctl.cancel("b")
    with pytest.raises(ValueError, match="already"):
        ctl.try_admit("a")
    assert ctl.release("a") is None


def test_retry_hint_follows_observed_service_time() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=0, initial_service_time_s=1.0)
    ctl.try_admit("a")
    before = ctl.try_admit("b").retry_after_s
    for _ in range(20):
        ctl.observe_service_time(8.0)
    after = ctl.try_admit("c").retry_after_s
    assert before is not None and after is not None and after > before


def _drain(ctl: AdmissionController, first: str) -> list[str]:
    """Release ``first`` and every request that starts after it; the start order."""
    order, running = [], first
    while (nxt := ctl.release(running)) is not None:
        order.append(nxt)
        running = nxt
    return order


def test_the_queue_is_served_round_robin_across_tenants() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=20)
    ctl.try_admit("running", tenant="big")
    for i in range(1, 6):
        ctl.try_admit(f"big-{i}", tenant="big")
    small = ctl.try_admit("small-1", tenant="small")
    assert small.position == 1, "one of big's, then small's"
    ctl.try_admit("small-2", tenant="small")
    late = ctl.try_admit("late-1", tenant="late")
    assert late.position == 2
    assert _drain(ctl, "running") == ["big-1", "small-1", "late-1", "big-2", "small-2", "big-3", "big-4", "big-5"]


def test_positions_match_the_order_requests_start_in() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=50)
    ctl.try_admit("running", tenant="a")
    arrivals = [("a", 4), ("b", 2), ("c", 5), ("d", 1)]
    ids = [f"{t}{i}" for t, n in arrivals for i in range(n)]
    for rid in ids:
        ctl.try_admit(rid, tenant=rid[0])
    predicted = {rid: ctl._position(rid) for rid in ids}
    started = _drain(ctl, "running")
    assert sorted(started) == sorted(ids)
    assert {rid: started.index(rid) for rid in ids} == predicted


def test_a_tenant_cannot_take_more_than_its_share_of_the_queue() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=4, max_queue_per_tenant=2)
    ctl.try_admit("running", tenant="big")
    assert ctl.try_admit("big-1", tenant="big").outcome is Outcome.QUEUED
    assert ctl.try_admit("big-2", tenant="big").outcome is Outcome.QUEUED
    capped = ctl.try_admit("big-3", tenant="big")
    assert capped.outcome is Outcome.REJECTED and capped.tenant_capped and capped.retry_after_s
    # Room is left for everyone else.
    assert ctl.try_admit("small-1", tenant="small").outcome is Outcome.QUEUED
    assert ctl.try_admit("other-1", tenant="other").outcome is Outcome.QUEUED
    full = ctl.try_admit("third-1", tenant="third")
    assert full.outcome is Outcome.REJECTED and not full.tenant_capped
    # A started request frees the tenant's share.
    assert ctl.release("running") == "big-1"
    assert ctl.queued_for("big") == 1
    assert ctl.try_admit("big-3", tenant="big").outcome is Outcome.QUEUED


def test_a_full_queue_evicts_the_heaviest_tenants_newest_background_request() -> None:
    ctl = AdmissionController(max_concurrency=1, max_queue=3)
    ctl.try_admit("running", tenant="a")
    ctl.try_admit("a-judge-1", Priority.BACKGROUND, tenant="a")
    ctl.try_admit("b-judge-1", Priority.BACKGROUND, tenant="b")
    ctl.try_admit("b-judge-2", Priority.BACKGROUND, tenant="b")
    admitted = ctl.try_admit("trainee", Priority.INTERACTIVE, tenant="a")
    assert admitted.evicted == "b-judge-2"
    assert ctl.cancel("b-judge-1") and not ctl.cancel("b-judge-2")
    assert _drain(ctl, "running") == ["trainee", "a-judge-1"]
    assert ctl.queued == 0 and ctl.queued_for("a") == 0
