"""`make bench-fairness`: one partner's surge against another partner's trainees, with the
simulation service's admission fair across organisations versus one FIFO queue.

The InferencePool under test is the production one; only the replicas are stand-ins
(httpx.MockTransport answering each request after BENCH_SERVICE_MS, like a GPU replica
that generates one reply at a time per slot), so the figures measure admission alone,
not the model. Two scenarios, each run both ways in alternating rounds:

* **burst**: a large organisation sends BENCH_BIG requests at once; 50 ms later a small
  organisation sends BENCH_SMALL. With one FIFO queue the small partner's trainees wait
  behind the whole burst; served round-robin they wait about one request.
* **flood**: the large organisation sends more than the queue holds. With no per-org
  share the queue is full and the small partner's requests are refused (503); with
  SIMULATION_MAX_QUEUE_PER_ORG they are queued and answered.

Figures are printed, never asserted. Environment: BENCH_BIG (200), BENCH_SMALL (5),
BENCH_SERVICE_MS (20), BENCH_CONCURRENCY (4), BENCH_QUEUE (256), BENCH_ROUNDS (3).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time

import httpx

from practicum_common.llm import ChatRequest
from practicum_simulation.adapters.inference import InferencePool, Saturated, StreamResult

BIG = int(os.environ.get("BENCH_BIG", "200"))
SMALL = int(os.environ.get("BENCH_SMALL", "5"))
SERVICE_S = float(os.environ.get("BENCH_SERVICE_MS", "20")) / 1000
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
QUEUE = int(os.environ.get("BENCH_QUEUE", "256"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REPLICA = "http://replica:8000/v1"
_BODY = (f"data: {json.dumps({'choices': [{'delta': {'content': 'I hear you.'}}]})}\n\ndata: [DONE]\n\n").encode()


async def _replica(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(SERVICE_S)
    return httpx.Response(200, content=_BODY, headers={"content-type": "text/event-stream"})


async def _one(pool: InferencePool, tenant: str, session: str) -> float | None:
    """Seconds from sending to the first token; None when refused (the partner's 503)."""
    started = time.perf_counter()
    try:
        async for _ in pool.stream(session, ChatRequest(messages=[]), StreamResult(), tenant=tenant):
            return time.perf_counter() - started
    except Saturated:
        return None
    return None


async def _scenario(big: int, fair: bool, per_org: int) -> dict[str, list[float | None]]:
    pool = InferencePool(
        [REPLICA],
        "m",
        max_concurrency=CONCURRENCY,
        max_queue=QUEUE,
        max_queue_per_org=per_org,
        transport=httpx.MockTransport(_replica),
    )
    # FIFO is the old behaviour: every request in one tenant's line.
    big_org, small_org = ("big-org", "small-org") if fair else ("", "")
    try:
        big_tasks = [asyncio.create_task(_one(pool, big_org, f"b{i}")) for i in range(big)]
        await asyncio.sleep(0.05)
        small_tasks = [asyncio.create_task(_one(pool, small_org, f"s{i}")) for i in range(SMALL)]
        return {"big": list(await asyncio.gather(*big_tasks)), "small": list(await asyncio.gather(*small_tasks))}
    finally:
        await pool.close()


def _summary(waits: list[float | None]) -> tuple[str, float, int]:
    served = sorted(w for w in waits if w is not None)
    refused = len(waits) - len(served)
    if not served:
        return f"{'-':>8} {'-':>8}", float("nan"), refused
    mean = statistics.fmean(served)
    return f"{mean * 1000:8.0f} {served[-1] * 1000:8.0f}", mean, refused


def _report(name: str, big: int, modes: list[tuple[str, bool, int]]) -> None:
    print(f"\n{name}: {big} requests from one organisation, then {SMALL} from another 50 ms later")
    print(f"  {'admission':<34} {'small org wait ms':>17} {'refused':>8} | {'big org wait ms':>17} {'refused':>8}")
    print(f"  {'':<34} {'mean':>8} {'max':>8} {'':>8} | {'mean':>8} {'max':>8} {'':>8}")
    means: dict[str, list[float]] = {label: [] for label, _, _ in modes}
    for r in range(ROUNDS):
        for label, fair, per_org in modes if r % 2 == 0 else list(reversed(modes)):
            out = asyncio.run(_scenario(big, fair, per_org))
            small, small_mean, small_refused = _summary(out["small"])
            big_s, _, big_refused = _summary(out["big"])
            means[label].append(small_mean)
            print(f"  {label:<34} {small} {small_refused:8d} | {big_s} {big_refused:8d}")
    fifo, fair_label = modes[0][0], modes[1][0]
    ratio = statistics.fmean(means[fifo]) / statistics.fmean(means[fair_label])
    if ratio == ratio:  # not NaN: both modes served the small organisation
        print(f"  small organisation's mean wait, FIFO / fair: {ratio:.1f}x")


def main() -> None:
    print(
        f"admission: {CONCURRENCY} running, queue {QUEUE}; a stand-in replica answers in "
        f"{SERVICE_S * 1000:.0f} ms; {ROUNDS} rounds per mode, alternating"
    )
    _report("burst", BIG, [("one FIFO queue (before)", False, 0), ("round-robin across organisations", True, 0)])
    flood = QUEUE + CONCURRENCY + QUEUE // 2
    half = QUEUE // 2
    _report(
        "flood",
        flood,
        [("one FIFO queue, no per-org share", False, 0), (f"round-robin, per-org share {half}", True, half)],
    )


if __name__ == "__main__":
    main()
