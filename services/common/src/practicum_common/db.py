"""PostgreSQL access: connection pools and a minimal, ordered SQL migrator.

Each service owns one schema and ships its migrations as ``NNN_name.sql`` files. The
migrator records applied files in ``<schema>.schema_migrations`` and holds an advisory
lock while it runs, so several replicas starting at once do not race.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool

log = logging.getLogger(__name__)


def connect(dsn: str, **kwargs: object) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(dsn, **kwargs)  # type: ignore[arg-type]


def sync_pool(dsn: str, max_size: int = 5, name: str = "pool") -> ConnectionPool:
    # open=False: the owner opens it explicitly so start-up failures surface where the
    # process decides how to handle them, not during construction.
    return ConnectionPool(dsn, min_size=1, max_size=max_size, name=name, open=False)


def async_pool(dsn: str, max_size: int = 10, name: str = "pool") -> AsyncConnectionPool:
    return AsyncConnectionPool(dsn, min_size=1, max_size=max_size, name=name, open=False)


SHARED_MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(dsn: str, schema: str, migrations_dir: Path) -> list[str]:
    """Apply the shared migrations (outbox, processed events) and then the pending
    ``*.sql`` files of ``migrations_dir``, each set in name order, into ``schema``.

    Returns the names applied in this call. Each file runs in its own transaction
    together with its bookkeeping row.
    """
    files = sorted(SHARED_MIGRATIONS.glob("*.sql")) + sorted(migrations_dir.glob("*.sql"))
    applied_now: list[str] = []
    # The lock id is derived from the schema so services migrate independently.
    lock_id = int.from_bytes(hashlib.sha256(schema.encode()).digest()[:7], "big")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (lock_id,))
        try:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                " name text PRIMARY KEY, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            rows = conn.execute(f'SELECT name, checksum FROM "{schema}".schema_migrations').fetchall()
            done = {str(r[0]): str(r[1]) for r in rows}
            for path in files:
                sql = path.read_text()
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                name = f"common/{path.name}" if path.parent == SHARED_MIGRATIONS else path.name
                if name in done:
                    if done[name] != checksum:
                        # An edited migration would leave databases in different shapes.
                        raise RuntimeError(
                            f"migration {schema}/{name} changed after it was applied; add a new migration instead"
                        )
                    continue
                with conn.transaction():
                    conn.execute(f'SET LOCAL search_path TO "{schema}"')
                    conn.execute(sql.encode())
                    conn.execute(
                        f'INSERT INTO "{schema}".schema_migrations (name, checksum) VALUES (%s, %s)',
                        (name, checksum),
                    )
                applied_now.append(name)
                log.info("applied migration %s/%s", schema, name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_id,))
    return applied_now
