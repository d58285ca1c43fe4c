"""Scenario lifecycle: transitions, approvals, immutability, content hash, catalogue."""

from __future__ import annotations

from dataclasses import replace

import pytest

from practicum_simulation.domain.errors import (
    ImmutableVersion,
    InvalidTransition,
    ScenarioNotFound,
)
from practicum_simulation.domain.lifecycle import (
    ScenarioCatalog,
    approve,
    content_hash,
    publish,
    reject,
    retire,
    revise,
    submit_for_review,
)
from practicum_simulation.domain.scenarios import Decision, ScenarioSpec, ScenarioStatus

S = ScenarioStatus


@pytest.fixture
def draft(dale: ScenarioSpec) -> ScenarioSpec:
    return replace(dale, status=S.DRAFT, reviews=(), version=3)


def _reviewed(spec: ScenarioSpec) -> ScenarioSpec:
    return approve(submit_for_review(spec), "M. Delgado", "peer reviewer with lived experience", "2026-11-01")


def test_happy_path_draft_to_retired(draft: ScenarioSpec) -> None:
    published = publish(_reviewed(draft))
    assert published.status is S.PUBLISHED
    assert published.reviews[-1].content_hash == content_hash(draft)
    assert retire(published).status is S.RETIRED


def test_publishing_needs_an_approval(draft: ScenarioSpec) -> None:
    with pytest.raises(InvalidTransition) as caught:
        publish(submit_for_review(draft))
    assert "approve" in caught.value.reason


def test_rejection_returns_to_draft_and_keeps_the_review(draft: ScenarioSpec) -> None:
    rejected = reject(
        submit_for_review(draft),
        "Dr. A. Whitfield",
        "clinical reviewer",
        "2026-11-02",
        "The opening line is too long.",
        decision=Decision.CHANGES_REQUESTED,
    )
    assert rejected.status is S.DRAFT
    assert rejected.reviews[-1].decision is Decision.CHANGES_REQUESTED


def test_editing_after_approval_invalidates_it(draft: ScenarioSpec) -> None:
    approved = _reviewed(draft)
    back = reject(approved, "M. Delgado", "peer reviewer", "2026-11-03", "one more change")
    edited = revise(back, {"opening_line": "Hey. Not sure why I'm here."})
    with pytest.raises(InvalidTransition):
        publish(submit_for_review(edited))
    assert publish(_reviewed(edited)).status is S.PUBLISHED


@pytest.mark.parametrize(
    ("status", "target"),
    [(S.DRAFT, "publish"), (S.PUBLISHED, "submit"), (S.RETIRED, "publish"), (S.DRAFT, "retire")],
)
def test_invalid_transitions_raise(draft: ScenarioSpec, status: ScenarioStatus, target: str) -> None:
    spec = replace(draft, status=status)
    action = {"publish": publish, "submit": submit_for_review, "retire": retire}[target]
    with pytest.raises(InvalidTransition):
        action(spec)


def test_published_versions_are_immutable_and_edits_make_a_new_draft(dale: ScenarioSpec) -> None:
    assert dale.status is S.PUBLISHED
    new = revise(dale, {"title": "Dale: a new title"})
    assert (new.version, new.status, new.reviews) == (dale.version + 1, S.DRAFT, ())
    assert dale.title != new.title  # the published spec itself is untouched


def test_in_review_versions_cannot_be_edited(draft: ScenarioSpec) -> None:
    with pytest.raises(ImmutableVersion):
        revise(submit_for_review(draft), {"title": "x"})


def test_revise_refuses_workflow_fields(draft: ScenarioSpec) -> None:
    with pytest.raises(ValueError, match="status"):
        revise(draft, {"status": "published"})


def test_content_hash_ignores_workflow_and_tracks_content(draft: ScenarioSpec) -> None:
    base = content_hash(draft)
    assert base.startswith("sha256:") and len(base) == 71
    assert content_hash(_reviewed(draft)) == base
    assert content_hash(replace(draft, opening_line="Hi.")) != base
    assert content_hash(replace(draft, version=4)) != base


def test_catalog_serves_latest_published_and_protects_published(dale: ScenarioSpec) -> None:
    v2_draft = revise(dale, {"title": "Dale v2"})
    catalog = ScenarioCatalog([dale, v2_draft])
    assert catalog.get(dale.id).version == 1  # the draft is not served by default
    assert catalog.get(dale.id, 2).status is S.DRAFT
    v2 = publish(_reviewed(v2_draft))
    catalog.put(v2)
    assert catalog.get(dale.id).version == 2
    with pytest.raises(ImmutableVersion):
        catalog.put(replace(v2, title="sneaky edit"))
    catalog.put(retire(v2))  # a status change with the same content is allowed
    assert catalog.get(dale.id).version == 1
    with pytest.raises(ScenarioNotFound):
        catalog.get_runnable(dale.id, 2)


def test_catalog_unknown_ids_raise_not_found(dale: ScenarioSpec) -> None:
    catalog = ScenarioCatalog([dale])
    with pytest.raises(ScenarioNotFound):
        catalog.get("nope")
    with pytest.raises(ScenarioNotFound):
        catalog.get(dale.id, 9)
    assert [s.id for s in catalog.list_published()] == [dale.id]
