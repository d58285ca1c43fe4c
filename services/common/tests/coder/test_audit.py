"""The per-group audit: the same metrics per value of a CSV column, and which group falls
furthest below the pooled figure (the product brief's "grader audited per population")."""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from practicum_coder.data import DataError, load_annomi
from practicum_coder.evaluation import Predictions, audit_report, format_audit, reports


def _predictions(pairs: list[tuple[str, str]]) -> Predictions:
    p = Predictions()
    for gold, pred in pairs:
        p.add("therapist_behaviour", gold, pred, 0.9)
    return p


def test_gaps_are_to_the_pooled_figure_and_only_groups_with_enough_turns_are_judged() -> None:
    right = [("question", "question"), ("reflection", "reflection")] * 30  # 60 turns, all right
    wrong = [("question", "reflection"), ("reflection", "reflection")] * 30  # 60 turns, half wrong
    tiny = [("question", "other")] * 5  # 5 turns, all wrong: too few to judge
    by_group = {"a": _predictions(right), "b": _predictions(wrong), "c": _predictions(tiny)}
    pooled = reports(_predictions(right + wrong + tiny), has_subtypes=False)

    audit = audit_report(by_group, pooled, [], has_subtypes=False, column="site", min_n=50, min_transcripts=0)

    a, b, c = (audit["groups"][g]["tasks"]["therapist_behaviour"] for g in "abc")
    assert a["macro_f1"] == 1.0 and a["judged"] and a["n"] == 60
    assert b["n"] == 60 and b["judged"] and b["macro_f1"] < a["macro_f1"]
    assert b["gap"] == pytest.approx(b["macro_f1"] - pooled["tasks"]["therapist_behaviour"]["macro_f1"], abs=1e-4)
    assert c["n"] == 5 and not c["judged"] and c["macro_f1"] == 0.0
    # The worst group is the worst *judged* one: c is lower but has 5 turns.
    assert audit["worst"]["therapist_behaviour"] == {"group": "b", "gap": b["gap"], "groups_judged": 2}
    table = format_audit(audit)
    assert table.index("\nc ") < table.index("\nb ") < table.index("\na ")  # weakest first
    assert "weakest judged group, behaviour: b" in table


def test_a_missing_audit_column_is_named(sample_full: Path) -> None:
    with pytest.raises(DataError, match="no column 'dialect' to audit by"):
        load_annomi(sample_full, audit_column="dialect")
    groups = {u.audit_group for u in load_annomi(sample_full, audit_column="topic").utterances}
    assert "reducing alcohol consumption" in groups


def _unseen_copy_with_a_site_column(sample: Path, out: Path) -> None:
    """The sample transcripts reworded just enough that the coder's training fingerprints
    no longer recognise them, with a `site` column splitting them in two."""
    with sample.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0].keys(), "site"])
        writer.writeheader()
        for row in rows:
            row["utterance_text"] = "Well, " + row["utterance_text"]
            writer.writerow({**row, "site": "north" if int(row["transcript_id"]) % 2 else "south"})


def test_eval_audits_unseen_transcripts_by_a_column_and_refuses_training_data(
    python: str, cli_env: dict[str, str], sample_full: Path, tmp_path: Path
) -> None:
    data = tmp_path / "sites.csv"
    _unseen_copy_with_a_site_column(sample_full, data)
    out = tmp_path / "report.json"
    run = [python, "-m", "practicum_coder", "eval", "--data", str(data), "--out", str(out), "--audit-by", "site"]
    done = subprocess.run(run, capture_output=True, text=True, env=cli_env, timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["setup"]["training_overlap"]["transcripts_seen"] == 0
    groups = report["audit"]["groups"]
    assert set(groups) == {"north", "south"}
    pooled_n = report["tasks"]["therapist_behaviour"]["n"]
    assert sum(g["tasks"]["therapist_behaviour"]["n"] for g in groups.values()) == pooled_n
    assert "Per-group audit by 'site'" in done.stdout

    # On the coder's own training transcripts an audit would flatter every group: refused.
    done = subprocess.run(
        [*run[:4], "--data", str(sample_full), "--out", str(out), "--audit-by", "topic"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "no per-group audit" in done.stderr and "audit" not in json.loads(out.read_text())

    done = subprocess.run([*run[:-1], "dialect"], capture_output=True, text=True, env=cli_env, timeout=60)
    assert done.returncode == 2 and "--audit-by" in done.stderr and "'dialect'" in done.stderr


def test_a_group_of_too_few_transcripts_is_not_judged_however_many_turns(sample_full: Path) -> None:
    utterances = load_annomi(sample_full).utterances
    one_transcript = [
        replace(u, audit_group="solo") for u in utterances if u.transcript_id == utterances[0].transcript_id
    ]
    predictions = _predictions([("question", "question"), ("reflection", "other")] * 40)
    pooled = reports(predictions, has_subtypes=False)
    audit = audit_report({"solo": predictions}, pooled, one_transcript, False, "site", min_n=50, min_transcripts=3)
    cell = audit["groups"]["solo"]["tasks"]["therapist_behaviour"]
    assert audit["groups"]["solo"]["n_transcripts"] == 1 and cell["n"] == 80 and not cell["judged"]
    assert audit["worst"] == {}
