"""Reading AnnoMI-layout CSVs: both layouts, annotator merging, context, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from practicum_coder.data import DataError, load_annomi

FULL_HEADER = [
    "mi_quality",
    "transcript_id",
    "video_title",
    "video_url",
    "topic",
    "utterance_id",
    "interlocutor",
    "timestamp",
    "utterance_text",
    "annotator_id",
    "therapist_input_exists",
    "therapist_input_subtype",
    "reflection_exists",
    "reflection_subtype",
    "question_exists",
    "question_subtype",
    "main_therapist_behaviour",
    "client_talk_type",
]


def _row(
    tid: str,
    uid: int,
    who: str,
    text: str,
    annotator: int,
    behaviour: str = "n/a",
    talk: str = "n/a",
    qsub: str = "n/a",
    rsub: str = "n/a",
) -> list[str]:
    return [
        "high",
        tid,
        "t",
        "u",
        "topic",
        str(uid),
        who,
        "00:00:01",
        text,
        str(annotator),
        "n/a",
        "n/a",
        "n/a",
        rsub,
        "n/a",
        qsub,
        behaviour,
        talk,
    ]


def _write(path: Path, rows: list[list[str]], header: list[str] = FULL_HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_both_layouts_read_the_same_utterances(sample_full: Path, sample_simple: Path) -> None:
    full, simple = load_annomi(sample_full), load_annomi(sample_simple)
    assert full.has_subtypes and not simple.has_subtypes
    assert [(u.transcript_id, u.utterance_id, u.behaviour, u.talk_type) for u in full.utterances] == [
        (u.transcript_id, u.utterance_id, u.behaviour, u.talk_type) for u in simple.utterances
    ]
    assert len(full.transcripts()) == 6
    assert all(u.question_subtype is None for u in simple.utterances)
    assert any(u.question_subtype == "open" for u in full.utterances)
    assert len(full.sha256) == 64


def test_prev_client_text_is_the_latest_client_turn(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "c.csv",
        [
            _row("1", 0, "therapist", "Hi.", 0, "other"),
            _row("1", 1, "client", "I drink a lot.", 0, talk="neutral"),
            _row("1", 2, "therapist", "You drink a lot.", 0, "reflection", rsub="simple"),
            _row("1", 3, "therapist", "How much?", 0, "question", qsub="open"),
            _row("2", 0, "therapist", "Hello.", 0, "other"),
        ],
    )
    utts = load_annomi(path).utterances
    assert [u.prev_client_text for u in utts] == [None, None, "I drink a lot.", "I drink a lot.", None]


def test_several_annotators_are_merged_by_majority(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.csv",
        [
            _row("7", 0, "therapist", "So you want to stop?", 3, "question", qsub="closed"),
            _row("7", 0, "therapist", "So you want to stop?", 1, "reflection", rsub="simple"),
            _row("7", 0, "therapist", "So you want to stop?", 2, "reflection", rsub="complex"),
            # A tie (1 vs 1) goes to the lowest annotator id.
            _row("7", 1, "client", "Yes.", 5, talk="change"),
            _row("7", 1, "client", "Yes.", 4, talk="neutral"),
        ],
    )
    first, second = load_annomi(path).utterances
    assert first.behaviour == "reflection"
    assert first.reflection_subtype == "simple"  # tie 1-1 -> annotator 1's label
    assert first.question_subtype == "closed"
    assert second.talk_type == "neutral"


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", [["1", "0", "x"]], ["transcript_id", "utterance_id", "utterance_text"])
    with pytest.raises(DataError, match="interlocutor"):
        load_annomi(path)


def test_a_spreadsheet_export_reads_as_the_plain_file(sample_full: Path, tmp_path: Path) -> None:
    # "CSV UTF-8" from a spreadsheet: a byte-order mark, CRLF line ends, headers in another
    # case with stray spaces, and integers written as "12.0".
    with open(sample_full, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [f" {name.title()} " for name in rows[0]]
    ids = {rows[0].index("utterance_id"), rows[0].index("annotator_id")}
    body = [[f"{cell}.0" if i in ids else cell for i, cell in enumerate(row)] for row in rows[1:]]
    exported = tmp_path / "exported.csv"
    with open(exported, "w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *body])
    plain, read = load_annomi(sample_full), load_annomi(exported)
    assert read.has_subtypes and read.utterances == plain.utterances
    # An audit column is matched the same way.
    assert {u.audit_group for u in load_annomi(exported, audit_column="Topic").utterances} == {
        u.topic for u in plain.utterances
    }


def test_an_utterance_id_that_is_not_an_integer_is_named_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", [_row("1", 0, "client", "Hi.", 1), _row("1", 0, "client", "Hi.", 1)])
    rows = path.read_text().splitlines()
    path.write_text("\n".join([*rows[:2], rows[2].replace(",0,client", ",0.5,client")]) + "\n")
    with pytest.raises(DataError, match=r"bad\.csv:3: utterance_id '0\.5' is not an integer"):
        load_annomi(path)
