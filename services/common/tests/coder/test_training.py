"""Training is deterministic and produces a working artifact (tiny subset, so it is fast)."""

from __future__ import annotations

from pathlib import Path

from practicum_coder import CoderInput, load_coder
from practicum_coder.artifact import save
from practicum_coder.data import load_annomi
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
