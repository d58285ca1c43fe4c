"""Shared fixtures for the simulation domain unit tests (no infrastructure)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Runs from a source checkout without an installed package too.
_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

from practicum_simulation.domain.library import check_library  # noqa: E402
from practicum_simulation.domain.scenarios import ScenarioSpec  # noqa: E402


@pytest.fixture(scope="session")
def library() -> dict[str, ScenarioSpec]:
    report = check_library()
    assert report.ok, [(f.path.name, f.issues) for f in report.files if not f.ok]
    return {spec.id: spec for spec in report.specs}


@pytest.fixture(scope="session")
def dale(library: dict[str, ScenarioSpec]) -> ScenarioSpec:
    return library["veteran-suicidal-thoughts-firearm"]
