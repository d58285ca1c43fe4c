"""`make demo`: one practice session end to end through the partner REST API.

A scripted trainee (lines from a file) talks with a simulated client. The client's
replies stream to the terminal as they are generated; then the demo prints each turn's
code and feedback, the session report and the trainee's progress as the analytics
service sees it. Everything goes through the public API with an API key, as a partner's
integration would. For the duration of the run the organisation's webhook points at a
receiver inside this script, which shows the signed `session.report_ready` delivery.
The trainee joins a cohort that is assigned the scenario, and the demo shows the
assignment completed by the session. Last, it shows what an analyst sees of the session: the de-identified events on
practicum.analyst.events.v1.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
KEY_FILE = REPO / ".run" / "demo-org.json"
# A 503 means the one local LLM server is busy (e.g. still writing the previous session's
# report); the API keeps the message and asks for a retry with the same Idempotency-Key,
# as a partner integration would do.
TURN_ATTEMPTS = 6
DEMO_ORG = "Demo peer-support programme"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # The session service's own CLI, with arguments from this file only.
    command = [sys.executable, "-m", "practicum_session", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)  # noqa: S603


def _api_key() -> str:
    """The demo organisation's key, created once with the session service's CLI."""
    if KEY_FILE.exists():
        return str(json.loads(KEY_FILE.read_text())["api_key"])
    created = _cli("create-org", "--name", DEMO_ORG)
    if created.returncode != 0:
        # The key file was lost but the organisation is still in the database (create-org
        # refuses a second organisation of the same name): issue it a new key instead.
        found = _cli("list-orgs", "--name", DEMO_ORG, "--json")
        orgs = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
        ids = [o["organisation_id"] for o in orgs if o["name"] == DEMO_ORG]
        if found.returncode != 0 or not ids:
            sys.exit(f"error: could not create the demo organisation: {created.stderr.strip()}")
        created = _cli("issue-key", "--org", ids[0], "--label", "demo")
        if created.returncode != 0:
            sys.exit(f"error: could not issue a key for the demo organisation: {created.stderr.strip()}")
    KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    KEY_FILE.write_text(created.stdout)
    return str(json.loads(created.stdout)["api_key"])


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        sys.exit(
            f"error: {response.request.method} {response.request.url.path} -> {response.status_code}: {response.text}"
        )
    if response.status_code == 204:
        return {}
    body: dict[str, Any] = response.json()
    return body


def _sse(response: httpx.Response) -> Any:
    event = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line[5:].strip())


def _code(c: dict[str, Any] | None) -> str:
    if not c:
        return "(not coded)"
    sub = f" ({c['subcode']})" if c.get("subcode") else ""
    return f"{c['code']}{sub} {c['confidence']:.2f}"


def _show_analyst_stream(session_id: str) -> None:
    """The session as analysts get it: event types and counts, and one coded turn."""
    print("\n=== Analyst stream (practicum.analyst.events.v1: no text, trainee as a pseudonym)", flush=True)
    reader = [sys.executable, "-m", "practicum_analytics", "analyst-events", "--from-beginning"]
    # session_id is the UUID our own API returned; no shell is involved.
    out = subprocess.run(  # noqa: S603
        [*reader, "--session", session_id, "--idle-exit-s", "3"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    events = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not events:
        print(f"  no events read (exit {out.returncode}): {out.stderr.strip()[-300:]}")
        return
    counts: dict[str, int] = {}
    for event in events:
        counts[event["event_type"]] = counts.get(event["event_type"], 0) + 1
    print("  " + ", ".join(f"{kind} x{n}" for kind, n in sorted(counts.items())))
    coded = next((e for e in events if e["event_type"] == "turn.coded"), None)
    if coded is not None:
        print(json.dumps(coded, indent=2))
    # The trainee's events that belong to no session: their cohort membership.
    pseudonym = events[0]["trainee_pseudonym"]
    out = subprocess.run(  # noqa: S603
        [*reader, "--trainee", pseudonym, "--idle-exit-s", "3"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    for line in out.stdout.splitlines():
        event = json.loads(line) if line.startswith("{") else {}
        if event and not event.get("session_id"):
            change = event.get("cohort_member_added") or event.get("cohort_member_removed") or {}
            print(f"  {pseudonym}: {event['event_type']} (cohort {change.get('cohort_id')})")


class WebhookReceiver:
    """What a partner's webhook endpoint does: take the POST, check the signature."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        received = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/practicum"

    def wait_for(self, event_type: str, session_id: str, timeout_s: float) -> tuple[dict[str, str], bytes] | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for headers, body in self.deliveries:
                payload = json.loads(body)
                if payload["type"] == event_type and payload["data"].get("session_id") == session_id:
                    return headers, body
            time.sleep(0.5)
        return None


def _signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers.get("practicum-signature", "").split(",") if "=" in p)
    expected = hmac.new(secret.encode(), f"{parts.get('t', '')}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _show_webhook(receiver: WebhookReceiver, secret: str, session_id: str) -> None:
    print("=== Webhook (the organisation's endpoint, here a receiver inside the demo)", flush=True)
    delivery = receiver.wait_for("session.report_ready", session_id, 30)
    if delivery is None:
        print("  no session.report_ready delivery within 30 s")
        return
    headers, body = delivery
    verdict = "verified" if _signature_ok(secret, headers, body) else "DOES NOT VERIFY"
    print(f"  POST {receiver.url}  signature {verdict}")
    print("  " + json.dumps(json.loads(body)) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="veteran-suicidal-thoughts-firearm")
    parser.add_argument("--turns", default=str(REPO / "infra/demo/trainee-lines.txt"))
    parser.add_argument("--api", default=f"http://127.0.0.1:{os.environ.get('SESSION_PORT', '8000')}")
    parser.add_argument("--report-timeout", type=float, default=300.0)
    args = parser.parse_args()
    lines = [ln.strip() for ln in Path(args.turns).read_text().splitlines() if ln.strip() and not ln.startswith("#")]

    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {_api_key()}"}
    receiver = WebhookReceiver()
    with httpx.Client(base_url=args.api, headers=headers, timeout=httpx.Timeout(180.0, connect=5.0)) as api:
        webhook = _check(api.put("/v1/webhook", json={"url": receiver.url, "events": ["session.report_ready"]}))
        secret = webhook["secret"]
        try:
            return _practise(api, args, lines, receiver, secret, started)
        finally:
            # The receiver ends with this process; later deliveries would only be retried.
            api.delete("/v1/webhook")
            receiver.server.shutdown()


def _practise(
    api: httpx.Client,
    args: argparse.Namespace,
    lines: list[str],
    receiver: WebhookReceiver,
    secret: str,
    started: float,
) -> int:
    trainee = _check(
        api.post(
            "/v1/trainees",
            json={"external_ref": f"demo-{uuid.uuid4().hex[:12]}", "display_name": "Demo trainee"},
        )
    )
    cohort = _check(api.post("/v1/cohorts", json={"name": f"Demo cohort {uuid.uuid4().hex[:6]}"}))
    _check(api.put(f"/v1/cohorts/{cohort['id']}/trainees/{trainee['id']}"))
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat(timespec="seconds")
    assignment = _check(
        api.post(f"/v1/cohorts/{cohort['id']}/assignments", json={"scenario_id": args.scenario, "due_at": due})
    )
    print(f"\n=== {cohort['name']}: scenario {assignment['scenario_id']} assigned, due {assignment['due_at']}")
    created = _check(api.post("/v1/sessions", json={"trainee_id": trainee["id"], "scenario_id": args.scenario}))
    session, scenario = created["session"], created["scenario"]
    print(f"\n=== {scenario['title']}  [{scenario['scenario_id']} v{scenario['version']}, {scenario['difficulty']}]")
    print(f"    {scenario['summary']}\n")
    print(f"CLIENT   {session['opening_line']}\n")

    for text in lines:
        print(f"TRAINEE  {text}")
        print("CLIENT   ", end="", flush=True)
        key = str(uuid.uuid4())
        for attempt in range(1, TURN_ATTEMPTS + 1):
            response = api.send(
                api.build_request(
                    "POST",
                    f"/v1/sessions/{session['id']}/turns",
                    json={"text": text},
                    headers={"Accept": "text/event-stream", "Idempotency-Key": key},
                ),
                stream=True,
            )
            if response.status_code != 503 or attempt == TURN_ATTEMPTS:
                break
            response.read()
            response.close()
            wait = float(response.headers.get("Retry-After", "1"))
            print(
                f"[busy (503), retrying in {wait:.0f}s, attempt {attempt + 1} of {TURN_ATTEMPTS}] ",
                end="",
                flush=True,
            )
            time.sleep(wait)
        with closing(response):
            if response.status_code >= 400:
                response.read()
                _check(response)
            crisis = False
            for event, data in _sse(response):
                if event == "delta":
                    print(data["text"], end="", flush=True)
                elif event == "reset":
                    print(f"\n         [guard withdrew the reply: {data['reason']}; regenerating]\n         ", end="")
                elif event == "turn":
                    state = data.get("client_state") or {}
                    facts = ", ".join(data.get("disclosed_facts") or []) or "-"
                    print(
                        f"\n         code: {_code(data['trainee_code'])} | trust {state.get('trust', 0):.2f} "
                        f"resistance {state.get('resistance', 0):.2f} | disclosed: {facts}"
                    )
                elif event == "feedback":
                    print(f"         feedback ({_code(data['grade'])}): {data['feedback']}")
                elif event == "crisis":
                    crisis = True
                    print(f"\n[role-play paused] {data['message']}")
                    for r in data["resources"]:
                        print(f"  - {r['name']}: {r['contact']}")
                elif event == "error":
                    print(f"\n[error] {data['detail']}")
        print()
        if crisis:
            break

    _check(api.post(f"/v1/sessions/{session['id']}/end"))
    transcript = _check(api.get(f"/v1/sessions/{session['id']}/transcript"))
    print("=== Coded turns (grade of record from the grading service)")
    for turn in transcript["turns"]:
        text = turn["trainee_text"]
        print(f"  {turn['index']:>2}. {_code(turn['grade']):<28} {text[:70]}{'...' if len(text) > 70 else ''}")

    print("\n=== Session report (waiting for the grading workers and the LLM judge)", flush=True)
    deadline = time.monotonic() + args.report_timeout
    while True:
        response = api.get(f"/v1/sessions/{session['id']}/report")
        if response.status_code == 200:
            print(response.json()["text"])
            break
        if time.monotonic() > deadline:
            print(f"  report not ready after {args.report_timeout:.0f}s: {response.text}")
            break
        time.sleep(2)

    _show_webhook(receiver, secret, session["id"])
    detail = _check(api.get(f"/v1/cohorts/{cohort['id']}/assignments/{assignment['id']}"))
    counts = detail["assignment"]["counts"]
    print(f"=== Assignment in {cohort['name']}: {counts['completed']} of {counts['members']} completed")
    for row in detail["trainees"]:
        print(f"    trainee {row['trainee_id']}: {row['state']} (session {row['session_id']})\n")
    print("=== Trainee progress (analytics service)")
    deadline = time.monotonic() + 30
    while True:
        response = api.get(f"/v1/trainees/{trainee['id']}/progress")
        body = response.json() if response.status_code == 200 else {}
        if body and body.get("totals", {}).get("graded_turns", 0) >= len(transcript["turns"]):
            break
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    print(json.dumps(body or response.json(), indent=2))
    _show_analyst_stream(session["id"])
    print(f"\ndemo finished in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
