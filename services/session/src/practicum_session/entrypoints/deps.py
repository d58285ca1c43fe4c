"""Request dependencies as named aliases, so routes read as what they need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from practicum_common.errors import Unauthenticated
from practicum_session.adapters.analytics_client import AnalyticsClient
from practicum_session.adapters.repository import PostgresSessionRepository
from practicum_session.domain.cohorts import CohortService
from practicum_session.domain.model import Organisation
from practicum_session.domain.pages import MAX_LIMIT
from practicum_session.domain.practice import PracticeService
from practicum_session.settings import SessionSettings


@dataclass
class Container:
    """Everything a request may use, built once at start-up by the app factory."""

    settings: SessionSettings
    repo: PostgresSessionRepository
    practice: PracticeService
    cohorts: CohortService
    analytics: AnalyticsClient


_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer prk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key, alternative header")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_organisation(
    container: ContainerDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> Organisation:
    key = bearer.credentials if bearer is not None else header_key
    if not key:
        raise Unauthenticated("missing API key: send `Authorization: Bearer <key>`")
    org = await container.repo.authenticate(key)
    if org is None:
        raise Unauthenticated("invalid or revoked API key")
    return org


CurrentOrg = Annotated[Organisation, Depends(get_organisation)]


def get_practice(container: ContainerDep) -> PracticeService:
    return container.practice


PracticeDep = Annotated[PracticeService, Depends(get_practice)]


def get_cohorts(container: ContainerDep) -> CohortService:
    return container.cohorts


CohortsDep = Annotated[CohortService, Depends(get_cohorts)]

# Paging parameters of the list endpoints (domain/pages.py).
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page; omit for the first page.")
]
