"""The published-versions lock: immutability of published scenarios, checkable in CI.

The scenario library lives in git; ``published.lock.json`` beside it records the content
hash of every version that was ever published (``"<id>@<version>": "sha256:..."``).
A published or retired version whose content no longer matches its recorded hash was
edited in place, which would make old sessions irreproducible; a recorded version that
disappeared from the library would too. Both are errors, reported per version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from practicum_simulation.domain.scenarios import ScenarioSpec, ScenarioStatus, content_hash

LOCKED_STATUSES = frozenset({ScenarioStatus.PUBLISHED, ScenarioStatus.RETIRED})


def lock_key(spec: ScenarioSpec) -> str:
    return f"{spec.id}@{spec.version}"


def lock_issues(specs: Iterable[ScenarioSpec], lock: Mapping[str, str]) -> dict[str, str]:
    """Problems keyed by ``id@version``; empty when the library honours the lock."""
    issues: dict[str, str] = {}
    present: set[str] = set()
    for spec in specs:
        key = lock_key(spec)
        present.add(key)
        if spec.status not in LOCKED_STATUSES:
            if key in lock:
                issues[key] = f"{key} was published (see published.lock.json) but is now {spec.status.value}"
            continue
        recorded = lock.get(key)
        if recorded is None:
            issues[key] = (
                f"{key} is {spec.status.value} but not in published.lock.json; publish it with the lifecycle CLI"
            )
        elif recorded != content_hash(spec):
            issues[key] = (
                f"{key} changed after it was published (content {content_hash(spec)[:19]}..., locked "
                f"{recorded[:19]}...); published versions are immutable: revise it into version {spec.version + 1}"
            )
    for key in sorted(set(lock) - present):
        issues[key] = f"{key} is in published.lock.json but missing from the library; published versions stay"
    return issues


def with_published(lock: Mapping[str, str], spec: ScenarioSpec) -> dict[str, str]:
    """The lock after publishing ``spec``."""
    if spec.status is not ScenarioStatus.PUBLISHED:
        raise ValueError(f"{lock_key(spec)} is {spec.status.value}, not published")
    updated = dict(lock)
    updated[lock_key(spec)] = content_hash(spec)
    return dict(sorted(updated.items()))
