"""The analytics HTTP API: trainee progress and organisation summaries.

Authenticated with a bearer token (ANALYTICS_API_TOKEN). Responses are de-identified by
default: organisation-level views never list trainee ids, and the export replaces them
with stable pseudonyms. Only the per-trainee and group progress endpoints take real
trainee ids, because the caller (the session service, on behalf of the trainees' own
organisation) already knows them; the group answer carries none back.
"""

from __future__ import annotations

import asyncio
import hmac
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field

from practicum_analytics.adapters.events import AnalyticsEventHandler
from practicum_analytics.adapters.queries import AnalyticsQueries
from practicum_analytics.domain.aggregates import (
    group_progress,
    pseudonym,
    skill_summary,
    timeline_point,
    trainee_progress,
)
from practicum_analytics.settings import AnalyticsSettings
from practicum_common import db, problems
from practicum_common.health import postgres_check, run_checks
from practicum_common.messaging import ConsumerLoop, make_producer, run_in_thread
from practicum_common.outbox import OutboxRelay
from practicum_common.topics import DEAD_LETTER, GRADE_EVENTS, SESSION_EVENTS

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

_bearer = HTTPBearer(auto_error=False)

# A cohort's members, as the session service sends them.
MAX_GROUP = 10_000


class GroupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trainee_ids: list[uuid.UUID] = Field(max_length=MAX_GROUP)


def make_relay(settings: AnalyticsSettings) -> OutboxRelay:
    """Publishes the analyst stream's outbox rows; runs wherever the consumer runs."""
    return OutboxRelay(
        dsn=settings.postgres_dsn,
        schema="analytics",
        producer_factory=lambda: make_producer(settings.kafka_bootstrap, "analytics-relay"),
    )


def make_consumer(settings: AnalyticsSettings, on_poll: Callable[[], None] | None = None) -> ConsumerLoop:
    # No early wake-up of the relay per event (on_outbox_write): analysts read the stream
    # in batches, and the relay's 0.2 s poll sends a burst as a few large batches. Woken per
    # event it sent one record at a time, which cost Kafka about three times the CPU per
    # graded turn under `make bench-grading`.
    handler = AnalyticsEventHandler(settings.postgres_dsn, settings.pseudonym_key.get_secret_value().encode())
    return ConsumerLoop(
        bootstrap=settings.kafka_bootstrap,
        group_id="analytics",
        topics=[SESSION_EVENTS.name, GRADE_EVENTS.name],
        handler=handler,
        dlq_topic=DEAD_LETTER.name,
        on_poll=on_poll,
    )


def _authorised(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    settings: AnalyticsSettings = request.app.state.settings
    expected = settings.api_token.get_secret_value()
    if creds is None or not hmac.compare_digest(creds.credentials, expected):
        raise HTTPException(401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"})


Authorised = Annotated[None, Depends(_authorised)]


def create_app(settings: AnalyticsSettings) -> FastAPI:
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(db.migrate, settings.postgres_dsn, "analytics", MIGRATIONS)
        pool = db.async_pool(settings.postgres_dsn, max_size=settings.postgres_pool_max, name="analytics")
        await pool.open(wait=True, timeout=30)
        state["queries"] = AnalyticsQueries(pool)
        # The consumer and the relay of the analyst stream it feeds run together or not at all.
        workers = (make_consumer(settings), make_relay(settings)) if settings.embedded_consumer else None
        if workers is not None:
            state["consumer_thread"] = run_in_thread(workers[0], "analytics-consumer")
            state["relay_thread"] = workers[1].start_thread()
        try:
            yield
        finally:
            for worker in workers or ():
                worker.stop()
            await pool.close()

    app = FastAPI(title="Practicum analytics API", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    # Problem documents like the session API; a database outage is a 503 with Retry-After.
    problems.install(app)

    def queries() -> AnalyticsQueries:
        q: AnalyticsQueries = state["queries"]
        return q

    @app.get("/v1/organisations/{org_id}/trainees/{trainee_id}/progress")
    async def progress(org_id: uuid.UUID, trainee_id: uuid.UUID, _: Authorised) -> dict[str, Any]:
        """Totals and the per-session timeline of one trainee (R:Q, %CR, %open, MIA/MINA)."""
        stats = await queries().trainee_sessions(org_id, trainee_id)
        if not stats:
            raise HTTPException(404, f"no sessions recorded for trainee {trainee_id}")
        return trainee_progress(str(trainee_id), stats)

    @app.get("/v1/organisations/{org_id}/summary")
    async def summary(org_id: uuid.UUID, _: Authorised) -> dict[str, Any]:
        """Organisation-wide skill summary; no trainee identifiers."""
        rows = await queries().organisation_sessions(org_id)
        return {
            "organisation_id": str(org_id),
            "trainees": len({t for t, _ in rows}),
            **skill_summary([s for _, s in rows]),
        }

    @app.post("/v1/organisations/{org_id}/group-progress")
    async def group(org_id: uuid.UUID, body: GroupBody, _: Authorised) -> dict[str, Any]:
        """Skill summary and growth of a group of the organisation's trainees (a cohort,
        whose members the session service knows); aggregates only, no trainee ids."""
        members = list(dict.fromkeys(body.trainee_ids))
        return group_progress(await queries().trainees_sessions(org_id, members), len(members))

    @app.get("/v1/organisations/{org_id}/export/sessions")
    async def export_sessions(org_id: uuid.UUID, _: Authorised) -> list[dict[str, Any]]:
        """Per-session rows for analysts, trainee ids replaced by stable pseudonyms."""
        key = settings.pseudonym_key.get_secret_value().encode()
        rows = await queries().organisation_sessions(org_id)
        return [{"trainee": pseudonym(key, t), **timeline_point(s)} for t, s in rows]

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Liveness: the event loop answers and the embedded consumer and relay threads run."""
        for name in ("consumer", "relay"):
            thread = state.get(f"{name}_thread")
            if thread is not None and not thread.is_alive():
                return JSONResponse({"status": f"{name} stopped"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        ok, results = await asyncio.to_thread(run_checks, {"postgres": postgres_check(settings.postgres_dsn)})
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results}, status_code=200 if ok else 503
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
