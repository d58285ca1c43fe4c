"""The sequence step: trainee turns coded in the light of the turns before them."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from practicum_coder import Coder, CoderInput
from practicum_coder.artifact import load, save
from practicum_coder.cli import InputLineError, parse_jsonl
from practicum_coder.coder import DEFAULT_ARTIFACT, coder_from_artifact
from practicum_coder.sequence import SequenceModel, fit_sequence_model

CLASSES = ("other", "question", "reflection", "therapist_input")

# A stretch of advice and information, then a turn that could be either.
CONVERSATION = [
    ("The guidelines say no more than fourteen units a week for adults.", "How much is too much?"),
    ("That works out at about six pints of ordinary beer.", "Oh. That's less than I thought."),
    ("Drinking at that level over years raises the risk of liver disease.", "Right."),
    ("And some people find that alcohol free days help.", "Mm."),
]


def test_transitions_are_counted_per_conversation_and_smoothed() -> None:
    model = fit_sequence_model([["question", "reflection", "question"], ["other"]], CLASSES, weight=0.5)
    assert model.transition.shape == (4, 4)
    np.testing.assert_allclose(model.transition.sum(axis=1), 1.0)
    q, r = CLASSES.index("question"), CLASSES.index("reflection")
    # question -> reflection was seen once: (1 + 1) / (4 + 1); no pair crosses conversations.
    assert model.transition[q, r] == pytest.approx(2 / 5)
    assert model.transition[CLASSES.index("reflection"), CLASSES.index("other")] == pytest.approx(1 / 5)
    np.testing.assert_allclose(model.prior, np.array([2, 3, 2, 1]) / 8)
    assert model.weight == 0.5


def test_a_first_turn_and_a_zero_weight_leave_the_probabilities_alone() -> None:
    model = fit_sequence_model([["therapist_input", "therapist_input", "other"]], CLASSES)
    p = np.array([0.4, 0.1, 0.1, 0.4])
    np.testing.assert_array_equal(model.step(None, p), p)
    off = SequenceModel(model.classes, model.transition, model.prior, 0.0)
    np.testing.assert_array_equal(off.step(np.array([0.0, 0.0, 0.0, 1.0]), p), p)


def test_a_run_of_one_class_pulls_an_uncertain_turn_towards_it() -> None:
    runs = [["therapist_input"] * 4 + ["question"], ["question", "reflection"] * 3, ["other", "other", "question"]]
    model = fit_sequence_model(runs, CLASSES)
    uncertain = np.array([0.45, 0.05, 0.05, 0.45])
    after_input = model.step(np.array([0.0, 0.0, 0.0, 1.0]), uncertain)
    assert after_input.sum() == pytest.approx(1.0)
    assert after_input.argmax() == CLASSES.index("therapist_input")
    after_other = model.step(np.array([1.0, 0.0, 0.0, 0.0]), uncertain)
    assert after_other.argmax() == CLASSES.index("other")
    # A confident turn is not overruled by its neighbours.
    confident = np.array([0.02, 0.94, 0.02, 0.02])
    assert model.step(np.array([0.0, 0.0, 0.0, 1.0]), confident).argmax() == CLASSES.index("question")


def test_the_committed_artifact_carries_the_step_fitted_on_expert_labels(coder: Coder) -> None:
    artifact, _ = load(DEFAULT_ARTIFACT)
    sequence = artifact.sequence
    assert sequence is not None
    assert sequence.classes == artifact.models["behaviour"].classes
    assert sequence.weight == 0.75
    assert sequence.window == 4
    i = sequence.classes.index("therapist_input")
    # Information comes in runs in AnnoMI (41% after information, 12% overall).
    assert sequence.transition[i, i] > 2 * sequence.prior[i]


def _inputs(conversation: str | None) -> list[CoderInput]:
    return [CoderInput(text, "trainee", prev, conversation=conversation) for text, prev in CONVERSATION]


def test_the_first_turn_of_a_conversation_is_coded_as_if_alone(coder: Coder) -> None:
    alone = coder.explain_batch(_inputs(None))
    together = coder.explain_batch(_inputs("c1"))
    assert together[0].turn == alone[0].turn
    assert together[0].class_proba == alone[0].class_proba
    # Later turns see the run of information before them: P(input) rises.
    behaviour_classes = load(DEFAULT_ARTIFACT)[0].models["behaviour"].classes
    i = behaviour_classes.index("therapist_input")
    assert together[-1].class_proba[i] > alone[-1].class_proba[i]


def test_a_turn_depends_only_on_the_turns_before_it(coder: Coder) -> None:
    whole = coder.code_batch(_inputs("c1"))
    for n in range(1, len(CONVERSATION) + 1):
        # Coding the session so far (as the grading service does turn by turn) gives the
        # same code as coding it whole: a later turn never changes an earlier code.
        assert coder.code_batch(_inputs("c1")[:n])[-1] == whole[n - 1]


def test_a_turn_depends_on_at_most_the_window_of_turns_before_it(coder: Coder) -> None:
    window = coder.sequence_window
    assert window == 4
    filler = [CoderInput("Okay.", "trainee", "Mm.", conversation="c")] * window
    last = CoderInput(CONVERSATION[-1][0], "trainee", CONVERSATION[-1][1], conversation="c")
    ahead = [CoderInput(text, "trainee", prev, conversation="c") for text, prev in CONVERSATION[:2]]
    # Turns beyond the window make no difference; a turn inside it does.
    assert coder.code_batch([*ahead, *filler, last])[-1] == coder.code_batch([*filler, last])[-1]
    inside = coder.explain_batch([*ahead, *filler[1:], last])[-1]
    assert inside.class_proba != coder.explain_batch([*filler, last])[-1].class_proba


def test_a_turn_coded_after_earlier_ones_codes_only_the_window_again(
    coder: Coder, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = [("Okay.", "Mm.")] * 20 + CONVERSATION[:-1]
    text, prev = CONVERSATION[-1]
    expected = coder.code_batch([CoderInput(t, "trainee", p, conversation="s") for t, p in [*earlier, (text, prev)]])[
        -1
    ]
    batches: list[int] = []
    real = coder.code_batch

    def spy(items: list[CoderInput]) -> list[object]:
        batches.append(len(items))
        return real(items)  # type: ignore[return-value]

    monkeypatch.setattr(coder, "code_batch", spy)
    # A long session costs what a short one does: the window plus the turn itself.
    assert coder.code_after(earlier, text, prev) == expected
    assert batches == [coder.sequence_window + 1]
    assert coder.code_after([], text, prev) == coder.code(text, "trainee", prev)


def test_conversations_are_kept_apart_and_client_turns_pass_through(coder: Coder) -> None:
    a, b = _inputs("a"), _inputs("b")
    interleaved: list[CoderInput] = []
    for x, y in zip(a, b, strict=True):
        interleaved += [x, CoderInput("I suppose so.", "client", conversation="a"), y]
    coded = coder.code_batch(interleaved)
    separately = coder.code_batch(a)
    assert coded[0::3] == separately
    assert coded[2::3] == separately
    assert coded[1] == coder.code("I suppose so.", "client")


def test_an_artifact_round_trip_keeps_the_step_and_old_artifacts_still_load(tmp_path: Path) -> None:
    artifact, _ = load(DEFAULT_ARTIFACT)
    save(artifact, tmp_path / "same.npz")
    again, _ = load(tmp_path / "same.npz")
    assert again.sequence is not None and artifact.sequence is not None
    np.testing.assert_array_equal(again.sequence.transition, artifact.sequence.transition)
    # An artifact written before the step (no sequence arrays) codes every turn alone.
    save(replace(artifact, sequence=None), tmp_path / "old.npz")
    old, _ = load(tmp_path / "old.npz")
    assert old.sequence is None
    old_coder = coder_from_artifact(old)
    assert old_coder.code_batch(_inputs("c1")) == old_coder.code_batch(_inputs(None))


def test_an_artifact_whose_step_names_other_classes_is_refused() -> None:
    artifact, _ = load(DEFAULT_ARTIFACT)
    assert artifact.sequence is not None
    wrong = replace(artifact.sequence, classes=tuple(reversed(artifact.sequence.classes)))
    with pytest.raises(ValueError, match="sequence step"):
        coder_from_artifact(replace(artifact, sequence=wrong))


def _lines(*objs: object) -> io.StringIO:
    return io.StringIO("".join(json.dumps(o) + "\n" for o in objs))


def test_grader_code_reads_an_optional_conversation_id() -> None:
    items = parse_jsonl(
        _lines(
            {"text": "Okay.", "speaker": "trainee", "conversation": "s1"},
            {"text": "Okay.", "speaker": "trainee", "conversation": 7},
            {"text": "Okay.", "speaker": "trainee"},
        )
    )
    assert [item.conversation for item in items] == ["s1", "7", None]


@pytest.mark.parametrize("bad", [True, 1.5, ["s1"], {"id": 1}, "  "])
def test_grader_code_names_a_bad_conversation_id(bad: object) -> None:
    with pytest.raises(InputLineError, match="line 1: field 'conversation'"):
        parse_jsonl(_lines({"text": "Okay.", "speaker": "trainee", "conversation": bad}))
