"""Training is deterministic and produces a working artifact (tiny subset, so it is fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from practicum_coder import CoderInput, cli, load_coder
from practicum_coder.artifact import save
from practicum_coder.data import GROUPINGS, Utterance, load_annomi
from practicum_coder.training import assign_folds, fit_artifact


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
