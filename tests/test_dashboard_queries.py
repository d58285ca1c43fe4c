"""The chart's Grafana dashboard, read by a real Prometheus scraping the running services.

The unit tests check the dashboard's PromQL against the metric definitions in the source.
This checks it against what the services actually serve on /metrics: a Prometheus
(built by infra/scripts/install-prometheus.sh) scrapes every service of the local stack
with the labels the chart's ServiceMonitor gives them in a cluster (namespace, component),
then every query of every panel is run through its HTTP API, the way Grafana would.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from stack import REPO, Partner, Stack, run
from support import wait_for

pytestmark = pytest.mark.integration

BOARD = REPO / "charts" / "practicum" / "dashboards" / "practicum-overview.json"
NAMESPACE = "practicum"
# component -> the .env name of the port serving its /metrics
SCRAPED = {
    "session": "SESSION_PORT",
    "simulation": "SIMULATION_HTTP_PORT",
    "grading-dispatcher": "GRADING_HTTP_PORT",
    "grading-worker": "GRADING_WORKER_HTTP_PORT",
    "analytics": "ANALYTICS_PORT",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def prometheus(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    bin_dir = Path(run(REPO / "infra" / "scripts" / "install-prometheus.sh").stdout.strip().splitlines()[-1])
    workdir = tmp_path_factory.mktemp("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [
            {
                "job_name": f"practicum-{component}",
                "static_configs": [
                    {
                        "targets": [f"127.0.0.1:{stack.env[port]}"],
                        # What the ServiceMonitor's namespace and targetLabels add in a cluster.
                        "labels": {"namespace": NAMESPACE, "app_kubernetes_io_component": component},
                    }
                ],
            }
            for component, port in SCRAPED.items()
        ],
    }
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{_free_port()}"
    log = (workdir / "prometheus.log").open("w")
    process = subprocess.Popen(
        [
            str(bin_dir / "prometheus"),
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def all_targets_up() -> bool:
            try:
                targets = httpx.get(f"{url}/api/v1/targets", timeout=2).json()["data"]["activeTargets"]
            except (httpx.HTTPError, json.JSONDecodeError, KeyError):
                return False
            return len(targets) == len(SCRAPED) and all(t["health"] == "up" for t in targets)

        wait_for(all_targets_up, 60, "Prometheus to scrape every service")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _query(url: str, expr: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/api/v1/query", params={"query": expr}, timeout=10).json()
    return body


def _targets() -> list[tuple[str, str]]:
    board = json.loads(BOARD.read_text())
    return [
        (panel["title"], target["expr"].replace("$namespace", NAMESPACE))
        for panel in board["panels"]
        for target in panel.get("targets", [])
    ]


def test_every_dashboard_query_runs_on_the_scraped_services(prometheus: str, partner: Partner) -> None:
    # A graded turn, so that latency histograms and the grading panels have fresh samples.
    session = partner.session()
    turn = partner.reply(session["id"], "What has been the hardest part of this week?").json()["turn"]

    def graded() -> bool:
        transcript = partner.client.get(f"/v1/sessions/{session['id']}/transcript").json()
        return any(t["id"] == turn["id"] and t.get("trainee_code") for t in transcript["turns"])

    wait_for(graded, 90, "the turn's grade")
    # Two statuses of one class on one route (409: still active, 404: no such session): a
    # status-class panel that overwrote `status` failed on exactly this in CI.
    assert partner.client.get(f"/v1/sessions/{session['id']}/report").status_code == 409
    assert partner.client.get(f"/v1/sessions/{uuid.uuid4()}/report").status_code == 404
    wait_for(
        lambda: _query(prometheus, f'sum(practicum_turn_feedback_delay_seconds_count{{namespace="{NAMESPACE}"}})')[
            "data"
        ]["result"],
        30,
        "the feedback delay in Prometheus",
    )
    time.sleep(3)  # a few more scrapes, so rate() windows hold at least two samples

    errors, empty = [], []
    with_data: set[str] = set()
    for title, expr in _targets():
        body = _query(prometheus, expr)
        if body.get("status") != "success":
            errors.append(f"{title}: {expr}\n    -> {body.get('errorType')}: {body.get('error')}")
        elif body["data"]["result"]:
            with_data.add(title)
        else:
            empty.append(f"{title}: {expr}")
    total = len(_targets())
    print(f"\n{total - len(empty)} of {total} dashboard queries returned series; empty (nothing of that kind yet):")
    print("\n".join(f"  {e}" for e in empty), file=sys.stdout)
    assert not errors, "queries Prometheus refused:\n" + "\n".join(errors)

    # These happen in every run of the stack (a reply, a grade, outboxes and consumers,
    # replica probes, partner API calls), so each of these panels must draw something. A
    # panel empty here reads a series name or label the services do not serve.
    must_answer = {
        "Time to first token, p99 (simulation)",
        "Reply duration (simulation)",
        "Per-turn feedback delay",
        "Partner API requests by status",
        "Partner API 5xx ratio",
        "Partner API latency p99 by route (without turns)",
        "Simulated replies by outcome",
        "Healthy inference replicas",
        "Admission decisions",
        "Inference requests in flight",
        "Requests per replica by outcome",
        "Outbox rows not yet published",
        "Consumer lag (records)",
        "Age of the last record handled",
        "Records consumed by outcome",
        "Outbox publish rate and relay failures",
        "Celery queue length",
        "Grading tasks by outcome",
        "Grading task duration",
    }
    missing = sorted(must_answer - with_data)
    assert not missing, f"panels with no data although the stack produced it: {missing}\n" + "\n".join(empty)
