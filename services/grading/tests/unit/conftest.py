"""Fixtures for the grading domain tests (builders live in grading_builders.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from practicum_grading.domain.model import ScenarioMeta, Transcript

# Runs from a source checkout without the packages installed too: the domain only needs
# its own sources and practicum_common (errors, codes). Test modules are imported after this
# conftest, so their imports see the paths.
_SERVICES = Path(__file__).resolve().parents[3]
for _src in (_SERVICES / "grading" / "src", _SERVICES / "common" / "src"):
    if str(_src) not in sys.path:
        sys.path.insert(0, str(_src))

from . import grading_builders  # noqa: E402


@pytest.fixture
def risk_scenario() -> ScenarioMeta:
    return grading_builders.risk_scenario()


@pytest.fixture
def risk_transcript() -> Transcript:
    return grading_builders.risk_transcript()


@pytest.fixture
def never_asked_transcript() -> Transcript:
    return grading_builders.never_asked_transcript()


@pytest.fixture
def invites_no_transcript() -> Transcript:
    return grading_builders.invites_no_transcript()
