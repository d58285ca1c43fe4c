"""Readiness checks that touch the real dependency, and a small HTTP side server.

Services whose main protocol is not HTTP (gRPC, Kafka consumers, Celery workers) still
serve ``/metrics``, ``/healthz`` (liveness: the process loop is alive) and ``/readyz``
(readiness: every dependency answered) on a side port for Kubernetes and Prometheus.
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import psycopg
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

if TYPE_CHECKING:
    from practicum_common.settings import BaseServiceSettings

log = logging.getLogger(__name__)

Check = Callable[[], None]


def postgres_check(dsn: str) -> Check:
    def check() -> None:
        with psycopg.connect(dsn, connect_timeout=2) as conn:
            conn.execute("SELECT 1")

    return check


def tcp_check(host: str, port: int, timeout: float = 2.0) -> Check:
    def check() -> None:
        with socket.create_connection((host, port), timeout=timeout):
            pass

    return check


def postgres_and_kafka_checks(settings: BaseServiceSettings) -> dict[str, Check]:
    """Readiness of a process that consumes or relays events: its database and the broker."""
    return {
        "postgres": postgres_check(settings.postgres_dsn),
        "kafka": tcp_check(settings.kafka_host, settings.kafka_port),
    }


def redis_check(host: str, port: int) -> Check:
    """PING over the raw protocol, so services without a Redis client can use it."""

    def check() -> None:
        with socket.create_connection((host, port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
            if not reply.startswith(b"+PONG"):
                raise RuntimeError(f"unexpected reply {reply!r}")

    return check


def run_checks(checks: dict[str, Check]) -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"error: {exc}"[:300]
    return all(v == "ok" for v in results.values()), results


class Liveness:
    """Liveness as 'the main loop beat recently', not 'the process exists'."""

    def __init__(self, max_silence_s: float = 60.0) -> None:
        self._last = time.monotonic()
        self._max_silence_s = max_silence_s

    def beat(self) -> None:
        self._last = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self._last < self._max_silence_s


class PortInUse(OSError):
    """A listening port is taken, usually by an instance that is still running."""

    def __init__(self, host: str, port: int, purpose: str) -> None:
        super().__init__(
            errno.EADDRINUSE,
            f"{purpose} port {host}:{port} is already in use; is another instance still running "
            "(`make down`), or set this service's port variable in .env",
        )


def serve_side_http(
    host: str,
    port: int,
    readiness: dict[str, Check],
    liveness: Callable[[], bool],
    registry: CollectorRegistry = REGISTRY,
) -> ThreadingHTTPServer:
    """Serve /metrics, /healthz and /readyz in a daemon thread; returns the server.

    ``liveness`` answers whether the process's main loop is making progress (e.g.
    :meth:`Liveness.alive`); ``readiness`` checks touch each dependency.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif self.path == "/healthz":
                ok = liveness()
                self._json(200 if ok else 503, {"status": "ok" if ok else "stalled"})
            elif self.path == "/readyz":
                ok, results = run_checks(readiness)
                self._json(200 if ok else 503, {"status": "ok" if ok else "unavailable", "checks": results})
            else:
                self._json(404, {"detail": "not found"})

        def _json(self, code: int, body: object) -> None:
            self._send(code, json.dumps(body).encode(), "application/json")

        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # probes every few seconds would flood the service log

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port, "metrics/health") from exc
        raise
    threading.Thread(target=server.serve_forever, name="side-http", daemon=True).start()
    log.info("metrics and health on http://%s:%d", host, port)
    return server
