"""Shared fixtures of the turn-coder tests (no infrastructure; the committed artifact)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from practicum_coder import Coder, load_coder

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_FULL = FIXTURES / "annomi-sample-full.csv"
SAMPLE_SIMPLE = FIXTURES / "annomi-sample-simple.csv"
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="session")
def coder() -> Coder:
    return load_coder()


@pytest.fixture(scope="session")
def cli_env() -> dict[str, str]:
    """Environment for ``python -m practicum_coder`` subprocesses: this checkout's sources first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    return env


@pytest.fixture(scope="session")
def sample_full() -> Path:
    """6 AnnoMI dev transcripts (3 high, 3 low quality), -full layout."""
    return SAMPLE_FULL


@pytest.fixture(scope="session")
def sample_simple() -> Path:
    """The same 6 transcripts in the -simple layout (no subtype columns)."""
    return SAMPLE_SIMPLE


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
