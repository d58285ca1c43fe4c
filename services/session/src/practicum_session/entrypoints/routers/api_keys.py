"""/v1/api-keys: the organisation's API keys, so a partner can rotate one without
downtime (issue the new key, deploy it, revoke the old) or revoke a leaked one at once.

Secrets are shown once, by the POST that issues them; only their hashes are stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from practicum_common.errors import NotFound
from practicum_session.entrypoints.deps import ContainerDep, CurrentOrg
from practicum_session.entrypoints.schemas import ApiKeyOut, CreateApiKey

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


@router.get("", response_model=list[ApiKeyOut], response_model_exclude_none=True)
async def list_keys(org: CurrentOrg, container: ContainerDep) -> list[ApiKeyOut]:
    """Active keys, oldest first, without their secrets."""
    return [ApiKeyOut.of(k, org.key_id) for k in await container.repo.list_api_keys(org.id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyOut)
async def issue_key(body: CreateApiKey, org: CurrentOrg, container: ContainerDep) -> ApiKeyOut:
    """Issue another key (409 at 10 active keys). Store `api_key` now: it is not shown again."""
    key, issued = await container.repo.issue_api_key(org.id, body.label.strip())
    return ApiKeyOut.of(key, org.key_id, issued.plaintext)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_key(key_id: str, org: CurrentOrg, container: ContainerDep) -> Response:
    """Revoke a key at once: the next request with it is a 401. Revoking the key this
    request uses is allowed; revoking the last active key is a 409 (it would lock the
    organisation out)."""
    if not await container.repo.revoke_api_key(org.id, key_id):
        raise NotFound(f"no active API key {key_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
