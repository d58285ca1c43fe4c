"""Reading AnnoMI-layout CSVs into utterances with their conversational context.

Both layouts are accepted: ``-simple`` (one row per utterance, majority labels) and
``-full`` (one row per utterance per annotator, with subtypes). Rows of several annotators
for the same utterance are merged by majority vote so that every utterance is counted once
in every metric; ties go to the label of the lowest annotator id, which keeps the merge
deterministic and does not favour any class.

Only the standard library is used: evaluation and training must not need pandas.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .vocab import (
    ANNOMI_THERAPIST_CLASSES,
    CLIENT_TALK_TYPES,
    QUESTION_SUBCODES,
    REFLECTION_SUBCODES,
    THERAPIST_INPUT_SUBTYPES,
)

REQUIRED_COLUMNS: tuple[str, ...] = ("transcript_id", "utterance_id", "interlocutor", "utterance_text")
SUBTYPE_COLUMNS: tuple[str, ...] = ("question_subtype", "reflection_subtype", "therapist_input_subtype")


# How cross-validation groups utterances. "transcript" is the protocol; "topic" is
# stricter: AnnoMI's dev/test split keeps every demonstration of one scenario (high/low
# versions, multi-part videos) on one side, and grouping by topic is the closest the CSV
# allows (all transcripts of a topic are held out together), so it estimates performance
# on unseen scenarios rather than unseen transcripts.
GROUPINGS: tuple[str, ...] = ("transcript", "topic")


class DataError(ValueError):
    """The CSV does not have AnnoMI's layout (a column is missing or a value is unusable)."""


@dataclass(frozen=True)
class Utterance:
    """One utterance with gold labels (None where the CSV has none) and its context."""

    transcript_id: str
    utterance_id: int
    speaker: str  # "therapist" or "client", as AnnoMI writes it
    text: str
    # Latest client utterance before this one in the same transcript (None at the start).
    prev_client_text: str | None
    mi_quality: str | None = None
    behaviour: str | None = None
    talk_type: str | None = None
    question_subtype: str | None = None
    reflection_subtype: str | None = None
    input_subtype: str | None = None
    # AnnoMI's ``topic`` column (the behaviour being discussed, e.g. "smoking cessation"):
    # the stricter cross-validation groups by it, so that every demonstration of one
    # scenario sits on one side, as in AnnoMI's dev/test split.
    topic: str | None = None
    # The value of the column a per-group audit compares (``load_annomi(audit_column=)``):
    # a population, dialect, site or scenario label; None when the row has none.
    audit_group: str | None = None

    @property
    def is_therapist(self) -> bool:
        return self.speaker == "therapist"


@dataclass(frozen=True)
class Dataset:
    utterances: tuple[Utterance, ...]
    # Which optional label columns the CSV had: drives which tasks can be evaluated.
    has_subtypes: bool
    sha256: str
    path: str

    def therapist(self) -> list[Utterance]:
        return [u for u in self.utterances if u.is_therapist]

    def client(self) -> list[Utterance]:
        return [u for u in self.utterances if not u.is_therapist]

    def transcripts(self) -> list[str]:
        return sorted({u.transcript_id for u in self.utterances}, key=_transcript_sort_key)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _transcript_sort_key(transcript_id: str) -> tuple[int, int | str]:
    # Numeric ids sort numerically (AnnoMI's are integers); anything else sorts as text after them.
    return (0, int(transcript_id)) if transcript_id.isdigit() else (1, transcript_id)


def _clean_label(value: str | None, allowed: Iterable[str]) -> str | None:
    """A label from the CSV, or None when it is empty / "n/a" / not in the allowed set."""
    if value is None:
        return None
    label = value.strip().lower()
    if not label or label in {"n/a", "na", "nan", "none"}:
        return None
    return label if label in set(allowed) else None


def _majority(votes: Sequence[tuple[int, str | None]]) -> str | None:
    """Majority label among (annotator_id, label) votes; ties -> lowest annotator's label."""
    labels = [label for _, label in votes if label is not None]
    if not labels:
        return None
    counts = Counter(labels)
    best = max(counts.values())
    tied = {label for label, count in counts.items() if count == best}
    for _, label in sorted((v for v in votes if v[1] is not None), key=lambda v: v[0]):
        if label in tied:
            return label
    return None  # unreachable: some tied label always has a vote


def load_annomi(path: str | Path, audit_column: str | None = None) -> Dataset:
    """Read an AnnoMI-layout CSV (simple or full) into utterances ordered as in each
    transcript; ``audit_column`` names a column whose value becomes each utterance's
    ``audit_group``."""
    path = Path(path)
    if audit_column is not None:
        audit_column = _column_name(audit_column)
    # utf-8-sig: a byte-order mark (spreadsheets write one in "CSV UTF-8") is not part of
    # the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        # Header names are matched without case or surrounding spaces ("Transcript_ID ").
        reader.fieldnames = [_column_name(name) for name in reader.fieldnames or ()]
        columns = set(reader.fieldnames)
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
        if audit_column is not None and audit_column not in columns:
            raise DataError(f"{path}: no column {audit_column!r} to audit by (columns: {', '.join(sorted(columns))})")
        has_subtypes = all(c in columns for c in SUBTYPE_COLUMNS)
        grouped: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
        for line_no, row in enumerate(reader, start=2):
            utterance_id = _integer(row.get("utterance_id"))
            if utterance_id is None:
                raise DataError(f"{path}:{line_no}: utterance_id {row.get('utterance_id')!r} is not an integer")
            grouped[(row["transcript_id"].strip(), utterance_id)].append(row)

    merged: list[Utterance] = []
    for (transcript_id, utterance_id), rows in grouped.items():
        utterance = _merge_rows(transcript_id, utterance_id, rows, has_subtypes)
        if audit_column is not None:
            utterance = replace(utterance, audit_group=(rows[0].get(audit_column) or "").strip() or None)
        merged.append(utterance)
    merged.sort(key=lambda u: (_transcript_sort_key(u.transcript_id), u.utterance_id))
    return Dataset(tuple(_with_context(merged)), has_subtypes, file_sha256(path), str(path))


def _column_name(name: str) -> str:
    return name.strip().lower()


def _integer(value: str | None) -> int | None:
    """An integer cell; "12.0" too, as a spreadsheet or pandas writes an integer column
    that has a gap."""
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _annotator(row: dict[str, str], index: int) -> int:
    value = _integer(row.get("annotator_id"))
    return value if value is not None else index


def _merge_rows(transcript_id: str, utterance_id: int, rows: list[dict[str, str]], has_subtypes: bool) -> Utterance:
    first = rows[0]
    speaker = first["interlocutor"].strip().lower()
    if speaker not in {"therapist", "client"}:
        raise DataError(f"transcript {transcript_id} utterance {utterance_id}: interlocutor {speaker!r}")

    def vote(column: str, allowed: Iterable[str]) -> str | None:
        allowed = tuple(allowed)
        return _majority([(_annotator(r, i), _clean_label(r.get(column), allowed)) for i, r in enumerate(rows)])

    quality = _clean_label(first.get("mi_quality"), ("high", "low"))
    topic = (first.get("topic") or "").strip() or None
    if speaker == "client":
        return Utterance(
            transcript_id,
            utterance_id,
            speaker,
            first["utterance_text"] or "",
            None,
            quality,
            talk_type=vote("client_talk_type", CLIENT_TALK_TYPES),
            topic=topic,
        )
    return Utterance(
        transcript_id,
        utterance_id,
        speaker,
        first["utterance_text"] or "",
        None,
        quality,
        behaviour=vote("main_therapist_behaviour", ANNOMI_THERAPIST_CLASSES),
        question_subtype=vote("question_subtype", QUESTION_SUBCODES) if has_subtypes else None,
        reflection_subtype=vote("reflection_subtype", REFLECTION_SUBCODES) if has_subtypes else None,
        input_subtype=vote("therapist_input_subtype", THERAPIST_INPUT_SUBTYPES) if has_subtypes else None,
        topic=topic,
    )


def _with_context(ordered: list[Utterance]) -> list[Utterance]:
    """Fill ``prev_client_text``: the latest client utterance earlier in the same transcript."""
    out: list[Utterance] = []
    current: str | None = None
    last_client: str | None = None
    for utt in ordered:
        if utt.transcript_id != current:
            current, last_client = utt.transcript_id, None
        out.append(replace(utt, prev_client_text=last_client))
        if not utt.is_therapist:
            last_client = utt.text
    return out
