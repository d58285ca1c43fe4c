"""Session MI score and the metric implementations (checked against hand-computed values)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from practicum_coder.metrics import cohen_kappa, roc_auc, task_report
from practicum_coder.session import CODE_WEIGHTS, SessionModel, mi_score, session_features
from practicum_coder.vocab import TRAINEE_CODES


@dataclass(frozen=True)
class C:
    code: str
    subcode: str = ""


def test_every_trainee_code_has_a_weight() -> None:
    assert set(CODE_WEIGHTS) == set(TRAINEE_CODES)


def test_mi_score_is_reflection_plus_mia_minus_input_minus_mina() -> None:
    turns = [C("reflection", "complex"), C("question", "open"), C("persuade"), C("affirm"), C("change")]
    # client turn ignored; (1 + 0 - 2 + 1) / 4
    assert mi_score(turns) == pytest.approx(0.0)
    f = session_features(turns)
    share = f["reflection_share"] + f["mi_adherent_rate"] - f["input_share"] - f["mi_non_adherent_rate"]
    assert mi_score(turns) == pytest.approx(share)
    assert f["complex_reflection_share"] == 1.0 and f["open_question_share"] == 1.0
    assert mi_score([]) == 0.0


def test_session_model_is_monotone_in_the_score() -> None:
    model = SessionModel(slope=4.0, intercept=0.5)
    listening = model.score([C("reflection", "simple")] * 3 + [C("question", "open")])
    telling = model.score([C("persuade")] * 3 + [C("giving_information")])
    assert listening.probability_high > telling.probability_high
    assert listening.label == "high" and telling.label == "low"


def test_kappa_and_f1_hand_computed() -> None:
    gold = ["a", "a", "b", "b"]
    pred = ["a", "b", "b", "b"]
    # po = 0.75, pe = 0.5*0.25 + 0.5*0.75 = 0.5 -> kappa 0.5
    assert cohen_kappa(gold, pred, ["a", "b"]) == pytest.approx(0.5)
    report = task_report("t", gold, pred, ["a", "b"])
    assert report.per_class["a"].f1 == pytest.approx(2 / 3)
    assert report.per_class["b"].f1 == pytest.approx(0.8)
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)


def test_roc_auc_hand_computed() -> None:
    assert roc_auc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1]) == pytest.approx(0.75)
    assert roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert roc_auc([1, 1], [0.1, 0.2]) is None
