"""Fitting the coder and cross-validating it, grouped by transcript.

Hyperparameters are fixed here, not searched per fold: they were chosen once during
development (by grouped CV on the dev data, see the model card) and every fold and the
final model use the same values, so no fold's test transcripts influence its own model.
Temperatures (calibration) are fitted on out-of-fold predictions *inside* each training
set, never on the fold being tested.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import heuristics
from .artifact import Artifact
from .coder import coder_from_artifact
from .data import GROUPINGS, Dataset, Utterance
from .evaluation import (
    Predictions,
    audit_report,
    collect,
    collect_by_group,
    collect_robustness,
    reports,
    robustness_reports,
)
from .features import DocCache, FeatureSpec, Turn, Vocabulary
from .linear import LinearModel, fit_logistic, fit_temperature
from .provenance import fingerprints
from .sequence import SEQUENCE_WEIGHT, SEQUENCE_WINDOW, SequenceModel, fit_sequence_model
from .session import fit_session_model, mi_score
from .vocab import ANNOMI_OTHER, ANNOMI_QUESTION, ANNOMI_REFLECTION, ANNOMI_THERAPIST_INPUT

SEED = 13
MIN_DF = 2
CALIBRATION_FOLDS = 3

# model -> (vocabulary group, feature blocks with weights). The client block is down-
# weighted: context helps, but the turn's own words must dominate.
SPECS: Mapping[str, tuple[str, FeatureSpec]] = {
    "behaviour": (
        "therapist",
        FeatureSpec((("word", 1.0), ("char", 1.0), ("client", 0.5), ("echo", 1.0), ("sent", 1.0)), dense=True),
    ),
    "question_form": ("question", FeatureSpec((("qform", 1.0), ("char", 0.5), ("qsyn", 1.0)))),
    "reflection_depth": ("therapist", FeatureSpec((("word", 1.0), ("echo", 1.0), ("sent", 1.0)), dense=True)),
    "input_subtype": ("therapist", FeatureSpec((("word", 1.0), ("char", 1.0), ("client", 0.5), ("sent", 1.0)))),
    "talk_type": ("client", FeatureSpec((("word", 1.0), ("char", 1.0)))),
}
# Inverse L2 strength per model (scikit-learn's C).
C_VALUES: Mapping[str, float] = {
    "behaviour": 2.0,
    "question_form": 1.0,
    "reflection_depth": 1.0,
    "input_subtype": 1.0,
    "talk_type": 1.0,
}
SESSION_C = 1.0
# Trainees type in a chat box and often leave out "?" ("what brings you here"); AnnoMI is
# transcribed speech in which every question has one, so a model trained on it alone learns
# that "?" *is* the question: without it, 726 of the 965 dev questions were coded as
# something else (79 now) and held-out behaviour macro-F1 fell from 0.74 to 0.54. These models also train on a
# copy of their rows with "?" removed, at this sample weight: it kept the punctuated figures
# while the "?"-less held-out figures rose by about 0.15 (copies stripped of all punctuation,
# at weight 0.3 or 1.0, cost 0.005-0.01 behaviour macro-F1; grouped CV, see the model card).
AUGMENT_NO_QUESTION_MARK: Mapping[str, float] = {"behaviour": 0.3, "question_form": 0.3}


def _rows(utterances: Sequence[Utterance], model: str) -> list[int]:
    """Indices of the training rows (with a usable label) of one model."""
    if model == "behaviour":
        return [i for i, u in enumerate(utterances) if u.is_therapist and u.behaviour]
    if model == "question_form":
        return [i for i, u in enumerate(utterances) if u.behaviour == ANNOMI_QUESTION and u.question_subtype]
    if model == "reflection_depth":
        return [i for i, u in enumerate(utterances) if u.behaviour == ANNOMI_REFLECTION and u.reflection_subtype]
    if model == "input_subtype":
        return [i for i, u in enumerate(utterances) if u.behaviour == ANNOMI_THERAPIST_INPUT and u.input_subtype]
    if model == "talk_type":
        return [i for i, u in enumerate(utterances) if not u.is_therapist and u.talk_type]
    raise KeyError(model)


def _label(u: Utterance, model: str) -> str:
    value = {
        "behaviour": u.behaviour,
        "question_form": u.question_subtype,
        "reflection_depth": u.reflection_subtype,
        "input_subtype": u.input_subtype,
        "talk_type": u.talk_type,
    }[model]
    assert value is not None
    return value


def _vocab_rows(utterances: Sequence[Utterance], group: str) -> list[int]:
    if group == "therapist":
        return [i for i, u in enumerate(utterances) if u.is_therapist]
    if group == "question":
        return _rows(utterances, "question_form")
    return [i for i, u in enumerate(utterances) if not u.is_therapist]


def make_turns(utterances: Sequence[Utterance]) -> DocCache:
    # Client turns are featurised without context: that is how the service codes them.
    return DocCache([Turn(u.text, u.prev_client_text if u.is_therapist else None) for u in utterances])


def _group_key(u: Utterance, group_by: str) -> str:
    if group_by == "transcript":
        return u.transcript_id
    if group_by == "topic":
        return u.topic or f"transcript:{u.transcript_id}"  # no topic: the transcript alone
    raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}, got {group_by!r}")


def assign_folds(
    utterances: Sequence[Utterance], k: int, seed: int = SEED, group_by: str = "transcript"
) -> dict[str, int]:
    """Transcript -> fold; every transcript of a group (itself, or its topic) in one fold.

    Groups are stratified by MI quality (a group holding any low-quality transcript counts
    as low, so every fold gets low-quality sessions for the session AUC) and balanced by
    utterance count (transcripts range from 6 to ~400 utterances); seeded, so the folds are
    the same on every run."""
    group = {u.transcript_id: _group_key(u, group_by) for u in utterances}
    size = Counter(group[u.transcript_id] for u in utterances)
    qualities: dict[str, set[str]] = {}
    for u in utterances:
        qualities.setdefault(group[u.transcript_id], set()).add(u.mi_quality or "unknown")
    stratum_of = {g: "low" if "low" in q else min(q) for g, q in qualities.items()}
    rng = random.Random(seed)
    group_fold: dict[str, int] = {}
    totals = [0] * k
    for stratum in sorted(set(stratum_of.values())):
        members = sorted(g for g in size if stratum_of[g] == stratum)
        rng.shuffle(members)
        members.sort(key=lambda g: -size[g])  # stable: equal sizes keep the shuffled order
        counts = [0] * k
        for g in members:
            f = min(range(k), key=lambda i: (counts[i], totals[i], i))
            group_fold[g] = f
            counts[f] += 1
            totals[f] += size[g]
    return {t: group_fold[g] for t, g in group.items()}


@dataclass(frozen=True)
class _Fitted:
    vocabularies: dict[str, dict[str, Vocabulary]]
    models: dict[str, LinearModel]


def _fit_models(
    cache: DocCache, utterances: Sequence[Utterance], train_idx: Sequence[int], models: Sequence[str]
) -> _Fitted:
    """Vocabularies and linear models on the rows ``train_idx`` of ``cache``."""
    subset = [utterances[i] for i in train_idx]
    vocabularies: dict[str, dict[str, Vocabulary]] = {}
    for group in sorted({SPECS[m][0] for m in models}):
        rows = [train_idx[j] for j in _vocab_rows(subset, group)]
        blocks = sorted({b for m in models if SPECS[m][0] == group for b, _ in SPECS[m][1].blocks})
        # A group whose models all train on the "?"-less copies also takes its terms from them
        # (open/closed: +0.016 on "?"-less turns). The therapist group is shared with the
        # reflection and input-subtype models, which do not, so it keeps the original text.
        sources = [cache]
        if all(m in AUGMENT_NO_QUESTION_MARK for m in models if SPECS[m][0] == group):
            sources.append(cache.without_question_marks())
        vocabularies[group] = {
            b: Vocabulary.fit((src.docs(b)[i] for src in sources for i in rows), min_df=MIN_DF) for b in blocks
        }
    fitted: dict[str, LinearModel] = {}
    for model in models:
        group, spec = SPECS[model]
        rows = [train_idx[j] for j in _rows(subset, model)]
        labels = [_label(utterances[i], model) for i in rows]
        if len(set(labels)) < 2:
            raise ValueError(f"not enough labelled data to fit {model!r} (classes: {sorted(set(labels))})")
        x = cache.matrix(rows, spec, vocabularies[group])
        weights = None
        if model in AUGMENT_NO_QUESTION_MARK:
            x = sp.vstack([x, cache.without_question_marks().matrix(rows, spec, vocabularies[group])], format="csr")
            labels = labels * 2
            weights = np.concatenate([np.ones(len(rows)), np.full(len(rows), AUGMENT_NO_QUESTION_MARK[model])])
        fitted[model] = fit_logistic(x, labels, C_VALUES[model], sample_weight=weights)
    return _Fitted(vocabularies, fitted)


def _calibrate(
    cache: DocCache, utterances: Sequence[Utterance], train_idx: Sequence[int], fitted: _Fitted
) -> dict[str, LinearModel]:
    """Per-model temperatures from out-of-fold logits of an inner grouped split."""
    subset = [utterances[i] for i in train_idx]
    folds = assign_folds(subset, CALIBRATION_FOLDS, SEED + 1)
    logits: dict[str, list[np.ndarray]] = {m: [] for m in fitted.models}
    gold: dict[str, list[str]] = {m: [] for m in fitted.models}
    for f in range(CALIBRATION_FOLDS):
        inner_train = [train_idx[j] for j, u in enumerate(subset) if folds[u.transcript_id] != f]
        inner_test = [train_idx[j] for j, u in enumerate(subset) if folds[u.transcript_id] == f]
        try:
            inner = _fit_models(cache, utterances, inner_train, list(fitted.models))
        except ValueError:
            continue  # a tiny training set may lack a class in some inner fold
        test_subset = [utterances[i] for i in inner_test]
        for model, lm in inner.models.items():
            group, spec = SPECS[model]
            rows = [inner_test[j] for j in _rows(test_subset, model)]
            # A rare class (the input subtype "options": 23 turns) can be
            # missing from an inner training split. Its rows are left out and its column
            # gets a logit far below the others (the inner model cannot predict it), so the
            # split's other rows still count instead of the whole split being dropped.
            rows = [i for i in rows if _label(utterances[i], model) in lm.classes]
            if not rows:
                continue
            z = lm.logits(cache.matrix(rows, spec, inner.vocabularies[group]))
            # Align the inner model's class order with the final model's.
            final_classes = fitted.models[model].classes
            aligned = np.repeat(z.min(axis=1, keepdims=True) - 30.0, len(final_classes), axis=1)
            for j, c in enumerate(final_classes):
                if c in lm.classes:
                    aligned[:, j] = z[:, lm.classes.index(c)]
            logits[model].append(aligned)
            gold[model].extend(_label(utterances[i], model) for i in rows)
    out = {}
    for model, lm in fitted.models.items():
        if logits[model]:
            out[model] = lm.with_temperature(fit_temperature(np.vstack(logits[model]), gold[model], lm.classes))
        else:
            out[model] = lm
    return out


def gold_codes(utterances: Sequence[Utterance]) -> list[tuple[str, str]]:
    """(code, subcode) of each labelled therapist turn from the expert labels, with the
    MITI heuristics applied as the coder would (the session model learns from these)."""
    out = []
    for u in utterances:
        if not u.is_therapist or not u.behaviour:
            continue
        if u.behaviour == ANNOMI_QUESTION:
            out.append((ANNOMI_QUESTION, u.question_subtype or "closed"))
        elif u.behaviour == ANNOMI_REFLECTION:
            out.append((ANNOMI_REFLECTION, u.reflection_subtype or "simple"))
        else:
            turn = Turn(u.text, u.prev_client_text)
            subtype = (u.input_subtype or "information") if u.behaviour == ANNOMI_THERAPIST_INPUT else ""
            cls = ANNOMI_THERAPIST_INPUT if u.behaviour == ANNOMI_THERAPIST_INPUT else ANNOMI_OTHER
            out.append((heuristics.refine(cls, turn.norm, subtype, turn.client_norm).code, ""))
    return out


@dataclass(frozen=True)
class _Code:
    code: str
    subcode: str


def _session_model_rows(utterances: Sequence[Utterance]) -> tuple[list[float], list[str]]:
    by_transcript: dict[str, list[Utterance]] = {}
    for u in utterances:
        by_transcript.setdefault(u.transcript_id, []).append(u)
    rows, labels = [], []
    for _, utts in sorted(by_transcript.items()):
        quality = next((u.mi_quality for u in utts if u.mi_quality), None)
        if quality is None:
            continue
        rows.append(mi_score(_Code(c, s) for c, s in gold_codes(utts)))
        labels.append(quality)
    return rows, labels


def _sequence_model(utterances: Sequence[Utterance], classes: Sequence[str]) -> SequenceModel:
    """Transitions between the expert labels of consecutive therapist turns, per transcript
    (utterances are in transcript order, see ``data.load_annomi``)."""
    by_transcript: dict[str, list[str]] = {}
    for u in utterances:
        if u.is_therapist and u.behaviour:
            by_transcript.setdefault(u.transcript_id, []).append(u.behaviour)
    return fit_sequence_model(
        (by_transcript[t] for t in sorted(by_transcript)), classes, SEQUENCE_WEIGHT, SEQUENCE_WINDOW
    )


def fit_artifact(
    utterances: Sequence[Utterance],
    meta: Mapping[str, Any],
    *,
    calibrate: bool = True,
    cache: DocCache | None = None,
    train_idx: Sequence[int] | None = None,
) -> Artifact:
    """Fit every model on ``utterances`` (or its rows ``train_idx``) into an artifact."""
    cache = cache or make_turns(utterances)
    idx = list(range(len(utterances))) if train_idx is None else list(train_idx)
    fitted = _fit_models(cache, utterances, idx, list(SPECS))
    models = _calibrate(cache, utterances, idx, fitted) if calibrate else fitted.models
    rows, labels = _session_model_rows([utterances[i] for i in idx])
    if len(set(labels)) < 2:
        raise ValueError("the session model needs transcripts of both MI qualities")
    session = fit_session_model(rows, labels, SESSION_C)
    sequence = _sequence_model([utterances[i] for i in idx], models["behaviour"].classes)
    full_meta = {
        **meta,
        "hyperparameters": {
            "C": dict(C_VALUES),
            "session_C": SESSION_C,
            "min_df": MIN_DF,
            "seed": SEED,
            "augment_no_question_mark": dict(AUGMENT_NO_QUESTION_MARK),
            "sequence_weight": SEQUENCE_WEIGHT,
            "sequence_window": SEQUENCE_WINDOW,
        },
        "temperatures": {m: round(lm.temperature, 4) for m, lm in models.items()},
        "n_features": {m: int(lm.coef.shape[1]) for m, lm in models.items()},
        "session_calibration": {"slope": round(session.slope, 4), "intercept": round(session.intercept, 4)},
    }
    known = fingerprints(utterances[i].text for i in idx)
    return Artifact(fitted.vocabularies, models, SPECS, session, full_meta, known, sequence)


def cross_validate(
    dataset: Dataset,
    k: int = 5,
    seed: int = SEED,
    *,
    calibrate: bool = True,
    group_by: str = "transcript",
    progress: Callable[[str], None] | None = None,
    audit_column: str | None = None,
) -> dict[str, Any]:
    """Grouped k-fold CV of every task (by transcript, or stricter by topic: see
    ``GROUPINGS``); pooled metrics over the k test folds. With ``audit_column`` (the
    column the dataset was loaded with), also per group of it (``report["audit"]``)."""
    utterances = list(dataset.utterances)
    cache = make_turns(utterances)
    folds = assign_folds(utterances, k, seed, group_by)
    predictions = Predictions()
    perturbed: dict[str, Predictions] = {}
    by_group: dict[str, Predictions] = {}
    for f in range(k):
        train_idx = [i for i, u in enumerate(utterances) if folds[u.transcript_id] != f]
        test = [u for u in utterances if folds[u.transcript_id] == f]
        artifact = fit_artifact(utterances, {}, calibrate=calibrate, cache=cache, train_idx=train_idx)
        fold_coder = coder_from_artifact(artifact)
        collect(fold_coder, test, dataset.has_subtypes, predictions)
        collect_robustness(fold_coder, test, dataset.has_subtypes, perturbed)
        if audit_column is not None:
            collect_by_group(fold_coder, test, dataset.has_subtypes, by_group)
        if progress:
            progress(f"fold {f + 1}/{k}: {len({u.transcript_id for u in test})} transcripts, {len(test)} utterances")
    report = reports(predictions, dataset.has_subtypes)
    report["robustness"] = robustness_reports(perturbed, dataset.has_subtypes)
    if audit_column is not None:
        report["audit"] = audit_report(by_group, report, utterances, dataset.has_subtypes, audit_column)
    report["setup"] = {
        "folds": k,
        "seed": seed,
        "grouping": f"{'transcript_id' if group_by == 'transcript' else 'topic'} "
        "(stratified by mi_quality, balanced by size)",
        "data_sha256": dataset.sha256,
        "n_transcripts": len(folds),
        "n_utterances": len(utterances),
        "calibrated": calibrate,
    }
    return report
