"""Domain errors of the simulation service.

The gRPC entrypoint maps them to status codes (ScenarioNotFound -> NOT_FOUND,
InvalidTransition / ImmutableVersion -> FAILED_PRECONDITION, ScenarioInvalid ->
INVALID_ARGUMENT). They carry structured fields so that mapping never parses messages.
"""

from __future__ import annotations

from dataclasses import dataclass


class SimulationDomainError(Exception):
    """Base class, so an entrypoint can catch every domain error in one place."""


class ScenarioNotFound(SimulationDomainError):
    def __init__(self, scenario_id: str, version: int | None = None) -> None:
        self.scenario_id = scenario_id
        self.version = version
        where = f"{scenario_id} v{version}" if version else scenario_id
        super().__init__(f"scenario not found: {where}")


class InvalidTransition(SimulationDomainError):
    def __init__(self, scenario_id: str, from_status: str, to_status: str, reason: str) -> None:
        self.scenario_id = scenario_id
        self.from_status = from_status
        self.to_status = to_status
        self.reason = reason
        super().__init__(f"{scenario_id}: cannot go from {from_status} to {to_status}: {reason}")


class ImmutableVersion(SimulationDomainError):
    def __init__(self, scenario_id: str, version: int, status: str) -> None:
        self.scenario_id = scenario_id
        self.version = version
        self.status = status
        super().__init__(
            f"{scenario_id} v{version} is {status} and cannot be changed; edits create a new draft version"
        )


@dataclass(frozen=True)
class Issue:
    """One problem found in a scenario, located by a dotted field path.

    ``path`` uses dots for keys and ``[i]`` for list items, e.g.
    ``hidden_facts[2].disclose_when.any[0].trust_at_least``; ``""`` means the document.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<root>'}: {self.message}"


class ScenarioInvalid(SimulationDomainError):
    """A scenario file or document failed schema or semantic validation.

    Every issue is kept (authors fix a file in one pass); ``path`` is the first one's.
    """

    def __init__(self, source: str, issues: list[Issue] | tuple[Issue, ...]) -> None:
        if not issues:
            raise ValueError("ScenarioInvalid needs at least one issue")
        self.source = source
        self.issues = tuple(issues)
        self.path = self.issues[0].path
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{source}: {len(self.issues)} problem(s)\n{lines}")


class NoReplicaAvailable(SimulationDomainError):
    """Every inference replica is unhealthy, excluded or open-circuited."""

    def __init__(self, key: str, retry_after_s: float) -> None:
        self.key = key
        self.retry_after_s = retry_after_s
        super().__init__(f"no inference replica available (retry after {retry_after_s:.1f}s)")
