"""The scenarios-check CLI function."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from practicum_simulation.domain.scenarios import default_library_dir
from practicum_simulation.scenarios_check import scenarios_check_main


def test_library_passes_and_prints_a_table() -> None:
    out = io.StringIO()
    assert scenarios_check_main([], out) == 0
    text = out.getvalue()
    header = text.splitlines()[0].split()
    assert header == ["file", "id", "version", "status", "category", "difficulty", "hidden", "risk", "result"]
    assert "veteran-suicidal-thoughts-firearm" in text and "INVALID" not in text


def test_an_invalid_file_fails_and_is_named_with_its_field(tmp_path: Path) -> None:
    source = (default_library_dir() / "veteran-sleep-nightmares.yaml").read_text()
    (tmp_path / "veteran-sleep-nightmares.yaml").write_text(source)
    (tmp_path / "broken.yaml").write_text(source.replace("verbosity: moderate", "verbosity: loud"))
    out = io.StringIO()
    assert scenarios_check_main(["--dir", str(tmp_path)], out) == 1
    text = out.getvalue()
    assert "broken.yaml: persona.speech_style.verbosity" in text
    assert "1/2 scenario files valid" in text


def test_an_empty_or_missing_folder_fails(tmp_path: Path) -> None:
    assert scenarios_check_main(["--dir", str(tmp_path)], io.StringIO()) == 1
    assert scenarios_check_main(["--dir", str(tmp_path / "nope")], io.StringIO()) == 1


def test_a_library_that_cannot_be_checked_is_an_error_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert scenarios_check_main(["--dir", str(tmp_path / "missing")], out=out) == 1
    assert scenarios_check_main(["--dir", str(tmp_path)], out=out) == 1
    assert out.getvalue() == "", "the report stream gets findings only"
    assert capsys.readouterr().err.splitlines() == [
        f"error: scenario library not found: {tmp_path / 'missing'}",
        f"error: no scenario files in {tmp_path}",
    ]
