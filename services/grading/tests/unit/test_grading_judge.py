from __future__ import annotations

import json
from typing import Any

import pytest

from practicum_common.errors import InvalidInput
from practicum_grading.domain.errors import JudgeOutputInvalid, JudgeUnavailable
from practicum_grading.domain.judge import (
    FALLBACK_NOTE,
    JudgeSource,
    RetryPolicy,
    build_judge_messages,
    build_judge_request,
    fallback_judgement,
    judge_output_schema,
    judge_with_retries,
    parse_judge_output,
)
from practicum_grading.domain.model import ScenarioMeta, Transcript, transcript_from_dicts
from practicum_grading.domain.summary import compute_summary

from .grading_builders import client, scenario, trainee

MI = scenario(behaviour_change_goal=True, category="motivational_interviewing")
PEER = scenario()


def _valid(**overrides: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "strengths": ["Reflected the client's frustration accurately."],
        "growth_areas": ["Ask fewer closed questions."],
        "partnership": 4,
        "empathy": 3,
        "cultivating_change_talk": None,
        "softening_sustain_talk": None,
        "rewritten_responses": [{"turn_id": "t3", "better_response": "It sounds like you're worn out."}],
        "overall_feedback": "You stayed with the client's story. Next time, reflect before asking.",
    }
    answer.update(overrides)
    return answer


def _parse(answer: Any, transcript: Transcript, *, bc: bool = False) -> Any:
    raw = answer if isinstance(answer, str) else json.dumps(answer)
    return parse_judge_output(raw, transcript, behaviour_change_goal=bc)


def _field(answer: Any, transcript: Transcript, *, bc: bool = False) -> str:
    with pytest.raises(JudgeOutputInvalid) as caught:
        _parse(answer, transcript, bc=bc)
    return caught.value.field


# --- schema --------------------------------------------------------------------------------


def _objects(schema: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found += _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value)
    return found


@pytest.mark.parametrize("limits", [False, True])
@pytest.mark.parametrize("bc", [None, True, False])
def test_schema_is_valid_and_strict_mode_compatible(bc: bool | None, limits: bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = judge_output_schema(trainee_turn_ids=["t1", "t3"], behaviour_change_goal=bc, string_length_limits=limits)
    assert ('"maxLength"' in json.dumps(schema)) is limits
    jsonschema.Draft202012Validator.check_schema(schema)
    # Strict structured output: every object closed and every property required.
    for obj in _objects(schema):
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"])


def test_schema_and_parser_agree(risk_transcript: Transcript) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(
        judge_output_schema(trainee_turn_ids=["t1", "t3"], behaviour_change_goal=False)
    )
    good = _valid()
    assert not list(validator.iter_errors(good))
    assert _parse(good, risk_transcript).partnership == 4
    for bad in (_valid(empathy=6), _valid(partnership="4"), _valid(extra=1), _valid(cultivating_change_talk=3)):
        assert list(validator.iter_errors(bad))
        with pytest.raises(JudgeOutputInvalid):
            _parse(bad, risk_transcript)


def test_output_schema_limits_turn_ids_to_visible_turns(
    risk_transcript: Transcript, risk_scenario: ScenarioMeta
) -> None:
    request = build_judge_request(risk_transcript, risk_scenario, compute_summary(risk_transcript, risk_scenario))
    turn_id = request.schema["properties"]["rewritten_responses"]["items"]["properties"]["turn_id"]
    assert turn_id["enum"] == ["t1", "t3", "t4", "t6", "t8", "t10", "t12"] == list(request.visible_turn_ids)
    assert request.schema["properties"]["cultivating_change_talk"] == {"type": "null"}
    # The server dialect (json_schema vs json_object) is the inference client's concern:
    # see services/common/tests/test_common_llm_client.py.


# --- prompt --------------------------------------------------------------------------------


def test_messages_are_compact_and_carry_codes_and_ids(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    summary = compute_summary(risk_transcript, risk_scenario)
    system, user = build_judge_messages(risk_transcript, risk_scenario, summary)
    assert system["role"] == "system" and user["role"] == "user"
    assert "partnership: 1 =" in system["content"] and "empathy: 1 =" in system["content"]
    assert "[t4] Trainee (closed question): Are you thinking about killing yourself?" in user["content"]
    assert "must be null" in user["content"]
    assert len(system["content"]) + len(user["content"]) < 4000


def test_messages_carry_the_scenario_learning_objectives(risk_transcript: Transcript) -> None:
    aims = scenario(learning_objectives=["Avoid pushing for details of the incident.", "Affirm strengths."])
    _, user = build_judge_messages(risk_transcript, aims, compute_summary(risk_transcript, aims))
    listed = "Learning objectives:\n- Avoid pushing for details of the incident.\n- Affirm strengths.\n"
    assert listed in user["content"]
    _, without = build_judge_messages(risk_transcript, PEER, compute_summary(risk_transcript, PEER))
    assert "Learning objectives" not in without["content"]


def test_long_sessions_keep_the_opening_and_the_latest_turns() -> None:
    turns = []
    for i in range(1, 80):
        turns.append(trainee(2 * i - 1, f"t{i}", f"Question number {i}, tell me more about that?", "question", "open"))
        turns.append(client(2 * i, f"c{i}", f"Answer number {i} with a few more words to take up room."))
    transcript = transcript_from_dicts(turns)
    request = build_judge_request(transcript, PEER, compute_summary(transcript, PEER), max_transcript_chars=1500)
    user = request.messages[1]["content"]
    assert "[t1]" in user and "[t79]" in user and "[t2]" not in user
    assert "earlier turns omitted" in user
    assert request.visible_turn_ids[0] == "t1" and request.visible_turn_ids[-1] == "t79"
    assert "t2" not in request.visible_turn_ids
    assert len(user) < 1500 + 600


# --- parsing -------------------------------------------------------------------------------


def test_parses_a_valid_answer(risk_transcript: Transcript) -> None:
    result = _parse(_valid(), risk_transcript)
    assert result.source is JudgeSource.LLM
    assert (result.partnership, result.empathy) == (4, 3)
    assert result.cultivating_change_talk is None
    assert result.rewritten_responses[0].turn_id == "t3"
    # A fenced answer is accepted; the content is still fully validated.
    fenced = "```json\n" + json.dumps(_valid()) + "\n```"
    assert _parse(fenced, risk_transcript) == result


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (_valid(empathy=6), "empathy"),
        (_valid(partnership=0), "partnership"),
        (_valid(partnership=True), "partnership"),
        (_valid(empathy=3.5), "empathy"),
        (_valid(rewritten_responses=[{"turn_id": "t99", "better_response": "x"}]), "rewritten_responses[0].turn_id"),
        # c5 exists, but it is a client turn: nothing to rewrite.
        (_valid(rewritten_responses=[{"turn_id": "c5", "better_response": "x"}]), "rewritten_responses[0].turn_id"),
        (
            _valid(
                rewritten_responses=[
                    {"turn_id": "t3", "better_response": "You sound worn out."},
                    {"turn_id": "t3", "better_response": "It has been a long year."},
                ]
            ),
            "rewritten_responses[1].turn_id",
        ),
        (
            _valid(rewritten_responses=[{"turn_id": f"t{i}", "better_response": "x"} for i in (1, 3, 4, 6)]),
            "rewritten_responses",
        ),
        (
            _valid(rewritten_responses=[{"turn_id": "t3", "better_response": "x" * 501}]),
            "rewritten_responses[0].better_response",
        ),
        (_valid(strengths=["Good listening.", ""]), "strengths[1]"),
        # Schema-valid strings that are not feedback (seen from the local 135M model).
        (_valid(strengths=["Good listening.", "1.5"]), "strengths[1]"),
        (_valid(overall_feedback=", no more than 20 sentences."), "overall_feedback"),
        (_valid(overall_feedback="Good job."), "overall_feedback"),
        (_valid(overall_feedback="2-3 kind, specific sentences to the client's words."), "overall_feedback"),
        (_valid(strengths=["1. Trainee (open question): Thanks for reaching out, Dale."]), "strengths[0]"),
        (_valid(growth_areas=["[t3] Trainee (closed question): Do you drink?"]), "growth_areas[0]"),
        (
            _valid(rewritten_responses=[{"turn_id": "t3", "better_response": "x"}]),
            "rewritten_responses[0].better_response",
        ),
        (_valid(growth_areas="be nicer"), "growth_areas"),
        (_valid(strengths=["x"] * 6), "strengths"),
        (_valid(overall_feedback="y" * 1201), "overall_feedback"),
        (_valid(cultivating_change_talk=3), "cultivating_change_talk"),
        (_valid(comment="extra"), "comment"),
        ({k: v for k, v in _valid().items() if k != "partnership"}, "partnership"),
        ("I think the trainee did well.", "$"),
        ('{"partnership": 4', "$"),
        ("[1, 2]", "$"),
        ('{"empathy": 3, "empathy": 4}', "empathy"),
        # Control characters other than whitespace are not feedback, raw or escaped.
        (_valid(strengths=["Good listening\u001b[2J and pacing."]), "strengths[0]"),
        (_valid(overall_feedback="You stayed with the client\u0000 and reflected well."), "overall_feedback"),
    ],
)
def test_rejects_invalid_answers_naming_the_field(answer: Any, field: str, risk_transcript: Transcript) -> None:
    assert _field(answer, risk_transcript) == field


def test_raw_line_breaks_inside_strings_are_accepted_and_collapsed(risk_transcript: Transcript) -> None:
    # Small models write real newlines inside JSON strings; strict JSON rejects them
    # ("Invalid control character") and the whole answer used to fall back.
    raw = json.dumps(_valid(overall_feedback="You stayed with the client's story.\n\tNext time, reflect first."))
    raw = raw.replace("\\n", "\n").replace("\\t", "\t")
    assert "\n" in raw
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)
    result = _parse(raw, risk_transcript)
    assert result.overall_feedback == "You stayed with the client's story. Next time, reflect first."


def test_feedback_may_quote_the_rubric_and_the_trainee(risk_transcript: Transcript) -> None:
    # Only instruction sentences count as an echo; rubric anchors and quotes are fine.
    answer = _valid(
        strengths=["You treated the client as the expert on their own life.", 'Asking "what keeps you going?" helped.'],
        overall_feedback="You showed deep, accurate understanding of the client. Keep reflecting before you ask.",
    )
    assert _parse(answer, risk_transcript).strengths[0].startswith("You treated")


def test_behaviour_change_scenarios_require_technical_scores(risk_transcript: Transcript) -> None:
    assert _field(_valid(), risk_transcript, bc=True) == "cultivating_change_talk"
    result = _parse(_valid(cultivating_change_talk=4, softening_sustain_talk=2), risk_transcript, bc=True)
    assert (result.cultivating_change_talk, result.softening_sustain_talk) == (4, 2)


# --- retries -------------------------------------------------------------------------------


def test_backoff_is_exponential_bounded_and_jittered() -> None:
    low = RetryPolicy(max_attempts=5, base_delay_seconds=1, multiplier=2, max_delay_seconds=5, rng=lambda: 0.0)
    high = RetryPolicy(max_attempts=5, base_delay_seconds=1, multiplier=2, max_delay_seconds=5, rng=lambda: 1.0)
    assert [low.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 2.5, 2.5]
    assert [high.backoff(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert low.backoff(10_000) == 2.5  # no overflow for absurd attempt numbers


def test_retry_decisions_are_bounded_and_only_for_retryable_errors() -> None:
    policy = RetryPolicy(max_attempts=3)
    invalid = JudgeOutputInvalid("empathy", "out of range")
    assert policy.should_retry(1, invalid) and policy.should_retry(2, JudgeUnavailable("timeout"))
    assert not policy.should_retry(3, invalid)
    assert not policy.should_retry(1, ValueError("bug"))
    with pytest.raises(InvalidInput) as caught:
        RetryPolicy(max_attempts=0)
    assert caught.value.field == "max_attempts"


def test_judge_with_retries_recovers_after_invalid_output(risk_transcript: Transcript) -> None:
    answers = iter(["not json", json.dumps(_valid())])
    sleeps: list[float] = []
    outcome = judge_with_retries(
        lambda: next(answers),
        risk_transcript,
        compute_summary(risk_transcript, PEER),
        policy=RetryPolicy(rng=lambda: 0.0),
        sleep=sleeps.append,
    )
    assert outcome.result.source is JudgeSource.LLM
    assert outcome.attempts == 2 and sleeps == [0.5]
    assert outcome.errors[0].startswith("$:")


def test_judge_with_retries_falls_back_after_the_last_attempt(risk_transcript: Transcript) -> None:
    calls = 0

    def unavailable() -> str:
        nonlocal calls
        calls += 1
        raise JudgeUnavailable("connection refused")

    sleeps: list[float] = []
    outcome = judge_with_retries(
        unavailable,
        risk_transcript,
        compute_summary(risk_transcript, PEER),
        policy=RetryPolicy(max_attempts=3, rng=lambda: 1.0),
        sleep=sleeps.append,
    )
    assert calls == 3 and outcome.attempts == 3 and sleeps == [1.0, 2.0]
    assert outcome.result.source is JudgeSource.FALLBACK
    assert "failed 3 time(s)" in outcome.result.note and "connection refused" in outcome.result.note


def test_unexpected_errors_propagate(risk_transcript: Transcript) -> None:
    def broken() -> str:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        judge_with_retries(broken, risk_transcript, compute_summary(risk_transcript, PEER), sleep=print)


# --- fallback ------------------------------------------------------------------------------


def test_fallback_is_marked_as_a_heuristic(risk_transcript: Transcript, risk_scenario: ScenarioMeta) -> None:
    summary = compute_summary(risk_transcript, risk_scenario)
    result = fallback_judgement(risk_transcript, summary)
    assert result.source is JudgeSource.FALLBACK
    assert result.note == FALLBACK_NOTE and "not an LLM or expert judgement" in result.note
    assert 1 <= result.partnership <= 5 and 1 <= result.empathy <= 5
    assert result.cultivating_change_talk is None and result.softening_sustain_talk is None
    assert result.rewritten_responses == ()
    assert any(line.startswith("empathy") for line in result.rationale)
    assert result == fallback_judgement(risk_transcript, summary)


def _mi_transcript(reply_code: str, reply_sub: str = "") -> Transcript:
    return transcript_from_dicts(
        [
            client(0, "c0", "I want to drink less for my kids.", "change"),
            trainee(1, "t1", "reply", reply_code, reply_sub),
            client(1, "c1", "But drinking is how I relax.", "sustain"),
            trainee(2, "t2", "reply", reply_code, reply_sub),
        ]
    )


def test_fallback_scores_follow_the_coded_behaviour() -> None:
    reflective = _mi_transcript("reflection", "complex")
    pushy = _mi_transcript("confront")
    good = fallback_judgement(reflective, compute_summary(reflective, MI))
    poor = fallback_judgement(pushy, compute_summary(pushy, MI))
    assert good.empathy > poor.empathy
    assert good.cultivating_change_talk is not None and poor.cultivating_change_talk is not None
    assert good.cultivating_change_talk > poor.cultivating_change_talk
    assert good.softening_sustain_talk is not None and poor.softening_sustain_talk is not None
    assert good.softening_sustain_talk > poor.softening_sustain_talk
    assert (poor.empathy, poor.softening_sustain_talk) == (1, 1)
    assert any("Replace advice" in g for g in poor.growth_areas)
