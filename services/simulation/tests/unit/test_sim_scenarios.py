"""Scenario format: the library, the schema and the semantic checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from practicum_simulation.domain.errors import ScenarioInvalid
from practicum_simulation.domain.library import check_library, content_issues
from practicum_simulation.domain.scenarios import (
    Category,
    Difficulty,
    ScenarioSpec,
    ScenarioStatus,
    default_library_dir,
    default_schema_path,
    load_scenario_file,
    load_scenario_text,
    scenario_files,
    spec_from_dict,
    spec_to_dict,
)

LIBRARY_FILES = scenario_files(default_library_dir())


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(default_schema_path().read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: p.name)
def test_every_library_file_validates(path: Path) -> None:
    spec = load_scenario_file(path)
    assert content_issues(spec) == []


def test_library_report_is_clean() -> None:
    report = check_library()
    assert report.ok
    assert len(report.files) == len(LIBRARY_FILES)


def test_library_has_ten_published_scenarios_across_categories_and_levels(
    library: dict[str, ScenarioSpec],
) -> None:
    published = [s for s in library.values() if s.status is ScenarioStatus.PUBLISHED]
    assert len(published) >= 10
    assert {s.category for s in published} == set(Category)
    assert {s.difficulty for s in published} == set(Difficulty)
    assert sum(1 for s in published if s.category is Category.CRISIS_LINE) >= 1
    assert sum(1 for s in published if s.category is Category.MOTIVATIONAL_INTERVIEWING) >= 2


def test_personas_are_diverse_and_distinct(library: dict[str, ScenarioSpec]) -> None:
    personas = [s.persona for s in library.values()]
    assert len({p.name for p in personas}) == len(personas)
    assert len({p.speech_style.register for p in personas}) == len(personas)
    phrases = [e for p in personas for e in p.speech_style.example_phrases]
    assert len(set(phrases)) == len(phrases)
    assert len({p.pronouns for p in personas}) >= 3
    branches = {p.service_history.branch for p in personas if p.service_history}
    assert len(branches) >= 5
    ages = [p.age for p in personas]
    assert min(ages) < 30 and max(ages) > 65


def test_peer_support_topics_are_covered(library: dict[str, ScenarioSpec]) -> None:
    ids = set(library)
    for needed in (
        "veteran-transition-civilian-work",
        "veteran-sleep-nightmares",
        "veteran-alcohol-retirement",
        "veteran-isolation-widowed",
        "veteran-moral-injury",
        "veteran-relationship-strain",
        "veteran-suicidal-thoughts-firearm",
    ):
        assert needed in ids


def test_scenarios_with_suicide_risk_link_every_item_to_a_fact(
    library: dict[str, ScenarioSpec],
) -> None:
    for spec in library.values():
        if spec.category is Category.CRISIS_LINE:
            assert spec.risk_profile is not None, spec.id
        if spec.risk_profile is None:
            continue
        fact_ids = {f.id for f in spec.hidden_facts}
        for _, item in spec.risk_profile.items():
            assert set(item.revealed_by) <= fact_ids


def test_firearm_scenario_gates_disclosure_on_direct_questions(dale: ScenarioSpec) -> None:
    assert dale.has_suicide_risk
    gun = dale.fact("firearm_at_home").disclose_when
    assert gun.asked_directly_about and "firearm" in gun.asked_directly_about
    assert gun.trust_at_least is None and gun.any is None  # no passive route
    ideation = dale.fact("suicidal_thoughts").disclose_when
    assert ideation.asked_directly_about == ("suicide",)


def test_yaml_dates_stay_strings(dale: ScenarioSpec) -> None:
    assert all(isinstance(r.date, str) for r in dale.reviews)


@pytest.mark.parametrize("path", LIBRARY_FILES[:3], ids=lambda p: p.name)
def test_round_trip_through_dict_is_lossless(path: Path) -> None:
    spec = load_scenario_file(path)
    assert spec_from_dict(spec_to_dict(spec)) == spec


# --- invalid documents -----------------------------------------------------------------


@pytest.fixture
def doc(dale: ScenarioSpec) -> dict[str, Any]:
    return copy.deepcopy(spec_to_dict(dale))


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ScenarioInvalid) as caught:
        spec_from_dict(data, source="test.yaml")
    assert caught.value.source == "test.yaml"
    return {issue.path: issue.message for issue in caught.value.issues}


def test_schema_errors_name_the_field_path(doc: dict[str, Any]) -> None:
    doc["persona"]["speech_style"]["verbosity"] = "chatty"
    doc["hidden_facts"][1]["disclose_when"]["any"][1]["trust_at_least"] = 1.5
    problems = _problems(doc)
    assert "persona.speech_style.verbosity" in problems
    assert "hidden_facts[1].disclose_when.any[1].trust_at_least" in problems


def test_duplicate_fact_ids_are_rejected(doc: dict[str, Any]) -> None:
    doc["hidden_facts"][1]["id"] = doc["hidden_facts"][0]["id"]
    assert "duplicate" in _problems(doc)["hidden_facts[1].id"]


def test_risk_profile_must_reference_existing_facts(doc: dict[str, Any]) -> None:
    doc["risk_profile"]["capability"][0]["revealed_by"] = ["no_such_fact"]
    assert "no_such_fact" in _problems(doc)["risk_profile.capability[0].revealed_by"]


def test_crisis_scenarios_need_a_risk_profile(doc: dict[str, Any]) -> None:
    doc["category"] = "crisis_line"
    del doc["risk_profile"]
    assert _problems(doc)  # the schema's if/then and the semantic rule both fire


def test_disclosure_cycles_are_rejected(doc: dict[str, Any]) -> None:
    doc["hidden_facts"][2]["disclose_when"] = {"disclosed": ["firearm_at_home"]}
    doc["hidden_facts"][3]["disclose_when"] = {"disclosed": ["suicidal_thoughts"]}
    messages = " ".join(_problems(doc).values())
    assert "cycle" in messages


def test_topic_typos_are_caught(doc: dict[str, Any]) -> None:
    doc["hidden_facts"][2]["disclose_when"]["asked_directly_about"] = ["suicde"]
    assert "suicide" in _problems(doc)["hidden_facts[2].disclose_when"]


def test_published_scenarios_need_an_approval(doc: dict[str, Any]) -> None:
    doc["reviews"] = [r for r in doc["reviews"] if r["decision"] != "approved"]
    assert "reviews" in _problems(doc)


def test_mi_scenarios_need_a_stage_and_a_target_behaviour(doc: dict[str, Any]) -> None:
    doc["behaviour_change_goal"] = True
    assert _problems(doc)
    doc["target_behaviour"] = "drinking"
    doc["initial_state"]["stage_of_change"] = "contemplation"
    assert spec_from_dict(doc).behaviour_change_goal


def test_fallback_lines_need_at_least_three(doc: dict[str, Any]) -> None:
    doc["fallback_lines"] = doc["fallback_lines"][:2]
    assert "fallback_lines" in _problems(doc)


def test_method_detail_anywhere_fails_the_content_check(doc: dict[str, Any]) -> None:
    doc["hidden_facts"][0]["fact"] = "He has looked up the lethal dose of his medication."
    spec = spec_from_dict(doc)
    issues = content_issues(spec)
    assert [i.path for i in issues] == ["hidden_facts[0].fact"]


def test_fallback_lines_must_pass_the_guard(doc: dict[str, Any]) -> None:
    doc["fallback_lines"][0] = "As an AI, I can't answer that."
    issues = content_issues(spec_from_dict(doc))
    assert {i.path for i in issues} == {"fallback_lines[0]"}


def test_yaml_syntax_errors_name_the_line() -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_text("id: [unclosed\n", source="broken.yaml")
    assert caught.value.path.startswith("line")


def test_file_name_must_match_id(tmp_path: Path, dale: ScenarioSpec) -> None:
    source = default_library_dir() / "veteran-suicidal-thoughts-firearm.yaml"
    wrong = tmp_path / "something-else.yaml"
    wrong.write_text(source.read_text())
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_file(wrong)
    assert caught.value.path == "id"
    versioned = tmp_path / f"{dale.id}.v1.yaml"
    versioned.write_text(source.read_text())
    assert load_scenario_file(versioned).id == dale.id


def test_the_scenario_contract_says_which_risk_items_are_absent(library: dict[str, ScenarioSpec]) -> None:
    # The grader must not call "No firearms at home and little medication." a warning sign
    # or coach locking it up (seen in a Jordan demo), so the contract carries `present: false`.
    from practicum_simulation.entrypoints.grpc_server import scenario_pb

    items = {item.item_id: item for item in scenario_pb(library["crisis-line-job-loss-young-adult"]).risk_items}
    assert items["capability.access_to_means"].absent
    assert items["intent.plan"].absent
    assert not items["desire.suicidal_ideation"].absent
    assert not items["capability.intoxication"].absent
