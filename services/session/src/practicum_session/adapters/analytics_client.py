"""HTTP client of the analytics service (trainee progress for the partner API)."""

from __future__ import annotations

from typing import Any

import httpx

from practicum_common.errors import DependencyUnavailable, NotFound
from practicum_common.telemetry import inject_headers


class AnalyticsClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, headers={"Authorization": f"Bearer {token}"}
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def trainee_progress(self, org_id: str, trainee_id: str) -> dict[str, Any]:
        try:
            response = await self._client.get(
                f"/v1/organisations/{org_id}/trainees/{trainee_id}/progress", headers=inject_headers()
            )
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(f"analytics is unavailable ({type(exc).__name__})") from exc
        if response.status_code == 404:
            raise NotFound(f"no progress recorded yet for trainee {trainee_id}")
        if response.status_code >= 500:
            raise DependencyUnavailable(f"analytics answered {response.status_code}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def group_progress(self, org_id: str, trainee_ids: list[str]) -> dict[str, Any]:
        """Skill summary and growth of these trainees together (aggregates only)."""
        try:
            response = await self._client.post(
                f"/v1/organisations/{org_id}/group-progress",
                json={"trainee_ids": trainee_ids},
                headers=inject_headers(),
            )
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(f"analytics is unavailable ({type(exc).__name__})") from exc
        if response.status_code >= 500:
            raise DependencyUnavailable(f"analytics answered {response.status_code}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body
