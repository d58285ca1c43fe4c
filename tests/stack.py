"""The real stack for the integration tests (the fixtures live in the root conftest.py).

Where the infrastructure comes from, in order:

1. ``PRACTICUM_TEST_STACK=external``: use whatever the environment points at
   (POSTGRES_HOST, KAFKA_HOST, ... and the service ports); start nothing. Tests that
   need to stop a component are skipped in this mode, because they cannot do it.
2. A Docker engine answers: PostgreSQL, Redis and Kafka run in testcontainers; the LLM
   server and the services run natively against them.
3. Otherwise (these machines): everything runs natively via ``infra/scripts``.

Environment variables override the ports and hosts of any of them. Whatever the fixture
started, it stops at the end; a stack that was already running (``make run``) is reused
and left running.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

REPO = Path(__file__).resolve().parents[1]
STACK = REPO / "infra" / "scripts" / "stack.sh"
SERVICES = REPO / "infra" / "scripts" / "services.sh"
INFRA = ("postgres", "redis", "kafka", "llm")
SERVICE_NAMES = ("simulation", "session", "analytics", "grading-dispatcher", "grading-worker")


def env_file() -> dict[str, str]:
    values: dict[str, str] = {}
    for name in (".env", ".env.local"):
        path = REPO / name
        if path.exists():
            for line in path.read_text().splitlines():
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, _, value = line.partition("=")
                    values[key.strip()] = value.strip()
    return values


def setting(name: str) -> str:
    return os.environ.get(name) or env_file()[name]


def run(*cmd: str | Path, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in cmd], cwd=REPO, env=env, text=True, capture_output=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        return False
    return True


@dataclass
class Stack:
    mode: str
    env: dict[str, str]
    started_infra: list[str] = field(default_factory=list)
    started_services: list[str] = field(default_factory=list)
    containers: dict[str, Any] = field(default_factory=dict)

    @property
    def session_url(self) -> str:
        return f"http://127.0.0.1:{self.env['SESSION_PORT']}"

    @property
    def analytics_url(self) -> str:
        return f"http://127.0.0.1:{self.env['ANALYTICS_PORT']}"

    @property
    def simulation_target(self) -> str:
        return f"127.0.0.1:{self.env['SIMULATION_PORT']}"

    @property
    def dsn(self) -> str:
        e = self.env
        return (
            f"host={e['POSTGRES_HOST']} port={e['POSTGRES_PORT']} dbname={e['POSTGRES_DB']} "
            f"user={e['POSTGRES_USER']} password={e['POSTGRES_PASSWORD']}"
        )

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.env['KAFKA_HOST']}:{self.env['KAFKA_PORT']}"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.env['REDIS_HOST']}:{self.env['REDIS_PORT']}/0"

    def can_control(self) -> bool:
        return self.mode != "external"

    def stop(self, component: str) -> None:
        """Stop one component (kafka, llm, a service) to simulate an outage."""
        if not self.can_control():
            pytest.skip("PRACTICUM_TEST_STACK=external: the tests cannot stop components")
        if component in self.containers:
            self.containers[component].get_wrapped_container().pause()
        elif component in SERVICE_NAMES:
            run(SERVICES, "down", component, env=self.env)
        else:
            run(STACK, "stop", component, env=self.env)

    def start(self, component: str) -> None:
        if component in self.containers:
            self.containers[component].get_wrapped_container().unpause()
        elif component in SERVICE_NAMES:
            run(SERVICES, "up", component, env=self.env)
        else:
            run(STACK, "start", component, env=self.env)
        if component.startswith("llm"):
            # The simulation service learns of a returned replica from its next health
            # probe; give it one probe interval so later tests do not race it.
            time.sleep(float(self.env.get("SIMULATION_HEALTH_INTERVAL_S", "5")) + 1)

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute(query.encode(), params).fetchall()


def start_containers(env: dict[str, str], stack: Stack) -> None:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer
    from testcontainers.redis import RedisContainer

    pg = PostgresContainer(
        "postgres:15", username=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DB"]
    ).start()
    redis = RedisContainer("redis:7").start()
    kafka = KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft().start()
    stack.containers.update(postgres=pg, redis=redis, kafka=kafka)
    host_port = kafka.get_bootstrap_server().rsplit(":", 1)
    env.update(
        POSTGRES_HOST=pg.get_container_host_ip(),
        POSTGRES_PORT=str(pg.get_exposed_port(5432)),
        REDIS_HOST=redis.get_container_host_ip(),
        REDIS_PORT=str(redis.get_exposed_port(6379)),
        KAFKA_HOST=host_port[0],
        KAFKA_PORT=host_port[1],
    )
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=kafka.get_bootstrap_server())
    from practicum_common.topics import parse_topics_file

    declared = parse_topics_file((REPO / "infra/kafka/topics.txt").read_text())
    admin.create_topics(
        [NewTopic(d.name, d.partitions, d.replication_factor, topic_configs=dict(d.configs)) for d in declared]
    )


def running(script: Path, names: tuple[str, ...], env: dict[str, str]) -> set[str]:
    """Which of ``names`` already run (so the fixture leaves them alone at the end)."""
    out = run(script, "status", env=env, check=False).stdout
    running = set()
    for line in out.splitlines():
        parts = line.split()
        # stack.sh names LLM replicas llm-0, llm-1, ...; the first one is "llm".
        name = "llm" if parts and parts[0] == "llm-0" else (parts[0] if parts else "")
        if name in names and "yes" in parts:
            running.add(name)
    return running


@dataclass
class Partner:
    """An organisation with its API key, and a client bound to it."""

    organisation_id: str
    api_key: str
    client: httpx.Client

    def trainee(self) -> dict[str, Any]:
        response = self.client.post("/v1/trainees", json={"external_ref": f"t-{uuid.uuid4().hex[:10]}"})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def session(self, scenario_id: str = "veteran-transition-civilian-work") -> dict[str, Any]:
        trainee = self.trainee()
        response = self.client.post("/v1/sessions", json={"trainee_id": trainee["id"], "scenario_id": scenario_id})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()["session"]
        return body

    def turn(self, session_id: str, text: str, key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(f"/v1/sessions/{session_id}/turns", json={"text": text}, headers=headers)

    def reply(self, session_id: str, text: str, attempts: int = 4) -> httpx.Response:
        """Post a turn the way the API tells a partner to: on 503, wait Retry-After and retry
        with the same Idempotency-Key (the message was kept). Tests whose subject is not
        capacity use this, because the one local LLM is sometimes still busy with the
        previous test's report judge; the 503 itself is tested in test_outages.py."""
        key = f"t-{uuid.uuid4().hex}"
        response = self.turn(session_id, text, key=key)
        for _ in range(attempts - 1):
            if response.status_code != 503:
                break
            assert response.headers.get("Idempotency-Key") == key, response.headers
            time.sleep(min(float(response.headers.get("Retry-After", "5")), 30.0))
            response = self.turn(session_id, text, key=key)
        assert response.status_code == 200, response.text
        return response


def create_partner(stack: Stack, name: str) -> Partner:
    out = run(sys.executable, "-m", "practicum_session", "create-org", "--name", name, env=stack.env).stdout
    created = json.loads(out)
    client = httpx.Client(
        base_url=stack.session_url,
        headers={"Authorization": f"Bearer {created['api_key']}"},
        timeout=httpx.Timeout(180.0, connect=5.0),
    )
    return Partner(created["organisation_id"], created["api_key"], client)
