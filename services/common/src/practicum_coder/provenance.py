"""Which transcripts of an evaluation CSV the coder was trained on.

``grader-eval`` scores the committed model on any CSV with AnnoMI's columns. Figures on
transcripts the model was fitted on measure memory, not skill, and a CSV can mix both
(the whole AnnoMI release is the 93 development transcripts this model learned from plus
40 it never saw). Matching by file hash or transcript ids would miss a re-exported or
renumbered copy, so the artifact keeps a fingerprint of every training utterance's words
and a transcript counts as seen when most of its fingerprintable utterances are in it.

Fingerprints are 64-bit BLAKE2b digests of the lowercased word sequence; they cannot be
turned back into text, so the artifact carries no transcript. Short utterances ("Yeah.",
"Okay, so tell me more.") recur across unrelated sessions and are not fingerprinted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# Utterances of fewer words are too common to identify a transcript.
MIN_WORDS = 6
# A transcript is "seen" when at least this share of its fingerprintable utterances is in
# the training set. No two of the 93 dev transcripts share a single fingerprint (measured
# 2026-11-26, each against the other 92; a test pins it on the 6-transcript sample), and a
# re-export of a training transcript shares all of them, so the threshold has room on
# both sides.
SEEN_SHARE = 0.5

_WORD = re.compile(r"[a-z0-9]+")


def fingerprint(text: str) -> int | None:
    """The utterance's 64-bit fingerprint, or None when it is too short to identify anything."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def fingerprints(texts: Iterable[str]) -> np.ndarray:
    """Sorted, unique fingerprints of ``texts`` (the array the artifact stores)."""
    values = {fp for fp in map(fingerprint, texts) if fp is not None}
    return np.array(sorted(values), dtype=np.uint64)


@dataclass(frozen=True)
class Overlap:
    """How much of each transcript the training data contains."""

    share_by_transcript: Mapping[str, float]  # transcript id -> share of its utterances seen

    @property
    def seen(self) -> list[str]:
        return [t for t, share in self.share_by_transcript.items() if share >= SEEN_SHARE]

    @property
    def unseen(self) -> list[str]:
        return [t for t, share in self.share_by_transcript.items() if share < SEEN_SHARE]


def overlap(transcripts: Sequence[tuple[str, str]], known: np.ndarray) -> Overlap:
    """``transcripts`` as (transcript id, utterance text) pairs against the stored ``known``.

    A transcript with no fingerprintable utterance counts as unseen (nothing says otherwise).
    """
    known_set = {int(v) for v in known.tolist()}
    hits: dict[str, list[int]] = {}
    for transcript_id, text in transcripts:
        counts = hits.setdefault(transcript_id, [0, 0])
        fp = fingerprint(text)
        if fp is None:
            continue
        counts[1] += 1
        counts[0] += fp in known_set
    return Overlap({t: (seen / total if total else 0.0) for t, (seen, total) in hits.items()})


__all__ = ["MIN_WORDS", "SEEN_SHARE", "Overlap", "fingerprint", "fingerprints", "overlap"]
