"""Scoring a coder against AnnoMI labels: the shared core of ``cv`` and ``eval``.

Tasks (gold from the CSV, prediction from the coder):

* ``therapist_behaviour``: AnnoMI's 4 classes, predicted ``annomi_class`` vs the label.
* ``question_open_closed``: on turns experts labelled *question* with a subtype, the
  open/closed model's answer (conditional on the gold class, as in the AnnoMI papers, so it
  measures the subtype model, not the cascade's class errors).
* ``reflection_simple_complex``: the same for reflections.
* ``input_subtype``: the same for therapist input (information/advice/negotiation/options);
  no target, reported because the MITI input codes start from it.
* ``client_talk_type``: change / neutral / sustain on client turns.
* ``session_quality``: ROC AUC of P(high) from the coded turns of each transcript vs its
  ``mi_quality``.

Subtype tasks are "not available" when the CSV has no subtype columns (the -simple layout).

Robustness: the same trainee turns typed as people type in a chat box (no "?", no
punctuation at all, no apostrophes, or chat shorthand: "u", "ur", "ok" and no apostrophes),
scored on the tasks punctuation decides most (behaviour, open/closed). AnnoMI is transcribed
speech, so these rows say how much of a figure rests on its spelling and punctuation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .coder import Coder, CoderInput
from .data import Utterance
from .features import without_question_marks
from .metrics import TaskReport, roc_auc, task_report
from .vocab import (
    ANNOMI_THERAPIST_CLASSES,
    CLIENT_TALK_TYPES,
    QUESTION_SUBCODES,
    REFLECTION_SUBCODES,
    THERAPIST_INPUT_SUBTYPES,
)

TASK_LABELS: Mapping[str, tuple[str, ...]] = {
    "therapist_behaviour": ANNOMI_THERAPIST_CLASSES,
    "question_open_closed": QUESTION_SUBCODES,
    "reflection_simple_complex": REFLECTION_SUBCODES,
    "input_subtype": THERAPIST_INPUT_SUBTYPES,
    "client_talk_type": CLIENT_TALK_TYPES,
}
SUBTYPE_TASKS: Mapping[str, tuple[str, str, str]] = {
    # task -> (coder sub-model, gold class, Utterance attribute)
    "question_open_closed": ("question_form", "question", "question_subtype"),
    "reflection_simple_complex": ("reflection_depth", "reflection", "reflection_subtype"),
    "input_subtype": ("input_subtype", "therapist_input", "input_subtype"),
}
_PUNCTUATION = re.compile(r"[.?!,;:]")
_APOSTROPHE = re.compile(r"['\u2019]")
# Chat shorthand as people type it; "you're" and "your" both become "ur".
_SHORTHAND: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\byou(?:'|\u2019)?re\b|\byour\b", re.IGNORECASE), "ur"),
    (re.compile(r"\byou\b", re.IGNORECASE), "u"),
    (re.compile(r"\bokay\b", re.IGNORECASE), "ok"),
)


def _texting(text: str) -> str:
    for pattern, short in _SHORTHAND:
        text = pattern.sub(short, text)
    return _APOSTROPHE.sub("", text)


# Only the trainee's own text changes: the client is simulated and punctuates.
PERTURBATIONS: Mapping[str, Callable[[str], str]] = {
    "no_question_marks": without_question_marks,
    "no_punctuation": lambda text: _PUNCTUATION.sub("", text),
    "no_apostrophes": lambda text: _APOSTROPHE.sub("", text),
    "texting": _texting,
}
ROBUSTNESS_TASKS: tuple[str, ...] = ("therapist_behaviour", "question_open_closed")
# (metric, threshold) the project set for each task; None = reported, no target.
TARGETS: Mapping[str, tuple[str, float] | None] = {
    "therapist_behaviour": ("macro_f1", 0.75),
    "therapist_behaviour/kappa": ("kappa", 0.68),
    "question_open_closed": ("macro_f1", 0.85),
    "reflection_simple_complex": ("macro_f1", 0.70),
    "input_subtype": None,
    "client_talk_type": ("macro_f1", 0.58),
    "session_quality": ("roc_auc", 0.90),
}


@dataclass
class Predictions:
    """Gold and predicted labels per task, accumulated over one CSV or over CV folds."""

    gold: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    pred: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    confidence: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # (transcript id, gold quality, P(high)) per transcript.
    sessions: list[tuple[str, str, float]] = field(default_factory=list)
    # Heuristic rule -> how many turns it decided, and on which AnnoMI gold class.
    rules: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    # The same for the client-turn rule (talk type), by gold talk type.
    client_rules: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    fine_codes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Turns the sequence step moved ("<class alone> -> <class coded>"), by gold class.
    sequence_moves: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, task: str, gold: str, pred: str, confidence: float) -> None:
        self.gold[task].append(gold)
        self.pred[task].append(pred)
        self.confidence[task].append(confidence)


def collect(coder: Coder, utterances: Sequence[Utterance], has_subtypes: bool, into: Predictions) -> Predictions:
    """Code every utterance and add gold/prediction pairs to ``into``. A transcript's
    trainee turns are one conversation (the sequence step), in the order given."""
    items = [
        CoderInput(u.text, "trainee", u.prev_client_text, conversation=u.transcript_id)
        if u.is_therapist
        else CoderInput(u.text, "client")
        for u in utterances
    ]
    explained = coder.explain_batch(items)
    # The session score reads each turn coded alone (see ``Coder.score_session``).
    alone = coder.code_batch([replace(item, conversation=None) for item in items])
    by_transcript: dict[str, list[Any]] = defaultdict(list)
    quality: dict[str, str] = {}
    for u, e, turn_alone in zip(utterances, explained, alone, strict=True):
        by_transcript[u.transcript_id].append(turn_alone)
        if u.mi_quality:
            quality[u.transcript_id] = u.mi_quality
        if u.is_therapist:
            into.fine_codes[e.turn.code] += 1
            if e.rule:
                into.rules[e.rule][u.behaviour or "unlabelled"] += 1
            if e.sequence_moved_from:
                into.sequence_moves[f"{e.sequence_moved_from} -> {e.turn.annomi_class}"][
                    u.behaviour or "unlabelled"
                ] += 1
            if u.behaviour:
                p_class = max(e.class_proba) if e.class_proba else e.turn.confidence
                into.add("therapist_behaviour", u.behaviour, e.turn.annomi_class, p_class)
        else:
            if e.rule:
                into.client_rules[e.rule][u.talk_type or "unlabelled"] += 1
            if u.talk_type:
                into.add("client_talk_type", u.talk_type, e.turn.code, e.turn.confidence)

    if has_subtypes:
        for task, (model, gold_class, attr) in SUBTYPE_TASKS.items():
            rows = [u for u in utterances if u.behaviour == gold_class and getattr(u, attr)]
            if not rows:
                continue
            preds = coder.predict_subtype(model, [CoderInput(u.text, "trainee", u.prev_client_text) for u in rows])
            for u, (label, p) in zip(rows, preds, strict=True):
                into.add(task, str(getattr(u, attr)), label, p)

    for transcript_id, turns in by_transcript.items():
        if transcript_id in quality:
            into.sessions.append((transcript_id, quality[transcript_id], coder.score_session(turns).probability_high))
    return into


def collect_robustness(
    coder: Coder, utterances: Sequence[Utterance], has_subtypes: bool, into: dict[str, Predictions]
) -> dict[str, Predictions]:
    """Code the trainee turns once per perturbation (``PERTURBATIONS``) into ``into[name]``."""
    therapist = [u for u in utterances if u.is_therapist]
    for name, perturb in PERTURBATIONS.items():
        changed = [replace(u, text=perturb(u.text)) for u in therapist]
        collect(coder, changed, has_subtypes, into.setdefault(name, Predictions()))
    return into


def robustness_reports(by_perturbation: Mapping[str, Predictions], has_subtypes: bool) -> dict[str, Any]:
    """Macro-F1 and kappa of ``ROBUSTNESS_TASKS`` per perturbation (JSON-ready)."""
    out: dict[str, Any] = {}
    for name, predictions in by_perturbation.items():
        tasks = reports(predictions, has_subtypes)["tasks"]
        out[name] = {
            task: {"macro_f1": tasks[task]["macro_f1"], "kappa": tasks[task]["kappa"]}
            for task in ROBUSTNESS_TASKS
            if tasks[task].get("available")
        }
    return out


def reports(predictions: Predictions, has_subtypes: bool) -> dict[str, Any]:
    """Per-task metrics (JSON-ready) from accumulated predictions."""
    out: dict[str, Any] = {"tasks": {}}
    for task, labels in TASK_LABELS.items():
        if task in SUBTYPE_TASKS and not has_subtypes:
            out["tasks"][task] = {"task": task, "available": False, "reason": "the CSV has no subtype columns"}
            continue
        if not predictions.gold.get(task):
            out["tasks"][task] = {"task": task, "available": False, "reason": "no labelled rows"}
            continue
        report: TaskReport = task_report(
            task, predictions.gold[task], predictions.pred[task], labels, predictions.confidence[task]
        )
        out["tasks"][task] = {"available": True, **report.to_json()}
    qualities = [q for _, q, _ in predictions.sessions]
    auc = roc_auc([1 if q == "high" else 0 for q in qualities], [p for _, _, p in predictions.sessions])
    out["session_quality"] = {
        "available": auc is not None,
        "roc_auc": None if auc is None else round(auc, 4),
        "n_sessions": len(qualities),
        "n_high": qualities.count("high"),
        "n_low": qualities.count("low"),
        **(
            {}
            if auc is not None
            else {
                "reason": "needs transcripts of both qualities"
                if qualities
                else "no transcript has an mi_quality label (high / low)"
            }
        ),
    }
    out["heuristic_rules"] = {rule: dict(by_gold) for rule, by_gold in sorted(predictions.rules.items())}
    out["client_heuristic_rules"] = {rule: dict(by_gold) for rule, by_gold in sorted(predictions.client_rules.items())}
    out["sequence_moves"] = {move: dict(by_gold) for move, by_gold in sorted(predictions.sequence_moves.items())}
    out["fine_code_counts"] = dict(sorted(predictions.fine_codes.items()))
    return out


def _target_text(key: str, value: float | None) -> str:
    target = TARGETS.get(key)
    if target is None or value is None:
        return ""
    return f"{'>=':>3} {target[1]:.2f} {'met' if value >= target[1] else 'NOT met'}"


def _in_task_order(items: Mapping[str, Any], order: Sequence[str]) -> list[tuple[str, Any]]:
    # A report read back from JSON has its keys sorted; print it as the code wrote it, so a
    # model card regenerated from cv_report.json matches the one training wrote.
    rank = {name: i for i, name in enumerate(order)}
    return sorted(items.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def format_report(report: Mapping[str, Any], title: str) -> str:
    """A readable table of the headline numbers, with the project's targets."""
    tasks = _in_task_order(report["tasks"], list(TASK_LABELS))
    lines = [title, "=" * len(title)]
    header = f"{'task':<28}{'n':>6}{'macro-F1':>10}{'kappa':>8}{'acc':>7}{'ECE':>7}   target"
    lines += [header, "-" * len(header)]
    for task, r in tasks:
        if not r.get("available"):
            lines.append(f"{task:<28}{'':>6}  not available ({r.get('reason', '')})")
            continue
        ece = "" if r.get("ece") is None else f"{r['ece']:.3f}"
        target = _target_text(task, r["macro_f1"])
        if task == "therapist_behaviour":
            target += f"; kappa {_target_text('therapist_behaviour/kappa', r['kappa']).strip()}"
        lines.append(
            f"{task:<28}{r['n']:>6}{r['macro_f1']:>10.3f}{r['kappa']:>8.3f}{r['accuracy']:>7.3f}{ece:>7}   {target}"
        )
    s = report["session_quality"]
    if s["available"]:
        lines.append(
            f"{'session_quality (ROC AUC)':<28}{s['n_sessions']:>6}{s['roc_auc']:>10.3f}"
            f"{'':>22}   {_target_text('session_quality', s['roc_auc'])}  ({s['n_high']} high / {s['n_low']} low)"
        )
    else:
        lines.append(f"{'session_quality (ROC AUC)':<28}{s['n_sessions']:>6}  not available ({s.get('reason', '')})")
    robustness = report.get("robustness")
    if robustness:
        lines += ["", "robustness, the same trainee turns typed as in a chat box (macro-F1 / kappa):"]
        for name, by_task in _in_task_order(robustness, list(PERTURBATIONS)):
            cells = [
                f"{task} {r['macro_f1']:.3f} / {r['kappa']:.3f}"
                for task, r in _in_task_order(by_task, ROBUSTNESS_TASKS)
            ]
            lines.append(f"  {name}: " + "; ".join(cells))
    lines.append("")
    lines.append("per-class F1 (precision / recall / support):")
    for task, r in tasks:
        if not r.get("available"):
            continue
        cells = [
            f"{label} {c['f1']:.3f} ({c['precision']:.2f}/{c['recall']:.2f}/{c['support']})"
            for label, c in _in_task_order(r["per_class"], list(TASK_LABELS.get(task, ())))
        ]
        lines.append(f"  {task}: " + "; ".join(cells))
    return "\n".join(lines)


# --- per-group audit ------------------------------------------------------------------
# The product brief's equity mitigation: the same metrics for each group of a labelled
# CSV (a population, dialect, site or scenario column), next to the pooled figure, so a
# group the coder serves worse shows up before its codes are relied on.

AUDIT_TASKS = ("therapist_behaviour", "question_open_closed", "reflection_simple_complex", "client_talk_type")
# A group's figures are printed whatever its size but only judged from this many labelled
# turns: the macro-F1 of a few dozen turns moves by about +/-0.1 from one sample to another;
# and from this many transcripts, because one conversation's turns share a counsellor, a
# client and a style, so a single transcript's gap says more about them than the group.
AUDIT_MIN_N = 50
AUDIT_MIN_TRANSCRIPTS = 3
NO_GROUP = "(no value)"


def collect_by_group(
    coder: Coder, utterances: Sequence[Utterance], has_subtypes: bool, into: dict[str, Predictions]
) -> dict[str, Predictions]:
    """``collect`` once per ``audit_group``, into ``into[group]`` (context stays the whole
    transcript's: a turn's preceding client utterance is whatever it was)."""
    by_group: dict[str, list[Utterance]] = defaultdict(list)
    for u in utterances:
        by_group[u.audit_group or NO_GROUP].append(u)
    for group, rows in by_group.items():
        collect(coder, rows, has_subtypes, into.setdefault(group, Predictions()))
    return into


def audit_report(
    by_group: Mapping[str, Predictions],
    pooled: Mapping[str, Any],
    utterances: Sequence[Utterance],
    has_subtypes: bool,
    column: str,
    min_n: int = AUDIT_MIN_N,
    min_transcripts: int = AUDIT_MIN_TRANSCRIPTS,
) -> dict[str, Any]:
    """Per group and task: n, macro-F1, kappa and the gap to the pooled macro-F1 (JSON-ready);
    plus, per task, the judged group furthest below the pooled figure."""
    transcripts: dict[str, set[str]] = defaultdict(set)
    for u in utterances:
        transcripts[u.audit_group or NO_GROUP].add(u.transcript_id)
    groups: dict[str, Any] = {}
    for group, predictions in sorted(by_group.items()):
        tasks = reports(predictions, has_subtypes)["tasks"]
        cells = {}
        for task in AUDIT_TASKS:
            r = tasks.get(task, {})
            if r.get("available") and pooled["tasks"].get(task, {}).get("available"):
                cells[task] = {
                    "n": r["n"],
                    "macro_f1": r["macro_f1"],
                    "kappa": r["kappa"],
                    "gap": round(r["macro_f1"] - pooled["tasks"][task]["macro_f1"], 4),
                    "judged": r["n"] >= min_n and len(transcripts[group]) >= min_transcripts,
                }
        groups[group] = {"n_transcripts": len(transcripts[group]), "tasks": cells}
    worst: dict[str, Any] = {}
    for task in AUDIT_TASKS:
        judged = [
            (g["tasks"][task]["gap"], name) for name, g in groups.items() if g["tasks"].get(task, {}).get("judged")
        ]
        if judged:
            gap, name = min(judged)
            worst[task] = {"group": name, "gap": gap, "groups_judged": len(judged)}
    return {"column": column, "min_n": min_n, "min_transcripts": min_transcripts, "groups": groups, "worst": worst}


def format_audit(audit: Mapping[str, Any]) -> str:
    """The audit as a table, weakest therapist-behaviour group first."""
    short = {
        "therapist_behaviour": "behaviour",
        "question_open_closed": "open/closed",
        "reflection_simple_complex": "simple/complex",
        "client_talk_type": "talk type",
    }
    title = f"Per-group audit by {audit['column']!r} (macro-F1, gap to the pooled figure, n labelled turns)"
    lines = [title, "=" * len(title)]
    header = f"{'group':<34}{'transcripts':>12}" + "".join(f"{short[t]:>24}" for t in AUDIT_TASKS)
    lines += [header, "-" * len(header)]

    def order(item: tuple[str, Any]) -> float:
        cell = item[1]["tasks"].get("therapist_behaviour")
        return cell["macro_f1"] if cell else 2.0

    for name, group in sorted(audit["groups"].items(), key=order):
        cells = []
        for task in AUDIT_TASKS:
            c = group["tasks"].get(task)
            if c is None:
                cells.append(f"{'-':>24}")
                continue
            mark = "" if c["judged"] else "*"
            cells.append(f"{c['macro_f1']:>9.3f} {c['gap']:>+7.3f} {c['n']:>5}{mark:1}")
        lines.append(f"{name[:33]:<34}{group['n_transcripts']:>12}" + "".join(cells))
    lines.append(
        f"* fewer than {audit['min_n']} labelled turns, or the group has fewer than "
        f"{audit['min_transcripts']} transcripts: shown, not judged"
    )
    for task, w in audit["worst"].items():
        lines.append(
            f"weakest judged group, {short[task]}: {w['group']} ({w['gap']:+.3f} of {w['groups_judged']} judged)"
        )
    return "\n".join(lines)
