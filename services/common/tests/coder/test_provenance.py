"""Which evaluation transcripts the coder was trained on (``provenance``, used by ``eval``)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from practicum_coder import Coder
from practicum_coder.data import load_annomi
from practicum_coder.provenance import MIN_WORDS, fingerprint, fingerprints, overlap


def test_fingerprints_ignore_case_and_punctuation_but_not_words() -> None:
    a = fingerprint("So you're thinking about cutting back on drinking?")
    assert a is not None
    assert fingerprint("so   YOU'RE thinking about cutting back, on drinking") == a
    assert fingerprint("So you're thinking about cutting back on smoking?") != a


def test_short_utterances_are_not_fingerprinted() -> None:
    assert fingerprint("Yeah, I guess so.") is None
    assert fingerprint(" ".join(["word"] * (MIN_WORDS - 1))) is None
    assert fingerprint(" ".join(["word"] * MIN_WORDS)) is not None


def test_fingerprint_array_is_sorted_unique_uint64() -> None:
    texts = ["I have been drinking more since the layoff", "Okay.", "I have been drinking more since the layoff"]
    array = fingerprints(texts)
    assert array.dtype == np.uint64 and array.shape == (1,)
    assert fingerprints(["b b b b b b", "a a a a a a"]).tolist() == sorted(fingerprints(["a a a a a a", "b b b b b b"]))


def test_overlap_share_per_transcript() -> None:
    known = fingerprints(["one two three four five six", "seven eight nine ten eleven twelve"])
    found = overlap(
        [
            ("seen", "one two three four five six"),
            ("seen", "Seven, eight, nine, ten, eleven, twelve."),
            ("seen", "Yes."),  # too short to count either way
            ("half", "one two three four five six"),
            ("half", "a sentence that the model never saw"),
            ("new", "a sentence that the model never saw"),
            ("short", "Okay."),
        ],
        known,
    )
    assert found.share_by_transcript == {"seen": 1.0, "half": 0.5, "new": 0.0, "short": 0.0}
    assert found.seen == ["seen", "half"] and found.unseen == ["new", "short"]


def test_sample_transcripts_share_no_fingerprint_with_each_other(sample_full: Path) -> None:
    # What makes the 50% threshold safe: unrelated sessions do not repeat long utterances.
    by_transcript: dict[str, list[str]] = {}
    for u in load_annomi(sample_full).utterances:
        by_transcript.setdefault(u.transcript_id, []).append(u.text)
    for tid, texts in by_transcript.items():
        others = fingerprints(t for other, ts in by_transcript.items() if other != tid for t in ts)
        assert overlap([(tid, t) for t in texts], others).share_by_transcript[tid] == 0.0


def test_committed_artifact_knows_its_training_utterances(coder: Coder, sample_full: Path) -> None:
    # The sample is 6 of the training transcripts.
    utterances = load_annomi(sample_full).utterances
    found = overlap([(u.transcript_id, u.text) for u in utterances], coder.training_fingerprints)
    assert len(found.seen) == 6 and not found.unseen
    assert coder.training_fingerprints.size > 1000


def _reworded_copy(source: Path, target: Path, reword: set[str]) -> None:
    """``source`` with every utterance of the ``reword`` transcripts changed (so unseen)."""
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        if row["transcript_id"] in reword:
            row["transcript_id"] = f"x{row['transcript_id']}"
            row["utterance_text"] = f"Well, {row['utterance_text']}"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _eval(python: str, env: dict[str, str], data: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    out = data.with_suffix(".json")
    done = subprocess.run(
        [python, "-m", "practicum_coder", "eval", "--data", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text())


def test_eval_reports_training_overlap_and_scores_the_unseen_part_alone(
    python: str, cli_env: dict[str, str], sample_full: Path, tmp_path: Path
) -> None:
    ids = load_annomi(sample_full).transcripts()
    mixed = tmp_path / "mixed.csv"
    _reworded_copy(sample_full, mixed, set(ids[3:]))
    done, report = _eval(python, cli_env, mixed)
    overlap_info = report["setup"]["training_overlap"]
    assert overlap_info["transcripts_seen"] == 3 and overlap_info["seen_transcript_ids"] == ids[:3]
    assert report["setup"]["is_training_data"] is False
    assert "3 of 6 transcripts were in its training data" in done.stdout
    unseen = report["unseen_only"]
    n_unseen = sum(1 for u in load_annomi(mixed).utterances if u.transcript_id.startswith("x") and u.is_therapist)
    assert unseen["tasks"]["therapist_behaviour"]["n"] == n_unseen
    assert report["tasks"]["therapist_behaviour"]["n"] > n_unseen

    # All reworded: nothing was seen, so no second table and no warning.
    _reworded_copy(sample_full, mixed, set(ids))
    done, report = _eval(python, cli_env, mixed)
    assert report["setup"]["training_overlap"]["transcripts_seen"] == 0 and "unseen_only" not in report
    assert "no training on it" in done.stdout
