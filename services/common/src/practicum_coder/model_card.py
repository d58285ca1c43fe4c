"""Writes the measured part of MODEL_CARD.md (between markers) after ``train``.

The narrative (intended use, limitations, method) is written by people; the numbers are
written by the training run that produced the artifact, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .coder import DEFAULT_ARTIFACT, Coder
from .evaluation import format_report

START = "<!-- generated:metrics:start (python -m practicum_coder train) -->"
END = "<!-- generated:metrics:end -->"
CARD_NAME = "MODEL_CARD.md"


def card_path(out_dir: Path) -> Path:
    # The committed card sits beside the package code; a training run elsewhere gets its own.
    if out_dir.resolve() == DEFAULT_ARTIFACT.parent.resolve():
        return DEFAULT_ARTIFACT.parent.parent / CARD_NAME
    return out_dir / CARD_NAME


def render_metrics(report: Mapping[str, Any], coder: Coder, artifact_bytes: int) -> str:
    meta = coder.meta
    setup = report.get("setup", {})
    lines = [
        START,
        "",
        f"- Coder version: `{coder.version}` (artifact `model/coder.npz`, {artifact_bytes / 1e6:.2f} MB, "
        f"sha256 `{coder.artifact_sha256[:16]}...`)",
        f"- Training data: `{meta.get('data_file')}`, sha256 `{meta.get('data_sha256')}`, "
        f"{meta.get('n_transcripts')} transcripts, {meta.get('n_utterances')} utterances",
        f"- Cross-validation: {setup.get('folds')} folds grouped by {setup.get('grouping')}, seed {setup.get('seed')}; "
        "metrics pooled over the held-out folds",
        f"- Hyperparameters (fixed, not tuned per fold): `{meta.get('hyperparameters')}`",
        f"- Calibration temperatures (fitted on inner out-of-fold logits): `{meta.get('temperatures')}`",
        f"- Session score calibration: `{meta.get('session_calibration')}`",
        "",
        "```text",
        format_report(report, "Cross-validation (transcript-grouped)"),
        "```",
        "",
        "How often each MITI heuristic fired in CV, by the AnnoMI gold class of the turn "
        "(the heuristics act inside the predicted class, except: the "
        "`directive->`, "
        "`confrontation->`, `warning->`, `lecture->` and `self_disclosure->` rows, where the override moves a "
        "predicted reflection or other to therapist input; the `affirmation->` and "
        "`reassurance->` rows, where it moves a predicted reflection or therapist input to other; and the MITI recodes "
        "(`permission_question`, `advice_question`, `lecture_question`, `autonomy_statement`, "
        "`collaboration_statement`), which change the MITI code and keep the predicted class; "
        "rules that never fired have no row):",
        "",
        "| rule | gold question | gold reflection | gold therapist_input | gold other |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for rule, by_gold in report.get("heuristic_rules", {}).items():
        cells = [str(by_gold.get(c, 0)) for c in ("question", "reflection", "therapist_input", "other")]
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    for rule, by_gold in report.get("client_heuristic_rules", {}).items():
        gold = ", ".join(f"{t} {by_gold.get(t, 0)}" for t in ("change", "neutral", "sustain"))
        lines += ["", f"Client talk-type rule `{rule}` fired in CV on turns whose gold talk type is: {gold}."]
    moves = report.get("sequence_moves", {})
    if moves:
        lines += [
            "",
            "Turns the sequence step moved in CV (the class the model gave the turn alone -> the class it was "
            "finally coded, after the step and the heuristics, so `other -> other` is a turn the step moved and an "
            "override moved back), by the AnnoMI gold class of the turn:",
            "",
            "| move | gold question | gold reflection | gold therapist_input | gold other |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for move, by_gold in moves.items():
            cells = [str(by_gold.get(c, 0)) for c in ("question", "reflection", "therapist_input", "other")]
            lines.append(f"| {move} | " + " | ".join(cells) + " |")
    counts = report.get("fine_code_counts", {})
    lines += ["", "Fine codes assigned in CV: " + ", ".join(f"{k} {v}" for k, v in counts.items()), "", END]
    return "\n".join(lines)


def update_model_card(out_dir: Path, report: Mapping[str, Any], coder: Coder, artifact_bytes: int) -> Path:
    path = card_path(out_dir)
    block = render_metrics(report, coder, artifact_bytes)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            text = head + block + tail
        else:
            text = text.rstrip() + "\n\n## Measured metrics\n\n" + block + "\n"
    else:
        text = "# practicum_coder model card\n\n## Measured metrics\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
    return path
