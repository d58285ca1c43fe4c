"""The relay and consumers run alone (SESSION_EMBEDDED_WORKERS / ANALYTICS_EMBEDDED_CONSUMER
off, their own deployments) and still serve /metrics, /healthz and /readyz on side ports.

Each is started next to the running stack: a second relay on the same outbox is safe (rows
are claimed FOR UPDATE SKIP LOCKED) and a second consumer joins the same group.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from stack import Stack
from support import wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]

CASES = [
    # (module, command, port setting, a series its /metrics must carry)
    ("practicum_session", "consume", "SESSION_CONSUMER_HTTP_PORT", "practicum_turn_feedback_delay_seconds_count"),
    ("practicum_session", "relay", "SESSION_RELAY_HTTP_PORT", "practicum_outbox_relay_failures_total"),
    ("practicum_analytics", "consume", "ANALYTICS_CONSUMER_HTTP_PORT", "practicum_kafka_records_consumed_total"),
]


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return None


@pytest.mark.parametrize(("module", "command", "port_name", "series"), CASES, ids=[f"{m} {c}" for m, c, _, _ in CASES])
def test_standalone_worker_serves_health_and_metrics(
    stack: Stack, module: str, command: str, port_name: str, series: str
) -> None:
    base = f"http://127.0.0.1:{stack.env[port_name]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", module, command],
        cwd=REPO,
        env=stack.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = wait_for(
            lambda: proc.poll() is None and (r := _get(f"{base}/readyz")) is not None and r.status_code == 200 and r,
            60,
            f"{module} {command} to answer /readyz",
        )
        assert set(ready.json()["checks"]) == {"postgres", "kafka"}
        health = _get(f"{base}/healthz")
        assert health is not None and health.status_code == 200
        metrics = _get(f"{base}/metrics")
        assert metrics is not None and metrics.status_code == 200
        assert series in metrics.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, stderr
