"""Whole-library checks: every file valid, plus content checks that need the guard and
the prompt builder.

Content checks (each names the field path):
- no self-harm method, means detail or lethality text anywhere in the scenario (the
  guard's lexicon over every string field, reviewers' notes included);
- the client-voiced lines (opening line, fallback lines, example phrases, deflection)
  pass the output guard unchanged, so a fallback can never itself be a violation;
- the fixed prompt prefix fits the token budget of the small local model;
- (id, version) is unique across the library.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from practicum_simulation.domain.errors import Issue, ScenarioInvalid
from practicum_simulation.domain.guard import GuardConfig, Rule, check_reply, find_violations
from practicum_simulation.domain.lifecycle import ScenarioCatalog
from practicum_simulation.domain.prompt import PREFIX_TOKEN_BUDGET, estimate_tokens, system_prefix
from practicum_simulation.domain.scenarios import (
    ScenarioSpec,
    default_library_dir,
    format_path,
    load_scenario_file,
    scenario_files,
    spec_to_dict,
)


def _strings(obj: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    if isinstance(obj, str):
        yield format_path(path), obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from _strings(value, (*path, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _strings(value, (*path, i))


_CLIENT_VOICED = (
    "opening_line",
    "fallback_lines",
    "persona.speech_style.example_phrases",
    "persona.speech_style.deflection",
)


def content_issues(spec: ScenarioSpec) -> list[Issue]:
    issues: list[Issue] = []
    for path, text in _strings(spec_to_dict(spec)):
        voiced = path.startswith(_CLIENT_VOICED)
        for v in find_violations(text):
            if v.rule == Rule.SELF_HARM_METHOD or voiced:
                issues.append(Issue(path, f"guard rule {v.rule} ({v.detail})"))
    config = GuardConfig.for_persona(spec.persona.name, max_sentences=3, max_chars=320)
    for i, line in enumerate(spec.fallback_lines):
        result = check_reply(line, config)
        if result.actions or result.text != line.strip():
            issues.append(Issue(f"fallback_lines[{i}]", "the guard would change this line; shorten it"))
    tokens = estimate_tokens(system_prefix(spec))
    if tokens > PREFIX_TOKEN_BUDGET:
        issues.append(Issue("persona", f"prompt prefix is ~{tokens} tokens (budget {PREFIX_TOKEN_BUDGET})"))
    return issues


@dataclass(frozen=True)
class FileReport:
    path: Path
    spec: ScenarioSpec | None
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class LibraryReport:
    files: tuple[FileReport, ...]

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(f.ok for f in self.files)

    @property
    def specs(self) -> list[ScenarioSpec]:
        return [f.spec for f in self.files if f.spec is not None and f.ok]


def check_file(path: Path, schema_path: Path | None = None) -> FileReport:
    try:
        spec = load_scenario_file(path, schema_path)
    except ScenarioInvalid as exc:
        return FileReport(path, None, exc.issues)
    return FileReport(path, spec, tuple(content_issues(spec)))


def check_library(directory: Path | None = None, schema_path: Path | None = None) -> LibraryReport:
    directory = directory or default_library_dir()
    reports = [check_file(p, schema_path) for p in scenario_files(directory)]
    seen: dict[tuple[str, int], Path] = {}
    out: list[FileReport] = []
    for report in reports:
        checked = report
        if report.spec is not None:
            key = report.spec.key
            if key in seen:
                dup = Issue("version", f"{key[0]} v{key[1]} is also defined in {seen[key].name}")
                checked = FileReport(report.path, report.spec, (*report.issues, dup))
            seen.setdefault(key, report.path)
        out.append(checked)
    return LibraryReport(tuple(out))


def load_library(directory: Path | None = None, schema_path: Path | None = None) -> ScenarioCatalog:
    """Catalogue of a valid library; raises ScenarioInvalid for the first bad file.

    The server calls this at start-up and refuses to start on an invalid library.
    """
    report = check_library(directory, schema_path)
    for file in report.files:
        if not file.ok:
            raise ScenarioInvalid(str(file.path), file.issues)
    if not report.files:
        raise ScenarioInvalid(str(directory), [Issue("", "no scenario files found")])
    return ScenarioCatalog(report.specs)
