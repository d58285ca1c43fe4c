"""The command line as the Makefile and other services use it (subprocesses, real artifact)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from practicum_coder import load_coder
from practicum_coder.evaluation import format_report


def _run(python: str, env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-m", "practicum_coder", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_code_round_trip(python: str, cli_env: dict[str, str]) -> None:
    lines: list[dict[str, str | None]] = [
        {"text": "So you feel stuck.", "speaker": "trainee", "prev_client_text": "I can't get going."},
        {"text": "I want to quit.", "speaker": "client"},
        {"text": "What brings you here?", "speaker": "therapist", "prev_client_text": None},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n\n"
    done = _run(python, cli_env, "code", stdin=stdin)
    assert done.returncode == 0, done.stderr
    out = [json.loads(x) for x in done.stdout.splitlines()]
    coder = load_coder()
    expected = [coder.code(str(x["text"]), str(x["speaker"]), x.get("prev_client_text")) for x in lines]
    assert out == [{"code": e.code, "subcode": e.subcode, "confidence": e.confidence} for e in expected]


def test_code_rejects_a_bad_line_with_its_number_and_field(python: str, cli_env: dict[str, str]) -> None:
    stdin = '{"text": "ok", "speaker": "trainee"}\n{"text": 3, "speaker": "trainee"}\n'
    done = _run(python, cli_env, "code", stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == ""  # all-or-nothing
    assert "line 2" in done.stderr and "'text'" in done.stderr

    done = _run(python, cli_env, "code", stdin="not json\n")
    assert done.returncode == 2 and "line 1" in done.stderr

    done = _run(python, cli_env, "code", stdin='{"text": "x", "speaker": "coach"}\n')
    assert done.returncode == 2 and "'speaker'" in done.stderr


def test_eval_on_full_and_simple_csv(
    python: str, cli_env: dict[str, str], sample_full: Path, sample_simple: Path, tmp_path: Path
) -> None:
    out = tmp_path / "full.json"
    done = _run(python, cli_env, "eval", "--data", str(sample_full), "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    tasks = report["tasks"]
    for task in ("therapist_behaviour", "question_open_closed", "reflection_simple_complex", "client_talk_type"):
        assert tasks[task]["available"]
        assert set(tasks[task]) >= {"macro_f1", "kappa", "per_class"}
    assert set(tasks["therapist_behaviour"]["per_class"]) == {"question", "reflection", "therapist_input", "other"}
    assert report["session_quality"]["available"] and report["session_quality"]["n_low"] == 3
    assert "therapist_behaviour" in done.stdout
    # The sample is 6 of the training transcripts: not the training file, but the utterance
    # fingerprints still find them (test_provenance covers a CSV that mixes both).
    assert report["setup"]["is_training_data"] is True and "resubstitution" in done.stdout
    assert report["setup"]["training_overlap"]["transcripts_seen"] == 6

    # The JSON prints as the same table (key order sorted on disk): the model card is
    # regenerated from cv_report.json the same way.
    assert format_report(report, done.stdout.splitlines()[0]) == done.stdout.rstrip("\n")

    out = tmp_path / "simple.json"
    done = _run(python, cli_env, "eval", "--data", str(sample_simple), "--out", str(out))
    assert done.returncode == 0, done.stderr
    tasks = json.loads(out.read_text())["tasks"]
    assert not tasks["question_open_closed"]["available"]
    assert not tasks["reflection_simple_complex"]["available"]
    assert tasks["therapist_behaviour"]["available"]
    assert "not available" in done.stdout


def test_bench_runs(python: str, cli_env: dict[str, str], sample_simple: Path) -> None:
    done = _run(python, cli_env, "bench", "--data", str(sample_simple), "--n", "300", "--single", "50")
    assert done.returncode == 0, done.stderr
    # No timing assertions (machines differ); only that the figures are reported.
    assert "utterances/s" in done.stdout and "p99" in done.stdout


def test_eval_on_a_file_it_cannot_use_is_one_line_not_a_traceback(
    python: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    missing = _run(python, cli_env, "eval", "--data", str(tmp_path / "nope.csv"), "--out", str(out))
    no_column = tmp_path / "no-column.csv"
    no_column.write_text("transcript_id,utterance_id,utterance_text\n1,0,Hello\n")
    not_utf8 = tmp_path / "latin1.csv"
    not_utf8.write_bytes(
        "transcript_id,utterance_id,interlocutor,utterance_text\n1,0,client,Caf\xe9\n".encode("latin-1")
    )
    for done, says in (
        (missing, "cannot read"),
        (_run(python, cli_env, "eval", "--data", str(no_column), "--out", str(out)), "missing column(s) interlocutor"),
        (_run(python, cli_env, "eval", "--data", str(not_utf8), "--out", str(out)), "is not UTF-8 text"),
    ):
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and says in done.stderr, done.stderr
        assert done.stderr.startswith("error: DATA: ") and done.stderr.count("\n") == 1
    assert not out.exists()


def test_code_reads_a_byte_order_mark_and_crlf_lines_like_plain_ones(python: str, cli_env: dict[str, str]) -> None:
    lines = ['{"text": "So you feel stuck.", "speaker": "trainee"}', '{"text": "I want to quit.", "speaker": "client"}']
    plain = _run(python, cli_env, "code", stdin="\n".join(lines) + "\n")
    windows = _run(python, cli_env, "code", stdin="\ufeff" + "\r\n".join(lines) + "\r\n")
    assert plain.returncode == windows.returncode == 0, windows.stderr
    assert windows.stdout == plain.stdout and len(plain.stdout.splitlines()) == 2


def test_eval_without_quality_labels_says_why_there_is_no_session_auc(
    python: str, cli_env: dict[str, str], sample_simple: Path, tmp_path: Path
) -> None:
    rows = sample_simple.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    assert header[1] == "mi_quality"
    # Drop the column (the second one; the sample quotes no cell before it).
    unlabelled = tmp_path / "no-quality.csv"
    unlabelled.write_text("\n".join(",".join(r.split(",")[:1] + r.split(",")[2:]) for r in rows) + "\n")
    out = tmp_path / "out.json"
    done = _run(python, cli_env, "eval", "--data", str(unlabelled), "--out", str(out))
    assert done.returncode == 0, done.stderr
    quality = json.loads(out.read_text())["session_quality"]
    assert quality["available"] is False and quality["reason"] == "no transcript has an mi_quality label (high / low)"
    assert json.loads(out.read_text())["tasks"]["therapist_behaviour"]["available"]
