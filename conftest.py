"""pytest fixtures shared by every test directory: the real stack for integration tests.

Unit tests use none of these. See tests/stack.py for where the infrastructure comes from.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/ holds importable helpers (pytest runs in importlib mode, without rootdir on sys.path).
sys.path.insert(0, str(Path(__file__).parent / "tests"))

from stack import (
    INFRA,
    SERVICE_NAMES,
    SERVICES,
    STACK,
    Partner,
    Stack,
    create_partner,
    docker_answers,
    env_file,
    run,
    running,
    start_containers,
)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    env = {**env_file(), **os.environ}
    mode = env.get("PRACTICUM_TEST_STACK") or ("containers" if docker_answers() else "native")
    s = Stack(mode=mode, env=env)
    if mode == "external":
        yield s
        return
    try:
        if mode == "containers":
            start_containers(env, s)
            wanted_infra: tuple[str, ...] = ("llm",)
        else:
            wanted_infra = INFRA
        already = running(STACK, wanted_infra, env)
        run(STACK, "up", *wanted_infra, env=env)
        s.started_infra = [c for c in wanted_infra if c not in already]
        already_services = running(SERVICES, SERVICE_NAMES, env)
        run(SERVICES, "up", env=env)
        s.started_services = [c for c in SERVICE_NAMES if c not in already_services]
        yield s
    finally:
        if s.started_services:
            run(SERVICES, "down", *s.started_services, env=env, check=False)
        if s.started_infra:
            run(STACK, "stop", *s.started_infra, env=env, check=False)
        for container in s.containers.values():
            container.stop()


@pytest.fixture
def partner(stack: Stack) -> Iterator[Partner]:
    p = create_partner(stack, f"test-org-{uuid.uuid4().hex[:8]}")
    yield p
    p.client.close()


@pytest.fixture
def other_partner(stack: Stack) -> Iterator[Partner]:
    p = create_partner(stack, f"other-org-{uuid.uuid4().hex[:8]}")
    yield p
    p.client.close()
