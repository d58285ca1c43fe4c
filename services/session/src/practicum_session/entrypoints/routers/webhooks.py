"""/v1/webhook: the organisation's webhook, and what was delivered to it.

Deliveries are POSTs of JSON (`{id, type, created_at, organisation_id, data}`, ids only),
signed in the `Practicum-Signature` header (see `domain/webhooks.py`), retried for about a
day until the receiver answers 2xx.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from practicum_common.errors import InvalidInput, NotFound
from practicum_session.adapters.webhooks import EgressRefused, resolve_public
from practicum_session.domain.webhooks import new_secret, validate_subscription
from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg
from practicum_session.entrypoints.schemas import SetWebhook, WebhookOut

router = APIRouter(prefix="/v1/webhook", tags=["webhooks"])


@router.put("", response_model=WebhookOut, response_model_exclude_none=True)
async def set_webhook(body: SetWebhook, org: CurrentOrg, container: ContainerDep) -> WebhookOut:
    """Set (or replace) the webhook. Every call issues a new signing secret, returned only
    here: store it, and verify each delivery's `Practicum-Signature` with it."""
    production = container.settings.environment == "production"
    url, events = validate_subscription(body.url, body.events or [], allow_insecure=not production)
    if production:
        # Said now rather than as a failed delivery hours later; every delivery checks
        # again, since the host's records can change.
        try:
            await asyncio.to_thread(resolve_public, url)
        except EgressRefused as exc:
            raise InvalidInput("url", str(exc)) from exc
    return WebhookOut.of(await container.repo.set_webhook(org.id, url, events, new_secret()))


@router.get("", response_model=WebhookOut, response_model_exclude_none=True)
async def get_webhook(org: CurrentOrg, container: ContainerDep) -> WebhookOut:
    webhook = await container.repo.get_webhook(org.id)
    if webhook is None:
        raise NotFound("no webhook is set")
    return WebhookOut.of(webhook)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(org: CurrentOrg, container: ContainerDep) -> Response:
    """Remove the webhook; deliveries not yet made are dropped."""
    if not await container.repo.delete_webhook(org.id):
        raise NotFound("no webhook is set")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/deliveries")
async def list_deliveries(
    org: CurrentOrg, container: ContainerDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    """Recent deliveries, newest first: `status` pending / delivered / failed, attempts,
    the last error and, while pending, when the next attempt is due."""
    return await container.repo.list_webhook_deliveries(org.id, limit)
