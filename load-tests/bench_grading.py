"""`make bench-grading`: how many trainee turns per second the grading tier codes end to end.

`make bench-grader` times the coder alone. Per-turn feedback also pays for the path
around it: the session event on Kafka, the dispatcher storing the turn and enqueueing a
Celery task, a worker loading the turn and its scenario, coding the trainee and client
utterances, writing the grade and its outbox event in one transaction. This bench drives
that path on the running local stack (`make up`), without the LLM: it publishes synthetic
`session.started` and `turn.completed` events to Kafka, exactly as the session service
would, and watches the grades land in PostgreSQL.

Three measurements, printed side by side:

1. **baseline**: the coder alone, in this process, coding each turn's two utterances one
   turn at a time (what a worker does per task, without the plumbing);
2. **burst**: every turn published at once; the rate at which the workers drain the
   Celery turn queue is the tier's capacity, and the queue's peak length is read from the
   dispatcher's `practicum_grading_queue_length` gauge;
3. **paced**: turns published at half the measured capacity, as trainees would send them;
   the delay from publishing a turn to its grade being stored is what a trainee waits on
   (plus the session service's last hop, `practicum_turn_feedback_delay_seconds`).

Figures are printed, never asserted. The events belong to a fresh organisation id that no
partner has, so they show up nowhere a partner looks; the rows stay in the local database
(`make reset` clears it). Sessions are not ended, so no report (and no LLM judge) runs.

Environment: BENCH_SESSIONS (40), BENCH_TURNS (10 per session), BENCH_PACED_SECONDS (20),
BENCH_TIMEOUT_S (300).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from practicum_coder import load_coder
from practicum_common.events import timestamp
from practicum_common.messaging import make_producer
from practicum_common.topics import SESSION_EVENTS
from practicum_grading.adapters.coder import CoderAdapter
from practicum_grading.settings import GradingSettings
from practicum_protos.events.v1 import events_pb2
from practicum_session.adapters.events import session_started, turn_completed
from practicum_session.adapters.simulation_client import scenario_info
from practicum_session.domain.model import (
    PracticeSession,
    ReplyCompleted,
    SessionStatus,
    Turn,
    TurnStatus,
)
from practicum_simulation.domain.library import load_library
from practicum_simulation.entrypoints.grpc_server import scenario_pb

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "40"))
TURNS = int(os.environ.get("BENCH_TURNS", "10"))
PACED_SECONDS = float(os.environ.get("BENCH_PACED_SECONDS", "20"))
TIMEOUT_S = float(os.environ.get("BENCH_TIMEOUT_S", "300"))
RUN_DIR = Path(os.environ.get("PRACTICUM_RUN_DIR", Path(__file__).resolve().parents[1] / ".run"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

OPENING_LINE = "I don't really know why I'm here."

# (trainee turn, client reply): openers, reflections, closed and open questions, advice,
# affirmations, a risk question; the client lines give the talk-type model work too.
EXCHANGES = [
    ("What's been going on for you lately?", "Honestly I haven't been sleeping and work is a mess."),
    ("It sounds like the nights are the hardest part.", "Yeah. That's when it all comes back."),
    ("Have you talked to anyone about this?", "Not really. My wife knows a little."),
    ("You should try going to bed at the same time every night.", "I've tried that. It doesn't work."),
    ("You've kept showing up for your family through all of this.", "I guess. It doesn't feel like much."),
    ("What would you like to be different a month from now?", "I want to stop drinking every night."),
    ("So part of you wants a change, and part of you needs the drink to get to sleep.", "Exactly. That's it."),
    ("Are you having thoughts of ending your life?", "Sometimes. I wouldn't do anything though."),
    ("Would it be okay if I shared what has helped other veterans?", "Sure, go ahead."),
    ("It's your call what you do with any of this.", "Thanks. I'll think about it."),
]


@dataclass
class Published:
    # turn id -> when it was sent (time.time()), in sending order.
    sent_at: dict[str, float] = field(default_factory=dict)

    @property
    def turn_ids(self) -> list[str]:
        return list(self.sent_at)


class Bench:
    def __init__(self, settings: GradingSettings) -> None:
        self.settings = settings
        self.org = str(uuid.uuid4())
        self.producer = make_producer(settings.kafka_bootstrap, "bench-grading")
        # A risk scenario, as the simulation service serves it and the session service
        # passes it on: the worker also checks its objectives and crisis cues per turn.
        spec = next(s for s in load_library().list_published() if s.has_suicide_risk)
        self.scenario = scenario_info(scenario_pb(spec))
        self.dispatcher = f"http://127.0.0.1:{settings.http_port}"

    def start_sessions(self, n: int) -> list[PracticeSession]:
        sessions = [
            PracticeSession(
                id=str(uuid.uuid4()),
                organisation_id=self.org,
                trainee_id=str(uuid.uuid4()),
                scenario_id=self.scenario.scenario_id,
                scenario_version=self.scenario.version,
                scenario_title=self.scenario.title,
                opening_line=OPENING_LINE,
                status=SessionStatus.ACTIVE,
                client_state={},
                turn_count=0,
                created_at=datetime.now(UTC),
            )
            for _ in range(n)
        ]
        for session in sessions:
            # The session service's own event builders, so the payloads are the real ones.
            event = session_started(session, self.scenario)
            self.producer.send(SESSION_EVENTS.name, key=session.id.encode(), value=event.SerializeToString())
        self.producer.flush()
        return sessions

    def turn_events(self, sessions: list[PracticeSession], turns: int) -> list[tuple[str, events_pb2.SessionEvent]]:
        out = []
        for index in range(1, turns + 1):
            for session in sessions:
                trainee, client = EXCHANGES[(index - 1) % len(EXCHANGES)]
                turn = Turn(
                    id=str(uuid.uuid4()),
                    session_id=session.id,
                    organisation_id=self.org,
                    index=index,
                    idempotency_key=uuid.uuid4().hex,
                    status=TurnStatus.COMPLETED,
                    trainee_text=trainee,
                    client_text=client,
                    prev_client_text=EXCHANGES[index - 2][1] if index > 1 else OPENING_LINE,
                    created_at=datetime.now(UTC),
                )
                reply = ReplyCompleted(client, {}, None, (), (), "bench", 0.0, "")
                out.append((session.id, turn_completed(session, turn, reply)))
        return out

    def publish(self, events: list[tuple[str, events_pb2.SessionEvent]], rate: float | None, into: Published) -> None:
        started = time.monotonic()
        for i, (sid, event) in enumerate(events):
            if rate is not None:
                # Open-loop pacing: each turn leaves at its slot whatever the grades do.
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            event.occurred_at.CopyFrom(timestamp())
            self.producer.send(SESSION_EVENTS.name, key=sid.encode(), value=event.SerializeToString())
            if rate is not None:
                self.producer.flush()
            into.sent_at[event.turn_completed.turn_id] = time.time()
        self.producer.flush()

    def graded_at(self, turn_ids: list[str]) -> dict[str, float]:
        with psycopg.connect(self.settings.postgres_dsn) as conn:
            rows = conn.execute(
                "SELECT turn_id::text, extract(epoch FROM graded_at) FROM grading.grades "
                "WHERE organisation_id = %s AND turn_id::text = ANY(%s)",
                (self.org, turn_ids),
            ).fetchall()
        return {turn_id: float(at) for turn_id, at in rows}

    def queue_length(self) -> float | None:
        try:
            text = httpx.get(f"{self.dispatcher}/metrics", timeout=2).text
        except httpx.HTTPError:
            return None
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == "practicum_grading_queue_length" and s.labels.get("queue") == "grading.turns":
                    return float(s.value)
        return None

    def wait_graded(self, published: Published, what: str) -> tuple[dict[str, float], float]:
        """Poll until every turn is graded; returns the grades and the queue's peak length."""
        peak = 0.0
        stop = threading.Event()

        def sample_queue() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, self.queue_length() or 0.0)
                stop.wait(0.5)

        sampler = threading.Thread(target=sample_queue, daemon=True)
        sampler.start()
        deadline = time.monotonic() + TIMEOUT_S
        last_report = 0.0
        try:
            while True:
                graded = self.graded_at(published.turn_ids)
                if len(graded) >= len(published.turn_ids):
                    return graded, peak
                if time.monotonic() > deadline:
                    sys.exit(
                        f"{what}: only {len(graded)} of {len(published.turn_ids)} turns graded after {TIMEOUT_S:.0f}s; "
                        "check `make status` and the grading logs (`make logs SERVICE=grading-worker`)"
                    )
                if time.monotonic() - last_report > 5:
                    print(f"  {what}: {len(graded)}/{len(published.turn_ids)} graded", flush=True)
                    last_report = time.monotonic()
                time.sleep(0.25)
        finally:
            stop.set()
            sampler.join()


def _cpu_by_component() -> dict[str, float]:
    """CPU seconds used so far by each process `make up` started, with all its descendants
    (PostgreSQL backends, Celery pool processes), from /proc. Empty when not on Linux."""
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    totals: dict[str, float] = {}
    for pidfile in sorted((RUN_DIR / "pids").glob("*.pid")):
        try:
            root = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        stack, seen = [root], 0.0
        while stack:
            pid = stack.pop()
            seen += cpu.get(pid, 0.0)
            stack.extend(children.get(pid, []))
        totals[pidfile.stem] = seen
    return totals


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))]


def _baseline(n_turns: int) -> float:
    # The worker's own coder calls (``CoderAdapter``): each trainee turn with the session's
    # earlier trainee turns (the coder's sequence step reads the last few), then the reply.
    coder = CoderAdapter(load_coder())
    coder.code_utterance(EXCHANGES[0][0], "trainee", None)  # warm-up: first-call allocations
    started = time.perf_counter()
    earlier: list[tuple[str, str | None]] = []
    for i in range(n_turns):
        if i % TURNS == 0:
            earlier = []  # a new session
        trainee, client = EXCHANGES[i % len(EXCHANGES)]
        prev_client = EXCHANGES[(i - 1) % len(EXCHANGES)][1]
        coder.code_utterance(trainee, "trainee", prev_client, earlier)
        coder.code_utterance(client, "client", None)
        earlier.append((trainee, prev_client))
    return n_turns / (time.perf_counter() - started)


def _preflight(settings: GradingSettings) -> None:
    for name, url in (
        ("grading dispatcher", f"http://127.0.0.1:{settings.http_port}/readyz"),
        ("grading worker", f"http://127.0.0.1:{settings.worker_http_port}/healthz"),
    ):
        try:
            ok = httpx.get(url, timeout=5).status_code == 200
        except httpx.HTTPError:
            ok = False
        if not ok:
            sys.exit(f"the {name} does not answer at {url}: start the stack first (`make up`)")


def main() -> int:
    settings = GradingSettings()
    _preflight(settings)
    bench = Bench(settings)
    n = SESSIONS * TURNS
    print(
        f"bench-grading: {SESSIONS} sessions x {TURNS} turns = {n} turns per phase; worker concurrency "
        f"{settings.worker_concurrency} (GRADING_WORKER_CONCURRENCY), {os.cpu_count()} cores; organisation {bench.org}"
    )

    print("1/3 baseline: the coder alone in this process ...", flush=True)
    baseline = _baseline(min(n, 400))

    print("2/3 burst: every turn published at once ...", flush=True)
    sessions = bench.start_sessions(SESSIONS)
    burst = Published()
    cpu_before = _cpu_by_component()
    wall_start = time.time()
    bench.publish(bench.turn_events(sessions, TURNS), None, burst)
    graded, peak = bench.wait_graded(burst, "burst")
    cpu_after = _cpu_by_component()
    drain_s = max(graded.values()) - wall_start
    capacity = n / drain_s
    burst_delays = [graded[t] - burst.sent_at[t] for t in burst.turn_ids]

    rate = max(0.5, capacity / 2)
    count = max(1, min(n, int(rate * PACED_SECONDS)))
    print(f"3/3 paced: {count} turns at {rate:.1f} turns/s (half the burst capacity) ...", flush=True)
    paced_sessions = bench.start_sessions(max(1, count // TURNS + 1))
    paced = Published()
    # Turn 1 of every session, then turn 2 of every session...: sessions interleave as
    # they do live, and each session's turns keep their order.
    events = bench.turn_events(paced_sessions, TURNS)[:count]
    bench.publish(events, rate, paced)
    graded_paced, paced_peak = bench.wait_graded(paced, "paced")
    delays = [graded_paced[t] - paced.sent_at[t] for t in paced.turn_ids]

    print()
    print(
        "Grading tier, end to end (Kafka -> dispatcher -> Celery -> worker -> grade stored), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"  {'run':<44}{'turns/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print(f"  {'baseline: coder alone, 1 process, 1 turn':<44}{baseline:>9.0f}{'-':>9}{'-':>9}{'-':>9}{'-':>9}")

    def row(label: str, throughput: float, values: list[float]) -> None:
        ms = [v * 1000 for v in values]
        print(
            f"  {label:<44}{throughput:>9.1f}{_percentile(ms, 50):>9.0f}{_percentile(ms, 90):>9.0f}"
            f"{_percentile(ms, 99):>9.0f}{max(ms):>9.0f}"
        )

    row(f"burst: {n} at once (drain; delay = queueing)", capacity, burst_delays)
    row(
        f"paced: {count} at {rate:.1f}/s (delay a trainee waits)",
        count / (max(graded_paced.values()) - min(paced.sent_at.values())),
        delays,
    )
    print(f"  grading.turns queue peak: {peak:.0f} (burst), {paced_peak:.0f} (paced); sampled every 0.5 s")
    print(
        f"  pipeline capacity / coder-alone rate: {capacity / baseline:.2f} "
        f"(with {settings.worker_concurrency} worker processes on {os.cpu_count()} cores shared with the whole stack)"
    )
    print(f"  at one trainee turn per 30 s, this capacity grades about {capacity * 30:.0f} concurrent sessions")
    print(f"  mean delay, paced: {statistics.fmean(delays) * 1000:.0f} ms")
    used = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    if used:
        # Where the burst's CPU went: what to scale (or what a production deployment moves
        # off the workers' nodes). Includes whatever else those processes did meanwhile.
        total = sum(used.values())
        print(f"  CPU during the burst, ms per turn graded (the stack's processes and their children; {total:.1f} s):")
        for name, seconds in sorted(used.items(), key=lambda kv: -kv[1]):
            if seconds > 0:
                print(f"    {name:<22}{seconds * 1000 / n:>7.1f}  ({100 * seconds / total:.0f} %)")
    bench.producer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
