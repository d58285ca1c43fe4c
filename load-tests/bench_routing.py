"""`make bench-routing`: session-affinity routing versus round robin, same run, same replicas.

Starts two real llama.cpp replicas (their own ports and run directory, so a running dev
stack is untouched), then plays several concurrent practice sessions of several turns
through the simulation service's InferencePool, once per policy, alternating rounds so
that drift on a shared machine hits both. Each session has its own persona prompt (a
real scenario prefix) and a growing history, as in production.

Why affinity should win: a replica reuses the KV cache of a prompt prefix it has seen;
affinity sends every turn of a session to the replica that processed the previous turn,
round robin scatters them. The figures are printed, never asserted.

Environment: BENCH_SESSIONS (4), BENCH_TURNS (4), BENCH_ROUNDS (2 per policy),
BENCH_PORT (58180: replicas on BENCH_PORT and BENCH_PORT+1), BENCH_CACHE_MB (1024: the
llama.cpp RAM prompt cache per replica).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from practicum_common.llm import ChatRequest
from practicum_simulation.adapters.inference import InferencePool, StreamResult
from practicum_simulation.domain.library import load_library
from practicum_simulation.domain.prompt import system_prefix

REPO = Path(__file__).resolve().parents[1]
STACK = REPO / "infra" / "scripts" / "stack.sh"

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "4"))
TURNS = int(os.environ.get("BENCH_TURNS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "58180"))
CACHE_MB = os.environ.get("BENCH_CACHE_MB", "1024")

TRAINEE_LINES = [
    "What's been going on for you lately?",
    "It sounds like the last few months have taken a lot out of you.",
    "What would you like to be different?",
    "You've kept going through all of it, and that says something about you.",
    "What has helped, even a little?",
    "It seems like part of you wants things to change and part of you is tired of trying.",
]


def _stack_env() -> dict[str, str]:
    return {
        **os.environ,
        "PRACTICUM_RUN_DIR": str(REPO / ".run" / "bench-routing"),
        "LLM_PORT": str(PORT),
        "LLM_REPLICAS": "2",
        "LLM_PROMPT_CACHE_MB": CACHE_MB,
    }


def _stack(*args: str) -> None:
    subprocess.run([str(STACK), *args], check=True, env=_stack_env())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def _session(pool: InferencePool, prefix: str, ttfts: list[tuple[int, float]]) -> None:
    session_id = str(uuid.uuid4())
    # A unique first line keeps sessions (and rounds) from sharing a cached prefix, so
    # each policy starts cold and only its own routing decides what is reused.
    messages = [{"role": "system", "content": f"Session {session_id}.\n{prefix}"}]
    for turn in range(TURNS):
        messages.append({"role": "user", "content": TRAINEE_LINES[turn % len(TRAINEE_LINES)]})
        result = StreamResult()
        reply = "".join(
            [d async for d in pool.stream(session_id, ChatRequest(messages=list(messages), max_tokens=24), result)]
        )
        assert result.stats is not None
        ttfts.append((turn, result.stats.time_to_first_token_ms))
        messages.append({"role": "assistant", "content": reply})


async def _round(urls: list[str], routing: str, prefixes: list[str]) -> list[tuple[int, float]]:
    pool = InferencePool(urls, "smollm2-135m-instruct", routing=routing, max_concurrency=SESSIONS)
    await pool.start()
    ttfts: list[tuple[int, float]] = []
    try:
        await asyncio.gather(*(_session(pool, prefixes[i % len(prefixes)], ttfts) for i in range(SESSIONS)))
    finally:
        await pool.close()
    return ttfts


def main() -> int:
    specs = load_library().list_published()
    prefixes = [system_prefix(spec) for spec in specs]
    urls = [f"http://127.0.0.1:{PORT}/v1", f"http://127.0.0.1:{PORT + 1}/v1"]
    print(
        f"bench-routing: 2 llama.cpp replicas, {SESSIONS} concurrent sessions x {TURNS} turns, "
        f"{ROUNDS} round(s) per policy, prompt cache {CACHE_MB} MB per replica",
        flush=True,
    )
    _stack("up", "llm-0", "llm-1")
    results: dict[str, list[tuple[int, float]]] = {"affinity": [], "round_robin": []}
    started = time.perf_counter()
    try:
        for r in range(ROUNDS):
            for routing in ("affinity", "round_robin") if r % 2 == 0 else ("round_robin", "affinity"):
                t0 = time.perf_counter()
                results[routing] += asyncio.run(_round(urls, routing, prefixes))
                print(f"  round {r + 1} {routing:<12} done in {time.perf_counter() - t0:5.1f}s", flush=True)
    finally:
        _stack("down")

    print(f"\nTime to first token (ms), {time.perf_counter() - started:.0f}s in all")
    print(f"{'policy':<12} {'turns':>6} {'p50':>8} {'p90':>8} {'mean':>8} {'p50 turns 2+':>13}")
    summary: dict[str, tuple[float, float, float]] = {}
    for routing, values in results.items():
        all_ms = [ms for _, ms in values]
        later = [ms for turn, ms in values if turn > 0]
        p50, p90, later50 = _percentile(all_ms, 0.5), _percentile(all_ms, 0.9), _percentile(later, 0.5)
        summary[routing] = (p50, p90, later50)
        mean = statistics.mean(all_ms)
        print(f"{routing:<12} {len(all_ms):>6} {p50:>8.0f} {p90:>8.0f} {mean:>8.0f} {later50:>13.0f}")
    aff, rr = summary["affinity"], summary["round_robin"]
    print(
        f"\nround robin / affinity: p50 {rr[0] / aff[0]:.2f}x, p90 {rr[1] / aff[1]:.2f}x, "
        f"p50 of turns 2+ {rr[2] / aff[2]:.2f}x  (above 1 means affinity is faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
