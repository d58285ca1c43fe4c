"""The crisis-checklist lexicons measured on our own hand-written evaluation sets.

``data/crisis_eval*.jsonl``: one utterance per line with ``text``, ``detector``, ``label``
and optional ``category`` / ``note``. Trainee utterances for the suicide question, plan,
means, safe storage, validation, crisis-line and offer-to-connect detectors; client
utterances for the warning-sign lexicon; positives typed the way novices type in a chat
box as well as well-formed, and hard negatives for each (idioms, everyday uses of the
same words, someone else's suicide, past visits to the ER, adherence to medication).

Written by the developers, not a validated clinical instrument. ``crisis_eval.jsonl`` was
the development set (measured once before any change); ``crisis_eval_holdout.jsonl`` was
written after the first round and measured once before the second round used it;
``crisis_eval_holdout2.jsonl`` was written after the second round, measured once, and has
not been used to change anything: it is the honest figure for new wording. The first
two are in-sample now, so their floors guard against regressions, not generalisation.
Figures before and after are in the ``crisis`` module docstring and the grading README.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from practicum_grading.domain.crisis import (
    AskStyle,
    asks_about_plan,
    classify_suicide_ask,
    discusses_safe_storage,
    mentions_crisis_line,
    offers_to_connect,
    risk_assessment_topic,
    validates,
    warning_sign_categories,
)

DATA = Path(__file__).parent / "data"
SETS = ("crisis_eval.jsonl", "crisis_eval_holdout.jsonl", "crisis_eval_holdout2.jsonl")


def _ask_styles(text: str) -> frozenset[AskStyle]:
    ask = classify_suicide_ask(text)
    return ask.styles if ask else frozenset()


# Yes/no detectors: the label is "yes" or "no".
BINARY: dict[str, Callable[[str], bool]] = {
    "plan": asks_about_plan,
    "means": lambda text: risk_assessment_topic(text) == "means",
    "safe_storage": discusses_safe_storage,
    "validation": validates,
    "crisis_line": mentions_crisis_line,
    "offer_to_connect": offers_to_connect,
    "warning_sign": lambda text: bool(warning_sign_categories(text)),
}
# The suicide question: the label is the style the module should report, or "none". A
# "vague" ask counts when it is only vague, as the checklist's euphemism note reads it.
ASK_LABELS = ("direct", "invites_no", "vague", "none")
ASK_HIT: dict[str, Callable[[frozenset[AskStyle]], bool]] = {
    "direct": lambda styles: AskStyle.DIRECT in styles,
    "invites_no": lambda styles: AskStyle.INVITES_NO in styles,
    "vague": lambda styles: styles == {AskStyle.VAGUE},
}
DETECTORS = (*BINARY, "suicide_ask")

# Recall measured after the last change, minus about one item's worth of margin; the
# measured counts are in the comments. holdout2 is the set nothing was tuned on.
RECALL_FLOOR: dict[str, dict[str, float]] = {
    "crisis_eval.jsonl": {
        "plan": 0.96,  # 30/30
        "means": 0.96,  # 27/27
        "safe_storage": 0.95,  # 20/20
        "validation": 0.97,  # 40/40
        "crisis_line": 0.96,  # 27/27
        "offer_to_connect": 0.95,  # 22/22
        "warning_sign": 0.98,  # 65/65
        "direct": 0.97,  # 48/48
        "invites_no": 0.95,  # 22/22
        "vague": 0.95,  # 20/20
    },
    "crisis_eval_holdout.jsonl": {
        "plan": 0.95,  # 20/20
        "means": 0.95,  # 20/20
        "safe_storage": 0.93,  # 15/15
        "validation": 0.96,  # 26/26
        "crisis_line": 0.95,  # 20/20
        "offer_to_connect": 0.93,  # 15/15
        "warning_sign": 0.97,  # 44/44
        "direct": 0.96,  # 30/30
        "invites_no": 0.93,  # 15/15
        "vague": 0.93,  # 15/15
    },
    "crisis_eval_holdout2.jsonl": {
        "plan": 0.33,  # 6/15
        "means": 0.80,  # 13/15
        "safe_storage": 0.58,  # 8/12
        "validation": 0.60,  # 13/20
        "crisis_line": 0.93,  # 15/15
        "offer_to_connect": 0.66,  # 9/12 (8/12 when first measured; see the demo-line test)
        "warning_sign": 0.50,  # 18/34
        "direct": 0.75,  # 16/20
        "invites_no": 0.70,  # 8/10
        "vague": 0.50,  # 6/10
    },
}
# Hard negatives a detector may accept: the count measured after the last change. For the
# suicide question, "direct" counts every non-direct item credited as a plain ask (the
# error that would mark "Asked directly" met) and "none" every non-ask given any style.
FALSE_POSITIVE_ALLOWANCE: dict[str, dict[str, int]] = {
    "crisis_eval.jsonl": {
        # "how's the new job at the gun shop going": a firearm word, no question about access
        "means": 1,
    },
    "crisis_eval_holdout.jsonl": {
        # "i keep to myself at work but i have good friends": the clause after "but" undoes it
        "warning_sign": 1,
    },
    "crisis_eval_holdout2.jsonl": {
        "plan": 1,  # "what method works best for you to unwind"
        "validation": 1,  # "that makes sense, so what are you going to do about it"
        # "your daughter is your lifeline huh", "did you go to the ER when you broke your wrist"
        "crisis_line": 2,
        # "i don't see the point of this new policy at work", "i never leave the house without my keys lol"
        "warning_sign": 2,
        "direct": 1,  # "are you killing yourself over this promotion?"
        "none": 1,  # the same
    },
}


def _load(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _rows(name: str, detector: str) -> list[dict[str, str]]:
    return [r for r in _load(name) if r["detector"] == detector]


def _positives_and_hits(name: str, measure: str) -> tuple[list[dict[str, str]], Callable[[str], bool]]:
    if measure in BINARY:
        return [r for r in _rows(name, measure) if r["label"] == "yes"], BINARY[measure]
    hit = ASK_HIT[measure]
    return [r for r in _rows(name, "suicide_ask") if r["label"] == measure], lambda text: hit(_ask_styles(text))


def _negatives_and_fires(name: str, measure: str) -> tuple[list[dict[str, str]], Callable[[str], bool]]:
    if measure in BINARY:
        return [r for r in _rows(name, measure) if r["label"] == "no"], BINARY[measure]
    asks = _rows(name, "suicide_ask")
    if measure == "direct":
        return [r for r in asks if r["label"] != "direct"], lambda text: AskStyle.DIRECT in _ask_styles(text)
    return [r for r in asks if r["label"] == "none"], lambda text: bool(_ask_styles(text))


@pytest.mark.parametrize("name", SETS)
def test_evaluation_sets_are_well_formed(name: str) -> None:
    rows = _load(name)
    keys = [(r["text"], r["detector"]) for r in rows]
    assert len(keys) == len(set(keys)), f"{name}: duplicate items"
    for row in rows:
        assert row["detector"] in DETECTORS, row
        assert row["text"].strip(), row
        allowed = ASK_LABELS if row["detector"] == "suicide_ask" else ("yes", "no")
        assert row["label"] in allowed, row
    counts = Counter((r["detector"], r["label"]) for r in rows)
    # Every detector has positives and hard negatives, in every set.
    for detector in BINARY:
        assert counts[(detector, "yes")] >= 10 and counts[(detector, "no")] >= 10, (name, detector, counts)
    for label in ASK_LABELS:
        assert counts[("suicide_ask", label)] >= 10, (name, label, counts)


def test_the_sets_do_not_share_items() -> None:
    seen: dict[str, str] = {}
    for name in SETS:
        for row in _load(name):
            text = row["text"].lower()
            assert text not in seen or seen[text] == name, f"{row['text']!r} is in {seen[text]} and {name}"
            seen[text] = name


@pytest.mark.parametrize(("name", "measure"), [(n, m) for n in SETS for m in RECALL_FLOOR[n]])
def test_recall_stays_at_the_measured_level(name: str, measure: str) -> None:
    positives, hits = _positives_and_hits(name, measure)
    missed = [f"{r['text']!r} {r.get('category', '')}".rstrip() for r in positives if not hits(r["text"])]
    recall = 1 - len(missed) / len(positives)
    print(
        f"{name} {measure}: recall {len(positives) - len(missed)}/{len(positives)} = {recall:.3f}", *missed, sep="\n  "
    )
    assert recall >= RECALL_FLOOR[name][measure], "\n".join(missed)


@pytest.mark.parametrize(("name", "measure"), [(n, m) for n in SETS for m in (*BINARY, "direct", "none")])
def test_hard_negatives_stay_within_the_allowance(name: str, measure: str) -> None:
    negatives, fires = _negatives_and_fires(name, measure)
    fired = [f"[{r['label']}] {r['text']!r}" for r in negatives if fires(r["text"])]
    print(f"{name} {measure}: false positives {len(fired)}/{len(negatives)}", *fired, sep="\n  ")
    assert len(fired) <= FALSE_POSITIVE_ALLOWANCE[name].get(measure, 0), "\n".join(fired)


def test_the_demo_scripts_referral_is_still_an_offer_to_connect() -> None:
    # The first version of the widened lexicon lost this line from infra/demo (the object
    # "the Veterans Crisis Line" was one word too long); found after holdout2 was measured.
    text = "Would you be willing to call the Veterans Crisis Line with me right now? We dial 988 and press 1."
    assert offers_to_connect(text) and mentions_crisis_line(text)


@pytest.mark.parametrize(
    ("text", "check"),
    [
        # Phrases that end a sentence still count when the turn goes on (found in review:
        # the whole turn was matched at once, so "$" only held at the end of the turn).
        ("i'd be angry too. what happened next?", validates),
        ("What would you use? I need to know.", lambda text: risk_assessment_topic(text) == "means"),
        ("Have you got the oxy still? Just asking.", lambda text: risk_assessment_topic(text) == "means"),
    ],
)
def test_sentence_end_phrases_count_inside_a_longer_turn(text: str, check: Callable[[str], bool]) -> None:
    assert check(text)
