"""Domain errors shared by the services.

Domain code raises these; each entrypoint maps them once to its protocol (HTTP problem
responses in the session service, gRPC status codes in the simulation service).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: an expected failure with a message safe to show to API clients."""


class NotFound(DomainError):
    """The resource does not exist *for this organisation* (never reveals other tenants)."""


class Conflict(DomainError):
    """The request conflicts with the current state (e.g. the session has ended)."""


class InvalidInput(DomainError):
    """Input failed a domain rule; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DependencyUnavailable(DomainError):
    """A dependency (inference tier, simulation service) is down or saturated.

    The work that was accepted is kept; the client should retry after ``retry_after``
    seconds.
    """

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthenticated(DomainError):
    """Missing, malformed or revoked credentials."""
