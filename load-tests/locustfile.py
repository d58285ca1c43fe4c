"""Many concurrent trainees practising against the local stack, through the partner API.

Each simulated trainee is registered, starts a practice session for a scenario, sends a
few turns (streamed over SSE or as one JSON reply) with think time in between, now and
then reads the transcript or its progress, and ends the session; then starts another.
The traffic mix and the SLOs are in README.md; `run.sh` runs this headless.

Besides Locust's own table this records, per reply:

- ``TTFT (first delta)``: from sending a streamed turn to its first ``delta`` event,
- ``reply (sse)`` / ``reply (json)``: from sending a turn to the complete reply,
- ``feedback (after reply)``: on a streamed turn, from the ``turn`` event (reply stored)
  to the ``feedback`` event (the turn graded through Kafka and the Celery turn queue);
  streamed turns whose feedback missed the stream (SESSION_FEEDBACK_WAIT_S) are counted,

as custom Locust entries (so they appear in its stats and percentile tables) and prints
p50/p90/p99 after Locust's tables. Figures are printed, never asserted (run.sh passes
--exit-code-on-error 0, so errors and slow replies do not fail the run).

Settings (environment): LOADTEST_API_KEY (required), LOADTEST_TURNS (turns per session,
6), LOADTEST_THINK_MIN / LOADTEST_THINK_MAX (seconds, 5 / 15), LOADTEST_SCENARIO (one
scenario id; default: every published scenario), LOADTEST_SUMMARY (write the custom
percentiles as JSON there).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.env import Environment

TURNS_PER_SESSION = int(os.environ.get("LOADTEST_TURNS", "6"))
THINK_MIN = float(os.environ.get("LOADTEST_THINK_MIN", "5"))
THINK_MAX = float(os.environ.get("LOADTEST_THINK_MAX", "15"))
ONLY_SCENARIO = os.environ.get("LOADTEST_SCENARIO", "")
SUMMARY_PATH = os.environ.get("LOADTEST_SUMMARY", "")

# Load is only ever sent to this machine.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# What a trainee says, whatever the scenario: openers, reflections, open questions,
# affirmations, a direct safety question and a closing summary.
TRAINEE_LINES = (
    "Thanks for talking with me today. What's been on your mind lately?",
    "It sounds like things have been piling up and you're carrying a lot on your own.",
    "What does a typical day look like for you right now?",
    "You've kept going through all of this, which says a lot about you.",
    "When you say you're tired of it all, what do you mean by that?",
    "I want to ask you directly: are you having thoughts of ending your life?",
    "Who in your life knows what you're going through?",
    "So on one hand you want things to change, and on the other it feels too hard to start.",
    "What would you like to be different a month from now?",
    "Let me check I've got this right: work, sleep and being alone at night are the hardest parts.",
)

# Custom latency samples in milliseconds, by name, for the end-of-run percentiles.
_samples: dict[str, list[float]] = {}
_samples_lock = threading.Lock()
# Published scenario ids, listed once through the API.
_scenario_ids: list[str] = []
_scenarios_lock = threading.Lock()

TTFT = "TTFT (first delta)"
REPLY_SSE = "reply (sse)"
REPLY_JSON = "reply (json)"
FEEDBACK = "feedback (after reply)"

# Streamed, non-crisis turns with a stored reply, and how many of them got their
# feedback before the stream closed.
_feedback_tally = {"turns": 0, "with_feedback": 0}


def _record(environment: Environment, name: str, started: float, ok: bool = True, error: str = "") -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    if ok:
        with _samples_lock:
            _samples.setdefault(name, []).append(elapsed_ms)
    environment.events.request.fire(  # type: ignore[no-untyped-call]
        request_type="METRIC",
        name=name,
        response_time=elapsed_ms,
        response_length=0,
        exception=None if ok else RuntimeError(error or name),
        context={},
    )


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    event = "message"
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line[5:].strip())


class Trainee(HttpUser):
    """One trainee at a time per simulated user, session after session."""

    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {os.environ['LOADTEST_API_KEY']}"
        self.session_id = ""
        self.trainee_id = ""
        self.turns = 0
        self.pending: tuple[str, str] | None = None
        self._start_session()

    # -- tasks (weights and think time: README.md) -------------------------------------

    @task(6)
    def streamed_turn(self) -> None:
        if self._session_ready():
            self._turn_sse()

    @task(2)
    def json_turn(self) -> None:
        if self._session_ready():
            self._turn_json()

    @task(1)
    def read_transcript(self) -> None:
        if self._session_ready():
            self.client.get(f"/v1/sessions/{self.session_id}/transcript", name="/v1/sessions/[id]/transcript")

    @task(1)
    def read_progress(self) -> None:
        if self.trainee_id:
            self.client.get(f"/v1/trainees/{self.trainee_id}/progress", name="/v1/trainees/[id]/progress")

    # -- session lifecycle --------------------------------------------------------------

    def _session_ready(self) -> bool:
        if self.session_id and self.turns >= TURNS_PER_SESSION:
            self._finish_session()
        if not self.session_id:
            self._start_session()
        return bool(self.session_id)

    def _scenario(self) -> str | None:
        if ONLY_SCENARIO:
            return ONLY_SCENARIO
        with _scenarios_lock:
            # The first user to get here lists the library for everyone.
            if not _scenario_ids:
                response = self.client.get("/v1/scenarios", name="/v1/scenarios")
                if response.ok:
                    _scenario_ids.extend(s["scenario_id"] for s in response.json())
            return random.choice(_scenario_ids) if _scenario_ids else None

    def _start_session(self) -> None:
        scenario = self._scenario()
        if scenario is None:
            return
        body = {"external_ref": f"loadtest-{uuid.uuid4().hex[:12]}", "display_name": "Load-test trainee"}
        response = self.client.post("/v1/trainees", json=body, name="/v1/trainees")
        if not response.ok:
            return
        self.trainee_id = response.json()["id"]
        response = self.client.post(
            "/v1/sessions", json={"trainee_id": self.trainee_id, "scenario_id": scenario}, name="/v1/sessions"
        )
        if response.ok:
            self.session_id = response.json()["session"]["id"]
            self.turns = 0

    def _finish_session(self) -> None:
        self.client.get(f"/v1/sessions/{self.session_id}/transcript", name="/v1/sessions/[id]/transcript")
        self.client.post(f"/v1/sessions/{self.session_id}/end", name="/v1/sessions/[id]/end")
        self.session_id = ""
        self.pending = None

    def _abandon_session(self) -> None:
        # After a crisis pause or an unrecoverable turn error, this session cannot go on.
        # Ending it may find it already closed or gone (4xx): that is not a failure here.
        if self.session_id:
            with self.client.post(
                f"/v1/sessions/{self.session_id}/end", name="/v1/sessions/[id]/end", catch_response=True
            ) as response:
                if response.status_code < 500:
                    response.success()
        self.session_id = ""
        self.pending = None

    # -- turns -------------------------------------------------------------------------

    def _next_message(self) -> tuple[str, str]:
        """The message to send and its Idempotency-Key: a turn refused with 503 is retried
        as it was (same text, same key), as the API asks partners to do; otherwise new."""
        if self.pending is not None:
            return self.pending
        return random.choice(TRAINEE_LINES), uuid.uuid4().hex

    def _turn_sse(self) -> None:
        started = time.perf_counter()
        first_delta = False
        finished = crisis = got_feedback = False
        replied_at = 0.0
        error = ""
        text, key = self._next_message()
        with self.client.post(
            f"/v1/sessions/{self.session_id}/turns",
            json={"text": text},
            headers={"Accept": "text/event-stream", "Idempotency-Key": key},
            name="/v1/sessions/[id]/turns (sse)",
            stream=True,
            catch_response=True,
        ) as response:
            if not response.ok:
                response.failure(f"HTTP {response.status_code}")
                self._after_failed_turn(response.status_code, text, key)
                return
            self.pending = None
            try:
                for event, data in _sse_events(response.iter_lines(decode_unicode=True)):
                    if event == "delta" and not first_delta:
                        first_delta = True
                        _record(self.environment, TTFT, started)
                    elif event == "turn":
                        finished = True
                        replied_at = time.perf_counter()
                        _record(self.environment, REPLY_SSE, started)
                    elif event == "feedback" and finished and not got_feedback:
                        got_feedback = True
                        _record(self.environment, FEEDBACK, replied_at)
                    elif event == "crisis":
                        crisis = True
                    elif event == "error":
                        error = str(data.get("detail", "error event"))
            except (OSError, ValueError) as exc:  # broken stream or malformed event
                error = f"stream: {exc}"
            finally:
                response.close()  # hand the connection back even if the stream was cut short
            if error or not finished:
                response.failure(error or "stream ended without a turn event")
                if not finished:
                    _record(self.environment, REPLY_SSE, started, ok=False, error=error or "no turn event")
            else:
                response.success()
                if not crisis:
                    with _samples_lock:
                        _feedback_tally["turns"] += 1
                        _feedback_tally["with_feedback"] += int(got_feedback)
        self.turns += 1
        if crisis or error:
            self._abandon_session()

    def _turn_json(self) -> None:
        started = time.perf_counter()
        text, key = self._next_message()
        with self.client.post(
            f"/v1/sessions/{self.session_id}/turns",
            json={"text": text},
            headers={"Accept": "application/json", "Idempotency-Key": key},
            name="/v1/sessions/[id]/turns (json)",
            catch_response=True,
        ) as response:
            if not response.ok:
                response.failure(f"HTTP {response.status_code}")
                self._after_failed_turn(response.status_code, text, key)
                return
            self.pending = None
            body = response.json()
            if not body.get("reply"):
                response.failure("no reply in the JSON result")
                return
            response.success()
            _record(self.environment, REPLY_JSON, started)
        self.turns += 1
        if body.get("crisis"):
            self._abandon_session()

    def _after_failed_turn(self, status: int, text: str, key: str) -> None:
        # 503 (inference busy or down) keeps the message as a pending turn: the next turn
        # task retries it with the same key. 404/409/410: this session cannot go on.
        if status == 503:
            self.pending = (text, key)
        elif status in (404, 409, 410):
            self.pending = None
            self._abandon_session()


# -- reporting -------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def _summary() -> dict[str, dict[str, float]]:
    with _samples_lock:
        samples = {name: list(values) for name, values in _samples.items()}
    return {
        name: {
            "count": len(values),
            "p50_ms": _percentile(values, 50),
            "p90_ms": _percentile(values, 90),
            "p99_ms": _percentile(values, 99),
            "max_ms": max(values),
        }
        for name, values in sorted(samples.items())
        if values
    }


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _preflight(environment: Environment, **_: Any) -> None:
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load-test {environment.host!r}: only 127.0.0.1 / localhost targets are allowed")
    if not os.environ.get("LOADTEST_API_KEY"):
        raise SystemExit("LOADTEST_API_KEY is not set (load-tests/run.sh creates an organisation and sets it)")


@events.quit.add_listener  # type: ignore[untyped-decorator]
def _report(**_: Any) -> None:
    # `quit` fires after Locust has printed its own tables, so this one comes last.
    summary = _summary()
    lines = [
        "",
        "Custom latencies, successful replies only (SLO: TTFT p99 <= 500 ms; figures, not a verdict)",
        f"  {'name':<22}{'count':>7}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}",
    ]
    lines += [
        f"  {name:<22}{row['count']:>7.0f}{row['p50_ms']:>10.0f}{row['p90_ms']:>10.0f}"
        f"{row['p99_ms']:>10.0f}{row['max_ms']:>10.0f}"
        for name, row in summary.items()
    ]
    if not summary:
        lines.append("  (no complete replies were recorded)")
    with _samples_lock:
        tally = dict(_feedback_tally)
    if tally["turns"]:
        lines.append(
            f"  per-turn feedback inside the stream: {tally['with_feedback']} of {tally['turns']} streamed turns "
            f"({100 * tally['with_feedback'] / tally['turns']:.0f} %); the rest only on the transcript"
        )
    # Locust prints its tables to stderr; flush so this block lands after them in a shared log.
    print("\n".join(lines), flush=True)
    if SUMMARY_PATH:
        Path(SUMMARY_PATH).write_text(json.dumps({**summary, "feedback_in_stream": tally}, indent=2) + "\n")
