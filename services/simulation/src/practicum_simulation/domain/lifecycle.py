"""Scenario lifecycle: draft -> in_review -> published -> retired.

::

    draft --submit--> in_review --publish (needs an approval)--> published --retire--> retired
      ^                   |
      +-----reject--------+

- Publishing needs at least one ``approved`` review of the *current content*: an approval
  records the content hash, so editing after approval invalidates it. (Approvals written
  by hand in the YAML library carry no hash and count for the content they sit in.)
- A rejection moves the version back to draft and keeps the review for the record.
- Published and retired versions are immutable. ``revise`` on them creates version n+1
  as a draft; in-review versions must be rejected back to draft before editing, so a
  reviewer never approves a moving target.
- ``content_hash`` (re-exported from ``scenarios``) pins what a session ran against.

All functions are pure: they return new specs and raise domain errors.
``ScenarioCatalog`` is an in-memory index of versions with the same rules, used by the
service at start-up (from the YAML library) and by tests; persistence wraps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from practicum_simulation.domain.errors import (
    ImmutableVersion,
    InvalidTransition,
    ScenarioNotFound,
)
from practicum_simulation.domain.scenarios import (
    Decision,
    Review,
    ScenarioSpec,
    ScenarioStatus,
    content_hash,
    spec_from_dict,
    spec_to_dict,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "ScenarioCatalog",
    "approve",
    "content_hash",
    "publish",
    "reject",
    "retire",
    "revise",
    "submit_for_review",
]

S = ScenarioStatus
ALLOWED_TRANSITIONS: Mapping[ScenarioStatus, frozenset[ScenarioStatus]] = {
    S.DRAFT: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.PUBLISHED}),
    S.PUBLISHED: frozenset({S.RETIRED}),
    S.RETIRED: frozenset(),
}


def _require(spec: ScenarioSpec, target: ScenarioStatus, reason: str = "") -> None:
    if target not in ALLOWED_TRANSITIONS[spec.status]:
        raise InvalidTransition(spec.id, spec.status.value, target.value, reason or "not an allowed transition")


def submit_for_review(spec: ScenarioSpec) -> ScenarioSpec:
    _require(spec, S.IN_REVIEW)
    return replace(spec, status=S.IN_REVIEW)


def approve(spec: ScenarioSpec, reviewer: str, role: str, date: str, notes: str = "") -> ScenarioSpec:
    """Record an approval of the current content. The version stays in review."""
    if spec.status is not S.IN_REVIEW:
        raise InvalidTransition(spec.id, spec.status.value, S.IN_REVIEW.value, "only in-review versions are approved")
    review = Review(reviewer, role, date, Decision.APPROVED, notes or None, content_hash(spec))
    return replace(spec, reviews=(*spec.reviews, review))


def reject(
    spec: ScenarioSpec,
    reviewer: str,
    role: str,
    date: str,
    notes: str,
    *,
    decision: Decision = Decision.REJECTED,
) -> ScenarioSpec:
    """Send a version back to draft with the reviewer's reasons."""
    if decision is Decision.APPROVED:
        raise ValueError("use approve() for approvals")
    _require(spec, S.DRAFT)
    review = Review(reviewer, role, date, decision, notes, content_hash(spec))
    return replace(spec, status=S.DRAFT, reviews=(*spec.reviews, review))


def _approved_for_current_content(spec: ScenarioSpec) -> bool:
    current = content_hash(spec)
    return any(r.decision is Decision.APPROVED and r.content_hash in (None, current) for r in spec.reviews)


def publish(spec: ScenarioSpec) -> ScenarioSpec:
    _require(spec, S.PUBLISHED)
    if not _approved_for_current_content(spec):
        raise InvalidTransition(
            spec.id,
            spec.status.value,
            S.PUBLISHED.value,
            "a reviewer must approve the current content first",
        )
    return replace(spec, status=S.PUBLISHED)


def retire(spec: ScenarioSpec) -> ScenarioSpec:
    _require(spec, S.RETIRED)
    return replace(spec, status=S.RETIRED)


def revise(spec: ScenarioSpec, changes: Mapping[str, Any]) -> ScenarioSpec:
    """Apply document-level changes (top-level keys of the YAML shape).

    A draft is changed in place (same version, reviews kept; earlier approvals no
    longer match the content hash). A published or retired version yields version n+1
    as a draft with no reviews. The result is fully re-validated.
    """
    if spec.status is S.IN_REVIEW:
        raise ImmutableVersion(spec.id, spec.version, spec.status.value)
    forbidden = {"id", "version", "status", "reviews"} & set(changes)
    if forbidden:
        raise ValueError(f"revise() cannot set {sorted(forbidden)}")
    doc = spec_to_dict(spec)
    doc.update(changes)
    if spec.status in (S.PUBLISHED, S.RETIRED):
        doc.update(version=spec.version + 1, status=S.DRAFT.value, reviews=[])
    return spec_from_dict(doc, source=f"{spec.id} revision")


class ScenarioCatalog:
    """Every known version of every scenario, with lifecycle rules enforced on write."""

    def __init__(self, specs: Iterable[ScenarioSpec] = ()) -> None:
        self._versions: dict[str, dict[int, ScenarioSpec]] = {}
        for spec in specs:
            self.put(spec)

    def put(self, spec: ScenarioSpec) -> None:
        """Store a version. Replacing a published/retired version is only allowed for a
        status change with identical content (publish -> retire)."""
        existing = self._versions.get(spec.id, {}).get(spec.version)
        if existing is not None and existing.status in (S.PUBLISHED, S.RETIRED):
            same_content = content_hash(existing) == content_hash(spec)
            if not (same_content and spec.status in ALLOWED_TRANSITIONS[existing.status]):
                raise ImmutableVersion(spec.id, spec.version, existing.status.value)
        self._versions.setdefault(spec.id, {})[spec.version] = spec

    def get(self, scenario_id: str, version: int = 0) -> ScenarioSpec:
        """A specific version, or the latest published one when ``version`` is 0."""
        versions = self._versions.get(scenario_id)
        if not versions:
            raise ScenarioNotFound(scenario_id, version or None)
        if version:
            if version not in versions:
                raise ScenarioNotFound(scenario_id, version)
            return versions[version]
        published = [v for v, s in versions.items() if s.status is S.PUBLISHED]
        if not published:
            raise ScenarioNotFound(scenario_id)
        return versions[max(published)]

    def get_runnable(self, scenario_id: str, version: int = 0) -> ScenarioSpec:
        """A version a new conversation may start on: published only.

        Retired versions stay readable through ``get`` (old sessions replay against them)
        but new sessions cannot start on them.
        """
        spec = self.get(scenario_id, version)
        if spec.status is not S.PUBLISHED:
            raise ScenarioNotFound(scenario_id, version or None)
        return spec

    def list_published(self) -> list[ScenarioSpec]:
        """Latest published version of each scenario, ordered by id."""
        out = []
        for scenario_id in sorted(self._versions):
            try:
                out.append(self.get(scenario_id))
            except ScenarioNotFound:
                continue
        return out

    def versions(self, scenario_id: str) -> list[ScenarioSpec]:
        return [s for _, s in sorted(self._versions.get(scenario_id, {}).items())]
