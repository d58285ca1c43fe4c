"""Listing trainees and sessions a page at a time (keyset cursors), against the in-memory fakes.

`tests/test_api_contract.py` pages through the same lists on the real PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from session_fakes import FakeRepository, FakeSimulation

from practicum_common.errors import InvalidInput, NotFound
from practicum_session.domain.model import SessionStatus
from practicum_session.domain.pages import MAX_LIMIT, Position, decode_cursor, encode_cursor
from practicum_session.domain.practice import PracticeService

ORG, OTHER_ORG = "org-a", "org-b"


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def practice(repo: FakeRepository) -> PracticeService:
    return PracticeService(repo, FakeSimulation())


def test_a_cursor_round_trips_and_a_forged_one_names_the_field() -> None:
    position = Position(datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=UTC), "4f1c2b8e-0000-4000-8000-000000000001")
    assert decode_cursor(encode_cursor(position)) == position
    assert decode_cursor(None) is None
    for forged in ("nope", "", "MjAyNnw", encode_cursor(position)[:-4] + "!!!!"):
        with pytest.raises(InvalidInput) as err:
            decode_cursor(forged)
        assert err.value.field == "cursor"


async def test_pages_cover_every_trainee_once_newest_first_even_with_equal_timestamps(
    practice: PracticeService, repo: FakeRepository
) -> None:
    for i in range(7):
        await practice.create_trainee(ORG, f"t-{i}", None)
    await practice.create_trainee(OTHER_ORG, "t-other", None)
    # Five of them created in the same microsecond: the id breaks the tie.
    same = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    for trainee in list(repo.trainees.values())[:5]:
        repo.trainees[trainee.id] = replace(trainee, created_at=same)

    seen, cursor, pages = [], None, 0
    while True:
        page = await practice.list_trainees(ORG, cursor, 3)
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and [len(p) for p in (seen[:3], seen[3:6], seen[6:])] == [3, 3, 1]
    assert sorted(t.external_ref for t in seen) == [f"t-{i}" for i in range(7)]
    keys = [(t.created_at, t.id) for t in seen]
    assert keys == sorted(keys, reverse=True)


async def test_a_full_last_page_says_there_is_no_next_one(practice: PracticeService) -> None:
    for i in range(4):
        await practice.create_trainee(ORG, f"t-{i}", None)
    first = await practice.list_trainees(ORG, None, 2)
    second = await practice.list_trainees(ORG, first.next_cursor, 2)
    assert len(second.items) == 2 and second.next_cursor is None


@pytest.mark.parametrize("limit", [0, MAX_LIMIT + 1, -3])
async def test_limit_out_of_range_names_the_field(practice: PracticeService, limit: int) -> None:
    with pytest.raises(InvalidInput) as err:
        await practice.list_trainees(ORG, None, limit)
    assert err.value.field == "limit"


async def test_sessions_filter_by_trainee_and_status(practice: PracticeService) -> None:
    ada = await practice.create_trainee(ORG, "ada", None)
    bo = await practice.create_trainee(ORG, "bo", None)
    ada_1 = (await practice.start_session(ORG, ada.id, "demo")).session
    ada_2 = (await practice.start_session(ORG, ada.id, "demo")).session
    bo_1 = (await practice.start_session(ORG, bo.id, "demo")).session
    await practice.end_session(ORG, ada_1.id)

    mine = await practice.list_sessions(ORG, None, 10, trainee_id=ada.id)
    assert {s.id for s in mine.items} == {ada_1.id, ada_2.id}
    ended = await practice.list_sessions(ORG, None, 10, status="ended")
    assert [s.id for s in ended.items] == [ada_1.id]
    active = await practice.list_sessions(ORG, None, 10, trainee_id=bo.id, status=SessionStatus.ACTIVE.value)
    assert [s.id for s in active.items] == [bo_1.id]
    assert (await practice.list_sessions(OTHER_ORG, None, 10)).items == []


async def test_another_organisations_trainee_or_an_unknown_status_is_refused(practice: PracticeService) -> None:
    other = await practice.create_trainee(OTHER_ORG, "theirs", None)
    with pytest.raises(NotFound):
        await practice.list_sessions(ORG, None, 10, trainee_id=other.id)
    with pytest.raises(InvalidInput) as err:
        await practice.list_sessions(ORG, None, 10, status="finished")
    assert err.value.field == "status"
