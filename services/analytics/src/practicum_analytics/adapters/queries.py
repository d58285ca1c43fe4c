"""Read side of the analytics store (async, for the HTTP API)."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from practicum_analytics.domain.aggregates import SessionStats

_COLUMNS = (
    "session_id, trainee_id, scenario_id, started_at, ended_at, turns, graded_turns, questions, open_questions, "
    "reflections, complex_reflections, mi_adherent, mi_non_adherent, code_counts, partnership, empathy, "
    "objective_checks, cohort_ids"
)


def _stats(row: dict[str, Any]) -> SessionStats:
    return SessionStats(
        session_id=str(row["session_id"]),
        scenario_id=row["scenario_id"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        turns=row["turns"],
        graded_turns=row["graded_turns"],
        questions=row["questions"],
        open_questions=row["open_questions"],
        reflections=row["reflections"],
        complex_reflections=row["complex_reflections"],
        mi_adherent=row["mi_adherent"],
        mi_non_adherent=row["mi_non_adherent"],
        code_counts=dict(row["code_counts"] or {}),
        partnership=row["partnership"],
        empathy=row["empathy"],
        objective_checks=dict(row["objective_checks"] or {}),
        cohort_ids=tuple(row["cohort_ids"] or ()),
    )


class AnalyticsQueries:
    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    # Ids arrive typed: the API refuses a malformed one with a 422 naming the path field.
    async def trainee_sessions(self, org_id: uuid.UUID, trainee_id: uuid.UUID) -> list[SessionStats]:
        return (await self.trainees_sessions(org_id, [trainee_id]))[str(trainee_id)]

    async def organisation_sessions(self, org_id: uuid.UUID) -> list[tuple[str, SessionStats]]:
        """(trainee id, stats) for every session of the organisation."""
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_COLUMNS} FROM analytics.session_stats WHERE organisation_id = %s "
                "ORDER BY started_at NULLS LAST",
                (org_id,),
            )
            return [(str(r["trainee_id"]), _stats(r)) for r in await cur.fetchall()]

    async def trainees_sessions(self, org_id: uuid.UUID, trainee_ids: list[uuid.UUID]) -> dict[str, list[SessionStats]]:
        """Sessions of each of ``trainee_ids`` (of this organisation only), by trainee."""
        found: dict[str, list[SessionStats]] = {str(t): [] for t in trainee_ids}
        async with self._pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT {_COLUMNS} FROM analytics.session_stats WHERE organisation_id = %s "
                "AND trainee_id = ANY(%s) ORDER BY started_at NULLS LAST",
                (org_id, trainee_ids),
            )
            for r in await cur.fetchall():
                found[str(r["trainee_id"])].append(_stats(r))
        return found
