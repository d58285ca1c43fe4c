"""The grading queue-length collector against the real Redis (contract for the unit tests' fake)."""

from __future__ import annotations

import os

import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest
from stack import Stack

from practicum_grading.adapters.queue_depth import redis_queue_depth

pytestmark = pytest.mark.integration


def test_queue_length_collector_reads_real_redis_lists(stack: Stack) -> None:
    """Contract for the in-memory fake in the grading unit tests: LLEN of a list Celery's
    way (a throwaway key, so no worker picks the items up)."""
    key = f"practicum:test:queue-depth:{os.getpid()}"
    client = redis.Redis.from_url(stack.redis_url)
    client.delete(key)
    client.rpush(key, "a", "b", "c")
    try:
        registry = CollectorRegistry()
        registry.register(redis_queue_depth(stack.redis_url, [key]))
        text = generate_latest(registry).decode()
    finally:
        client.delete(key)
    assert f'practicum_grading_queue_length{{queue="{key}"}} 3.0' in text
    assert "practicum_grading_queue_length_up 1.0" in text
