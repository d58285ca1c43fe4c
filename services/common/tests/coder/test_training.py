"""Training is deterministic and produces a working artifact (tiny subset, so it is fast)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from practicum_coder import CoderInput, cli, load_coder, training
from practicum_coder.artifact import save
from practicum_coder.data import GROUPINGS, Utterance, load_annomi
from practicum_coder.linear import fit_temperature
from practicum_coder.training import assign_folds, behaviour_label, fit_artifact


def _train(sample: Path, out: Path) -> bytes:
    dataset = load_annomi(sample)
    artifact = fit_artifact(list(dataset.utterances), {"data_sha256": dataset.sha256})
    save(artifact, out)
    return out.read_bytes()


def test_training_is_deterministic(sample_full: Path, tmp_path: Path) -> None:
    first = _train(sample_full, tmp_path / "a" / "coder.npz")
    second = _train(sample_full, tmp_path / "b" / "coder.npz")
    assert first == second
    coder = load_coder(tmp_path / "a" / "coder.npz")
    assert load_coder(tmp_path / "b" / "coder.npz").version == coder.version
    turns = coder.code_batch([CoderInput("What brings you here?", "trainee"), CoderInput("I want to stop.", "client")])
    assert turns[0].annomi_class in {"question", "reflection", "therapist_input", "other"}
    assert turns[1].code in {"change", "neutral", "sustain"}


def test_folds_group_transcripts_and_stratify_quality(sample_full: Path) -> None:
    utterances = list(load_annomi(sample_full).utterances)
    folds = assign_folds(utterances, 3)
    assert set(folds) == {u.transcript_id for u in utterances}  # one fold per transcript, never per utterance
    quality = {u.transcript_id: u.mi_quality for u in utterances}
    for f in range(3):
        assert sorted(str(quality[t]) for t in folds if folds[t] == f) == ["high", "low"]
    assert assign_folds(utterances, 3) == folds


def _utterances(spec: list[tuple[str, str | None, str, int]]) -> list[Utterance]:
    """(transcript, topic, quality, n_utterances) -> utterances."""
    return [
        Utterance(tid, i, "therapist", "Hello.", None, quality, topic=topic)
        for tid, topic, quality, n in spec
        for i in range(n)
    ]


def test_topic_folds_hold_out_every_transcript_of_a_topic_together() -> None:
    utterances = _utterances(
        [
            ("1", "smoking", "high", 40),
            ("2", "smoking", "low", 10),  # high and low demonstrations of one scenario
            ("3", "alcohol", "high", 30),
            ("4", "alcohol", "high", 20),
            ("5", "weight", "low", 25),
            ("6", "exercise", "high", 25),
            ("7", None, "high", 15),  # no topic: grouped alone
            ("8", None, "high", 15),
        ]
    )
    folds = assign_folds(utterances, 3, group_by="topic")
    assert set(folds) == {str(t) for t in range(1, 9)}
    assert folds["1"] == folds["2"] and folds["3"] == folds["4"]
    assert len(set(folds.values())) == 3
    # the two low-quality groups (smoking has a low demonstration) land in different folds
    assert folds["1"] != folds["5"]


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="group_by"):
        assign_folds(_utterances([("1", "t", "high", 3)]), 2, group_by="utterance")


def test_cli_accepts_every_grouping_the_trainer_knows() -> None:
    parser = cli.build_parser()
    for grouping in GROUPINGS:
        assert parser.parse_args(["cv", "--group-by", grouping]).group_by == grouping
    with pytest.raises(SystemExit):
        parser.parse_args(["cv", "--group-by", "utterance"])


def test_class_model_can_learn_subtypes_and_the_coder_sums_them(
    sample_full: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    utterances = list(load_annomi(sample_full).utterances)
    therapist = [u for u in utterances if u.is_therapist and u.behaviour]
    # Off by default (training.SUBTYPE_CLASSES): the label is AnnoMI's class.
    assert all(behaviour_label(u) == u.behaviour for u in therapist)
    labels = {behaviour_label(u, True) for u in therapist}
    assert {"question/open", "question/closed", "reflection/simple", "reflection/complex", "other"} <= labels
    assert behaviour_label(next(u for u in utterances if not u.is_therapist), True) is None
    monkeypatch.setattr(training, "SUBTYPE_CLASSES", True)
    save(fit_artifact(utterances, {}), tmp_path / "coder.npz")
    coder = load_coder(tmp_path / "coder.npz")
    assert len(coder._artifact.models["behaviour"].classes) > 4
    explained = coder.explain_batch([CoderInput("So you want to stop.", "trainee", "I want to stop.")])[0]
    # Four AnnoMI class probabilities, summed from the subtype classes.
    assert len(explained.class_proba) == 4
    assert sum(explained.class_proba) == pytest.approx(1.0)
    assert explained.turn.annomi_class in {"question", "reflection", "therapist_input", "other"}


def test_temperature_of_summed_classes() -> None:
    # Two subtype classes of group "a" and one of "b". The logits already give the right
    # group probabilities (0.8 / 0.2 on every row, matching 80 % "a" gold), so the group
    # likelihood is best at T = 1, whereas fitting on the subtypes themselves would not be.
    third = np.log(0.4)
    logits = np.tile([third, third, np.log(0.2)], (10, 1))
    gold_groups = ["a"] * 8 + ["b"] * 2
    t = fit_temperature(logits, gold_groups, ["a/1", "a/2", "b"], group_of=["a", "a", "b"])
    assert t == pytest.approx(1.0, abs=0.01)
    # Without groups the same labels are not even valid classes.
    with pytest.raises(KeyError):
        fit_temperature(logits, gold_groups, ["a/1", "a/2", "b"])
