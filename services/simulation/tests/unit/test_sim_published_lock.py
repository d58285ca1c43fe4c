"""Published versions are immutable: the lifecycle CLI locks them, scenarios-check verifies."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from practicum_simulation.scenario_cli import scenario_cli_main
from practicum_simulation.scenarios_check import scenarios_check_main

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"


def _library(tmp_path: Path) -> Path:
    lib = tmp_path / "scenarios" / "library"
    lib.mkdir(parents=True)
    shutil.copy(LIBRARY / "library" / "veteran-transition-civilian-work.yaml", lib)
    lock = json.loads((LIBRARY / "published.lock.json").read_text())
    key = "veteran-transition-civilian-work@1"
    (tmp_path / "scenarios" / "published.lock.json").write_text(json.dumps({key: lock[key]}))
    return lib


def _run(main: object, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)  # type: ignore[operator]
    return code, out.getvalue()


def test_a_new_version_goes_through_review_and_is_locked_when_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = _library(tmp_path)
    v1 = lib / "veteran-transition-civilian-work.yaml"
    v2 = lib / "veteran-transition-civilian-work.v2.yaml"
    assert _run(scenario_cli_main, "revise", str(v1))[0] == 0
    assert yaml.safe_load(v2.read_text())["status"] == "draft"

    code, out = _run(scenario_cli_main, "publish", str(v2))
    assert code == 1 and out == ""  # drafts cannot be published: said on stderr
    assert capsys.readouterr().err.startswith("error: ")

    assert _run(scenario_cli_main, "submit", str(v2))[0] == 0
    code, out = _run(scenario_cli_main, "publish", str(v2))
    assert code == 1  # not approved yet
    assert _run(scenario_cli_main, "approve", str(v2), "--reviewer", "R. Diaz", "--role", "peer reviewer")[0] == 0
    code, out = _run(scenario_cli_main, "publish", str(v2))
    assert code == 0, out
    lock = json.loads((tmp_path / "scenarios" / "published.lock.json").read_text())
    assert set(lock) == {"veteran-transition-civilian-work@1", "veteran-transition-civilian-work@2"}
    assert _run(scenarios_check_main, "--dir", str(lib))[0] == 0


def test_editing_a_published_version_in_place_fails_the_check(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    v1 = lib / "veteran-transition-civilian-work.yaml"
    doc = yaml.safe_load(v1.read_text())
    doc["opening_line"] = doc["opening_line"] + " Anyway."
    v1.write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out = _run(scenarios_check_main, "--dir", str(lib))
    assert code == 1
    assert "changed after it was published" in out


def test_a_published_version_cannot_disappear(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    (lib / "veteran-transition-civilian-work.yaml").unlink()
    shutil.copy(LIBRARY / "library" / "veteran-moral-injury.yaml", lib)
    lock_file = tmp_path / "scenarios" / "published.lock.json"
    lock = json.loads(lock_file.read_text())
    lock["veteran-moral-injury@1"] = json.loads((LIBRARY / "published.lock.json").read_text())["veteran-moral-injury@1"]
    lock_file.write_text(json.dumps(lock))
    code, out = _run(scenarios_check_main, "--dir", str(lib))
    assert code == 1 and "missing from the library" in out
