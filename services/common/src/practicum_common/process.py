"""Process helpers shared by the services' command lines."""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
from kafka.errors import KafkaConnectionError, KafkaTimeoutError
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from practicum_common.health import PortInUse, tcp_check
from practicum_common.settings import BaseServiceSettings

log = logging.getLogger("practicum.startup")


def wait_for_shutdown_signal() -> None:
    """Block until SIGINT or SIGTERM (what Kubernetes and `make down` send)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


class NotMigrated(Exception):
    """A command that never migrates found its service's schema missing (exit status 1)."""


class KafkaUnreachable(KafkaConnectionError):  # type: ignore[misc]  # kafka-python is untyped
    """Nothing accepted a TCP connection at ``address`` (see :func:`require_kafka`)."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(reason)
        self.address = address
        self.reason = reason


def require_kafka(bootstrap: str, timeout_s: float = 1.0) -> None:
    """Raise :class:`KafkaUnreachable` at once when nothing accepts a TCP connection at the
    first bootstrap address. kafka-python takes its whole bootstrap timeout (30 s) to find
    that out; a connect attempt knows in milliseconds."""
    address = bootstrap.split(",")[0].strip()
    host, _, port = address.rpartition(":")
    try:
        tcp_check(host, int(port), timeout=timeout_s)()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise KafkaUnreachable(address, reason) from exc


def require_migrated(dsn: str, schema: str, tables: Sequence[str], migrate_command: str) -> None:
    """Raise :class:`NotMigrated` unless ``schema`` has every one of ``tables``.

    For the commands that must not migrate (read-only listings, and writes on rows that
    can only exist in a migrated schema): they check instead, without DDL or the
    migrator's advisory lock."""
    with psycopg.connect(dsn) as conn:
        missing = [
            table
            for table in tables
            if (conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{table}"',)).fetchone() or (None,))[0] is None
        ]
    if missing:
        table = f"{schema}.{missing[0]}"
        raise NotMigrated(f"the {schema} schema is not migrated (no table {table}); run {migrate_command}")


def run_main(main: Callable[[], int]) -> int:
    """Run a service command line; the situations an operator fixes outside the code are one
    line on stderr instead of a traceback:

    - a taken port: logged, exit status 3;
    - invalid settings (`error: configuration: NAME: problem`): exit status 2;
    - PostgreSQL or Kafka unreachable or refusing, or a schema not migrated: exit status 1.

    Everything else still raises with its traceback: those are bugs to read. The line goes
    to stderr, which is a server's log too; the traceback is logged at DEBUG.
    """
    try:
        return main()
    except PortInUse as exc:
        log.error("cannot start: %s", exc.strerror)
        return 3
    except ValidationError as exc:
        if exc.title not in _settings_class_names():
            raise  # a model other than settings failed to validate: a bug
        return _fail(_configuration_message(exc), 2, exc)
    except psycopg.OperationalError as exc:
        return _fail(_postgres_message(exc), 1, exc)
    except (KafkaConnectionError, KafkaTimeoutError) as exc:
        return _fail(_kafka_message(exc), 1, exc)
    except NotMigrated as exc:
        return _fail(str(exc), 1, exc)


def _fail(message: str, status: int, exc: BaseException) -> int:
    print(f"error: {message}", file=sys.stderr)
    log.debug("%s", message, exc_info=exc)
    return status


def _subclasses(cls: type[object]) -> Iterator[type[object]]:
    subclasses: list[type[object]] = cls.__subclasses__()
    for sub in subclasses:
        yield sub
        yield from _subclasses(sub)


def _settings_class_names() -> set[str]:
    # A ValidationError names its model only by its title; the settings classes are the
    # subclasses of BaseSettings (every service's is imported by the time it fails).
    return {cls.__name__ for cls in _subclasses(BaseSettings)}


def _configuration_message(exc: ValidationError) -> str:
    problems = []
    # Without the input: it may be a secret (the model validator's input is every setting).
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        name = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message}" if name else message)
    return "configuration: " + "; ".join(problems)


def _where_settings_come_from(names: str) -> str:
    # Settings read ./.env relative to the working directory (settings.py), so a command run
    # from elsewhere silently falls back to the built-in defaults (port 5432, 9092).
    if Path(".env").is_file():
        return f"settings come from the environment and ./.env (check {names})"
    return (
        f"settings come from the environment and ./.env, and {Path.cwd()} has no .env "
        f"(run from the repository root, or set {names})"
    )


def _configured(address: Callable[[BaseServiceSettings], str]) -> str:
    try:
        return address(BaseServiceSettings())
    except ValidationError:
        return "the configured address"


# libpq: 'connection to server at "HOST" (ADDR), port PORT failed: REASON'
_PG_FAILURE = re.compile(r'connection to server at "([^"]+)"(?: \([^)]*\))?, port (\d+) failed: ([^\n]*)')


def _postgres_message(exc: psycopg.OperationalError) -> str:
    text = str(exc).strip()
    found = _PG_FAILURE.search(text)
    if found:
        address, reason = f"{found[1]}:{found[2]}", found[3]
    else:
        address = _configured(lambda s: f"{s.postgres_host}:{s.postgres_port}")
        reason = text.splitlines()[0] if text else type(exc).__name__
    reason = " ".join(reason.removeprefix("connection failed: ").replace("FATAL:", "").split())
    if "FATAL:" in text:  # the server answered and said no (password, database, pg_hba)
        hint = _where_settings_come_from("POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB")
        return f"PostgreSQL at {address} refused the connection ({reason}); {hint}"
    if found or text.startswith(("connection failed", "failed to resolve host")):
        hint = _where_settings_come_from("POSTGRES_HOST/POSTGRES_PORT")
        return f"PostgreSQL is unreachable at {address} ({reason}); {hint}"
    return f"PostgreSQL at {address}: {reason}"  # connected, then failed (connection lost, timeout)


def _kafka_message(exc: KafkaConnectionError | KafkaTimeoutError) -> str:
    if isinstance(exc, KafkaUnreachable):
        address, reason = exc.address, exc.reason
    else:
        address = _configured(lambda s: s.kafka_bootstrap)
        reason = str(exc.args[0]) if exc.args else type(exc).__name__
    hint = _where_settings_come_from("KAFKA_HOST/KAFKA_PORT")
    if isinstance(exc, KafkaConnectionError) or reason.startswith("Unable to bootstrap"):
        return f"Kafka is unreachable at {address} ({reason}); {hint}"
    return f"Kafka at {address} did not answer in time ({reason}); {hint}"
