"""The FastAPI application factory and its lifecycle (pools, relay, consumer)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from practicum_common import db
from practicum_common.health import Check, postgres_check, run_checks, tcp_check
from practicum_common.messaging import ConsumerLoop, make_producer, run_in_thread
from practicum_common.outbox import OutboxRelay
from practicum_common.telemetry import extract_context, tracer
from practicum_common.topics import DEAD_LETTER, GRADE_EVENTS, GRADE_REPORTS
from practicum_session.adapters.analytics_client import AnalyticsClient
from practicum_session.adapters.feedback import FeedbackNotifier
from practicum_session.adapters.grades import GradeEventHandler
from practicum_session.adapters.repository import PostgresSessionRepository
from practicum_session.adapters.retention import KafkaEventRetention
from practicum_session.adapters.simulation_client import GrpcSimulationGateway
from practicum_session.adapters.webhooks import WebhookSender
from practicum_session.domain.cohorts import CohortService
from practicum_session.domain.practice import PracticeService
from practicum_session.entrypoints import problems
from practicum_session.entrypoints.deps import Container
from practicum_session.entrypoints.routers import api_keys, cohorts, safety, scenarios, sessions, trainees, webhooks
from practicum_session.settings import SessionSettings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

REQUESTS = Counter("practicum_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "practicum_http_request_duration_seconds",
    "HTTP request latency until the response starts (streams: until the first event)",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def make_relay(settings: SessionSettings) -> OutboxRelay:
    return OutboxRelay(
        dsn=settings.postgres_dsn,
        schema="session",
        producer_factory=lambda: make_producer(settings.kafka_bootstrap, "session-relay"),
    )


def make_webhook_sender(settings: SessionSettings) -> WebhookSender:
    """Sends webhook deliveries; runs wherever the outbox relay runs. In production it
    delivers only to public addresses, checked at every delivery (development and tests
    point webhooks at receivers on loopback)."""
    return WebhookSender(
        settings.postgres_dsn,
        timeout_s=settings.webhook_timeout_s,
        public_only=settings.environment == "production",
    )


def make_grade_consumer(settings: SessionSettings, on_poll: Callable[[], None] | None = None) -> ConsumerLoop:
    return ConsumerLoop(
        bootstrap=settings.kafka_bootstrap,
        group_id="session-grades",
        topics=[GRADE_EVENTS.name, GRADE_REPORTS.name],
        handler=GradeEventHandler(settings.postgres_dsn),
        dlq_topic=DEAD_LETTER.name,
        on_poll=on_poll,
    )


def readiness_checks(settings: SessionSettings) -> dict[str, Check]:
    return {
        "postgres": postgres_check(settings.postgres_dsn),
        "simulation": tcp_check(settings.simulation_host, settings.simulation_port),
    }


def create_app(settings: SessionSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(db.migrate, settings.postgres_dsn, "session", MIGRATIONS)
        pool = db.async_pool(settings.postgres_dsn, max_size=settings.postgres_pool_max, name="session")
        await pool.open(wait=True, timeout=30)
        relay = make_relay(settings) if settings.embedded_workers else None
        consumer = make_grade_consumer(settings) if settings.embedded_workers else None
        sender = make_webhook_sender(settings) if settings.embedded_workers else None
        notifier = FeedbackNotifier(settings.postgres_dsn)
        await notifier.start()
        simulation = GrpcSimulationGateway(settings.simulation_target, settings.reply_timeout_s, settings.retry_after_s)
        analytics = AnalyticsClient(settings.analytics_url, settings.analytics_token)
        repo = PostgresSessionRepository(pool, on_outbox_write=relay.notify if relay else None)
        retention = KafkaEventRetention(settings.kafka_bootstrap)
        practice = PracticeService(repo, simulation, notifier, settings.max_message_chars, retention)
        cohorts_service = CohortService(repo, simulation)
        app.state.container = Container(
            settings=settings, repo=repo, practice=practice, cohorts=cohorts_service, analytics=analytics
        )
        if relay is not None:
            relay.start_thread()
        if sender is not None:
            sender.start_thread()
        if consumer is not None:
            app.state.consumer_thread = run_in_thread(consumer, "session-grade-consumer")
        log.info("session service ready on http://%s:%d (docs at /docs)", settings.host, settings.port)
        try:
            yield
        finally:
            if relay is not None:
                relay.stop()
            if sender is not None:
                sender.stop()
            if consumer is not None:
                consumer.stop()
            await notifier.stop()
            await simulation.close()
            await analytics.close()
            await pool.close()

    app = FastAPI(
        title="Practicum partner API",
        version="1.0.0",
        description=(
            "Practice conversations with simulated clients, coded feedback and progress. "
            "Authenticate every request with `Authorization: Bearer <API key>`. Errors are "
            "RFC 9457 problem documents; validation errors name the field."
        ),
        lifespan=lifespan,
    )
    problems.install(app)
    for router in (
        trainees.router,
        cohorts.router,
        scenarios.router,
        sessions.router,
        safety.router,
        webhooks.router,
        api_keys.router,
    ):
        app.include_router(router)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        ctx = extract_context(dict(request.headers))
        with tracer("practicum_session").start_as_current_span(
            f"{request.method} {request.url.path}", context=ctx, kind=trace.SpanKind.SERVER
        ) as span:
            response = await call_next(request)
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            span.update_name(f"{request.method} {template}")
            span.set_attribute("http.status_code", response.status_code)
        REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
        return response

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> JSONResponse:
        """Liveness: the event loop answers and the embedded consumer thread is running."""
        thread = getattr(app.state, "consumer_thread", None)
        if thread is not None and not thread.is_alive():
            return JSONResponse({"status": "consumer stopped"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Readiness: PostgreSQL answers a query and the simulation service accepts connections."""
        ok, results = await asyncio.to_thread(run_checks, readiness_checks(settings))
        body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": results}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
