"""The sequence step: a trainee turn's class read in the light of the turns before it.

Counsellors' behaviours come in runs. In the AnnoMI development data a therapist turn
that gives information is followed by another one 41% of the time (12% of all turns),
and "other" by "other" 45% of the time (34%): advice and psychoeducation are spread over
several turns separated by the client's "mm-hmm". A turn coded alone cannot see that.

So the behaviour model's probabilities go through a causal forward filter over the
trainee turns of one conversation, an HMM with the class model as its emission::

    alpha_t  ~  p(class | turn t)  *  ( (alpha_{t-1} @ T) / prior ) ** weight

``T`` is the class-to-class transition matrix between consecutive therapist turns and
``prior`` the class frequencies, both counted from the expert labels of the training
transcripts (add-one smoothed). Dividing by the prior keeps the balanced decision rule
of the class model (fitted with balanced class weights, it has no majority-class pull),
so only the change that the *previous* turns bring moves a turn. The first turn of a
conversation is unchanged. ``weight`` (0.75) was chosen by nested cross-validation: in
every outer fold the other four folds picked it from 0, 0.25, ..., 1.25 (see the model
card, "Twelfth round").

Causal, not forward-backward: the grading service codes each turn as it arrives, and a
turn's code must not change when the trainee writes the next one. A turn's code depends
only on the turns before it, so coding a session in one batch or turn by turn gives the
same codes.

Windowed: a turn is filtered from the ``window`` (4) trainee turns before it, the filter
starting afresh at the first of them, so grading a turn codes at most 5 turns whatever
the session's length (the full filter would make a session's grading cost grow with the
square of its length). On the out-of-fold probabilities of the CV the window changed no
figure: behaviour macro-F1 0.7502 / 0.7466 (seed 13 / 14 folds) with windows of 3, 4, 6
and the whole conversation, 0.7499 / 0.7464 with 2.

Client talk type is not filtered: with the same filter its macro-F1 fell (0.496 -> 0.492
at weight 0.25, 0.464 at weight 1), because the talk-type model is too unsure for
persistence to help.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

# Chosen by nested CV (model card, "Twelfth round"); 0 turns the step off.
SEQUENCE_WEIGHT = 0.75
# Earlier trainee turns a turn is filtered from (see the module docstring).
SEQUENCE_WINDOW = 4


@dataclass(frozen=True)
class SequenceModel:
    classes: tuple[str, ...]
    transition: np.ndarray  # (k, k): row = previous class, column = next class
    prior: np.ndarray  # (k,)
    weight: float
    window: int = SEQUENCE_WINDOW

    def step(self, previous: np.ndarray | None, proba: np.ndarray) -> np.ndarray:
        """The filtered class distribution of one turn, given the filtered distribution
        of the trainee turn before it in the same conversation (None for the first)."""
        if previous is None or self.weight == 0.0:
            return proba
        expected = previous @ self.transition
        out = proba * (expected / self.prior) ** self.weight
        total = float(out.sum())
        # Probabilities from the class model are never all zero; guard anyway so a
        # degenerate row cannot turn into NaNs downstream.
        return out / total if total > 0.0 else proba

    def last(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        """The filtered distribution of the last of ``rows`` (one conversation's trainee
        turns, oldest first, as the class model gave them): filtered from the ``window``
        turns before it."""
        previous: np.ndarray | None = None
        for row in rows[max(0, len(rows) - 1 - self.window) :]:
            previous = self.step(previous, row)
        if previous is None:
            raise ValueError("no turns to filter")
        return previous


def fit_sequence_model(
    conversations: Iterable[Sequence[str]],
    classes: Sequence[str],
    weight: float = SEQUENCE_WEIGHT,
    window: int = SEQUENCE_WINDOW,
) -> SequenceModel:
    """Transition counts between consecutive labels of each conversation (add-one)."""
    index = {c: i for i, c in enumerate(classes)}
    k = len(classes)
    transition = np.ones((k, k), dtype=np.float64)
    prior = np.ones(k, dtype=np.float64)
    for labels in conversations:
        ids = [index[label] for label in labels]
        for a, b in pairwise(ids):
            transition[a, b] += 1.0
        for i in ids:
            prior[i] += 1.0
    return SequenceModel(
        tuple(classes), transition / transition.sum(axis=1, keepdims=True), prior / prior.sum(), float(weight), window
    )


__all__ = ["SEQUENCE_WEIGHT", "SEQUENCE_WINDOW", "SequenceModel", "fit_sequence_model"]
