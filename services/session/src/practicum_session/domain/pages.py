"""Keyset pagination for the partner API's lists (trainees, sessions).

A page is the next ``limit`` rows after a position in a fixed order (newest first:
``created_at`` descending, then ``id`` descending to break ties), not an offset. Rows
created while a partner pages through do not shift later pages, and each page is one
index range scan however deep it is. The cursor is that position, opaque to partners:
URL-safe base64 of ``<created_at ISO>|<id>``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from practicum_common.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Position:
    """The last row of a page: the next page starts strictly after it."""

    created_at: datetime
    id: str


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(position: Position) -> str:
    raw = f"{position.created_at.isoformat()}|{position.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | None:
    """The position in ``cursor``; raises InvalidInput naming ``cursor`` when it is not one of ours."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        created_at = datetime.fromisoformat(at)
        uuid.UUID(row_id)
        if created_at.tzinfo is None:
            raise ValueError("a cursor's time carries its offset")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "is not a cursor this API returned (use next_cursor as given)") from None
    return Position(created_at, row_id)


def validate_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT} (got {limit})")
    return limit


def page_from(rows: list[T], limit: int, position_of: Callable[[T], Position]) -> Page[T]:
    """The page of ``rows``, fetched as ``limit + 1`` so that a further page is known to exist."""
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items, encode_cursor(position_of(items[-1])) if more and items else None)
