"""``python -m practicum_coder <train|cv|eval|code|bench>``: the coder's stable command line.

``code`` reads JSON Lines on stdin and is all-or-nothing: every line is validated before
anything is coded, and a malformed line stops the run with ``line N: field 'F': ...`` on
stderr and exit status 2, so a caller never mistakes partial output for a full answer.
Blank lines are skipped (they carry no turn).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .data import GROUPINGS

if TYPE_CHECKING:
    from .coder import Coder
    from .data import Dataset, Utterance

EXIT_USAGE = 2
DATA_FILE = "annomi-dev-full.csv"
DATA_ENV = "PRACTICUM_ANNOMI_CSV"


def default_data_path() -> Path:
    """The dev CSV: $PRACTICUM_ANNOMI_CSV, else ``shared/data/annomi/`` beside the repository
    (found by walking up from here and from the working directory)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (start, *start.parents):
            candidate = parent / "shared" / "data" / "annomi" / DATA_FILE
            if candidate.is_file():
                return candidate
    raise SystemExit(f"cannot find {DATA_FILE}: pass --data or set {DATA_ENV}")


def _write_json(path: str | None, payload: Any) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def cmd_cv(args: argparse.Namespace) -> int:
    from .evaluation import format_audit, format_report
    from .training import cross_validate

    dataset = _load(args.data or default_data_path(), args.audit_by)
    if dataset is None:
        return EXIT_USAGE
    if args.group_by == "topic" and not any(u.topic for u in dataset.utterances):
        print(f"error: --group-by topic needs a 'topic' column; {dataset.path} has none", file=sys.stderr)
        return EXIT_USAGE
    report = cross_validate(
        dataset,
        args.folds,
        calibrate=not args.no_calibration,
        group_by=args.group_by,
        progress=_progress,
        audit_column=args.audit_by,
    )
    title = f"{args.group_by.capitalize()}-grouped {args.folds}-fold CV on {Path(dataset.path).name}"
    print(format_report(report, title))
    if "audit" in report:
        print()
        print(format_audit(report["audit"]))
    _write_json(args.out, report)
    return 0


def _load(path: str | Path, audit_column: str | None) -> Dataset | None:
    """The CSV, or None after a one-line error (a missing file or column, a value that
    cannot be read) instead of a traceback."""
    from .data import DataError, load_annomi

    try:
        return load_annomi(path, audit_column)
    except DataError as exc:
        flag = "--audit-by" if audit_column is not None and "to audit by" in str(exc) else "DATA"
        print(f"error: {flag}: {exc}", file=sys.stderr)
    except UnicodeDecodeError as exc:
        print(f"error: DATA: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})", file=sys.stderr)
    except OSError as exc:
        print(f"error: DATA: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
    return None


def cmd_train(args: argparse.Namespace) -> int:
    from .artifact import ARTIFACT_NAME, save
    from .coder import DEFAULT_ARTIFACT, load_coder
    from .data import load_annomi
    from .evaluation import format_report
    from .model_card import update_model_card
    from .training import cross_validate, fit_artifact

    dataset = load_annomi(args.data or default_data_path())
    out_dir = Path(args.out) if args.out else DEFAULT_ARTIFACT.parent
    report = None
    if not args.skip_cv:
        report = cross_validate(dataset, args.folds, progress=_progress)
        print(format_report(report, f"Transcript-grouped {args.folds}-fold CV (recorded in the model card)"))
        _write_json(str(out_dir / "cv_report.json"), report)
    meta = {
        "data_file": Path(dataset.path).name,
        "data_sha256": dataset.sha256,
        "n_transcripts": len(dataset.transcripts()),
        "n_utterances": len(dataset.utterances),
    }
    artifact = fit_artifact(list(dataset.utterances), meta)
    path = out_dir / ARTIFACT_NAME
    save(artifact, path)
    coder = load_coder(path)
    size = path.stat().st_size
    print(f"wrote {path} ({size / 1e6:.2f} MB), version {coder.version}")
    if report is not None:
        card = update_model_card(out_dir, report, coder, size)
        print(f"updated {card}")
    return 0


def _evaluate(coder: Coder, utterances: Sequence[Utterance], has_subtypes: bool) -> dict[str, Any]:
    from .evaluation import Predictions, collect, collect_robustness, reports, robustness_reports

    report = reports(collect(coder, utterances, has_subtypes, Predictions()), has_subtypes)
    perturbed = collect_robustness(coder, utterances, has_subtypes, {})
    report["robustness"] = robustness_reports(perturbed, has_subtypes)
    return report


def cmd_eval(args: argparse.Namespace) -> int:
    from .coder import load_coder
    from .evaluation import audit_report, collect_by_group, format_audit, format_report
    from .provenance import overlap

    dataset = _load(args.data, args.audit_by)
    if dataset is None:
        return EXIT_USAGE
    coder = load_coder(args.model)
    utterances = list(dataset.utterances)
    report = _evaluate(coder, utterances, dataset.has_subtypes)
    n_transcripts = len(dataset.transcripts())
    report["setup"] = {
        "coder_version": coder.version,
        "data": str(dataset.path),
        "data_sha256": dataset.sha256,
        "n_transcripts": n_transcripts,
        "n_utterances": len(dataset.utterances),
        "layout": "full" if dataset.has_subtypes else "simple",
    }
    # Scoring the model on what it was trained on measures memory, not skill. The artifact
    # records its training data's hash and size (the -simple.csv layout of the same data has
    # another hash but the same transcripts) and a fingerprint of every training utterance,
    # which also finds training transcripts inside a larger or re-exported CSV.
    meta = coder.meta
    same_file = dataset.sha256 == meta.get("data_sha256") or (
        n_transcripts,
        len(dataset.utterances),
    ) == (meta.get("n_transcripts"), meta.get("n_utterances"))
    known = coder.training_fingerprints
    found = overlap([(u.transcript_id, u.text) for u in utterances], known) if known.size else None
    seen_ids = set(found.seen) if found else set()
    seen = [t for t in dataset.transcripts() if t in seen_ids]  # in the CSV's order
    everything_seen = same_file or len(seen) == n_transcripts
    report["setup"]["is_training_data"] = everything_seen
    report["setup"]["training_overlap"] = (
        None
        if found is None
        else {"transcripts_seen": len(seen), "seen_transcript_ids": seen, "method": "utterance fingerprints"}
    )
    if everything_seen:
        note = "THE TRAINING DATA: resubstitution figures, not generalisation; see `make grader-cv`"
    elif seen:
        note = (
            f"{len(seen)} of {n_transcripts} transcripts were in its training data, "
            "so these figures are inflated; the table below leaves them out"
        )
    else:
        note = "no training on it" if found is not None else "no training on it per the file hash"
    print(format_report(report, f"{coder.version} on {Path(dataset.path).name} ({note})"))
    unseen = [u for u in utterances if u.transcript_id not in seen_ids]
    if seen and not everything_seen:
        report["unseen_only"] = _evaluate(coder, unseen, dataset.has_subtypes)
        name = Path(dataset.path).name
        title = f"{coder.version} on the {n_transcripts - len(seen)} transcripts of {name} it was not trained on"
        print()
        print(format_report(report["unseen_only"], title))
    if args.audit_by:
        # Training transcripts would flatter whichever groups they fall in: the audit is of
        # the unseen transcripts only, and of nothing when everything was seen.
        if everything_seen or not unseen:
            print(
                "\nno per-group audit: every transcript was in the coder's training data; "
                f"run `python -m practicum_coder cv --audit-by {args.audit_by}` for out-of-fold figures",
                file=sys.stderr,
            )
        else:
            pooled = report["unseen_only"] if seen else report
            by_group = collect_by_group(coder, unseen, dataset.has_subtypes, {})
            report["audit"] = audit_report(by_group, pooled, unseen, dataset.has_subtypes, args.audit_by)
            print()
            print(format_audit(report["audit"]))
    _write_json(args.out, report)
    return 0


class InputLineError(ValueError):
    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(f"line {line}: field '{field}': {message}")


def parse_jsonl(stream: TextIO) -> list[Any]:
    """Validated ``CoderInput``s from JSON Lines (raises ``InputLineError`` on the first bad line)."""
    from .coder import CoderInput
    from .vocab import normalise_speaker

    items = []
    number = 0
    lines = iter(stream)
    while True:
        number += 1
        try:
            raw = next(lines)
        except StopIteration:
            break
        except UnicodeDecodeError as exc:
            raise InputLineError(number, "<line>", f"not UTF-8 text ({exc.reason})") from None
        if number == 1:
            raw = raw.lstrip("\ufeff")  # a byte-order mark some editors and Windows tools write
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputLineError(number, "<line>", f"not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InputLineError(number, "<line>", "must be a JSON object")
        text = obj.get("text")
        if not isinstance(text, str):
            raise InputLineError(number, "text", "required, must be a string")
        speaker = obj.get("speaker")
        if not isinstance(speaker, str):
            raise InputLineError(number, "speaker", "required, must be 'trainee' or 'client'")
        try:
            normalise_speaker(speaker)
        except ValueError:
            raise InputLineError(number, "speaker", f"must be 'trainee' or 'client', got {speaker!r}") from None
        prev = obj.get("prev_client_text")
        if prev is not None and not isinstance(prev, str):
            raise InputLineError(number, "prev_client_text", "must be a string or null")
        # Optional: trainee lines sharing a conversation id are one conversation, in input
        # order (the sequence step). A number is accepted as its decimal text.
        conversation = obj.get("conversation")
        if isinstance(conversation, bool) or not isinstance(conversation, str | int | None):
            raise InputLineError(number, "conversation", "must be a string, an integer or null")
        if isinstance(conversation, str) and not conversation.strip():
            raise InputLineError(number, "conversation", "must not be blank")
        items.append(CoderInput(text, speaker, prev, None if conversation is None else str(conversation)))
    return items


def cmd_code(args: argparse.Namespace) -> int:
    from .coder import load_coder

    try:
        items = parse_jsonl(sys.stdin)
    except InputLineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    coder = load_coder(args.model)
    out = sys.stdout
    for turn in coder.code_batch(items):
        out.write(json.dumps({"code": turn.code, "subcode": turn.subcode, "confidence": turn.confidence}) + "\n")
    out.flush()
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_bench

    print(run_bench(args.model, args.data, n_batch=args.n, n_single=args.single, batch_size=args.batch_size))
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


AUDIT_HELP = (
    "also report every task per value of this CSV column (a population, dialect, site or scenario label), "
    "with each group's gap to the pooled macro-F1"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m practicum_coder", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="cross-validate, then fit on all the data and write the artifact + model card")
    p.add_argument("--data", help=f"AnnoMI CSV (default: {DATA_FILE} found beside the repo or ${DATA_ENV})")
    p.add_argument("--out", help="output directory (default: the package's model/ directory)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--skip-cv", action="store_true", help="fit only; leaves the model card's metrics as they are")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("cv", help="grouped cross-validation of every task")
    p.add_argument("--data")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--group-by",
        choices=GROUPINGS,
        default="transcript",
        help="hold out whole transcripts (default, the targets' protocol) or whole topics (stricter: unseen scenarios)",
    )
    p.add_argument("--out", help="write the full report as JSON here")
    p.add_argument("--no-calibration", action="store_true", help="skip temperature fitting (faster)")
    p.add_argument("--audit-by", metavar="COLUMN", help=AUDIT_HELP)
    p.set_defaults(func=cmd_cv)

    p = sub.add_parser("eval", help="score the committed model on a labelled CSV (no training on it)")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--model", help="artifact path (default: the committed one)")
    p.add_argument("--audit-by", metavar="COLUMN", help=AUDIT_HELP)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("code", help="code JSON Lines from stdin to stdout")
    p.add_argument("--model")
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("bench", help="throughput and latency on one thread")
    p.add_argument("--model")
    p.add_argument("--data", help="CSV whose utterances are used as the workload (default: the dev CSV)")
    p.add_argument("--n", type=int, default=5000, help="utterances coded in batches")
    p.add_argument("--single", type=int, default=1000, help="utterances coded one by one")
    p.add_argument("--batch-size", type=int, default=256)
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code
