"""The public API other services rely on: types, vocabulary, invariants, caching."""

from __future__ import annotations

import dataclasses
import re

import pytest

import practicum_coder
from practicum_coder import (
    CLIENT_TALK_TYPES,
    FINE_TO_ANNOMI,
    MI_ADHERENT,
    MI_NON_ADHERENT,
    NOT_YET_VALIDATED_CODES,
    TRAINEE_CODES,
    CodedTurn,
    Coder,
    CoderInput,
    load_coder,
)
from practicum_common import codes

TURNS = [
    CoderInput("So you're worried that your drinking is getting out of hand.", "trainee", "I drank every night."),
    CoderInput("What would you like to talk about today?", "trainee", None),
    CoderInput("I really want to quit this year.", "client"),
    CoderInput("Mm-hmm.", "therapist", "And then my boss called."),
    CoderInput("Do you smoke in the house?", "trainee", "My daughter has asthma."),
    CoderInput("I don't think I have a problem at all.", "client", None),
]


def test_vocabulary_matches_the_shared_codes() -> None:
    assert TRAINEE_CODES == codes.TRAINEE_CODES
    assert CLIENT_TALK_TYPES == codes.CLIENT_TALK_TYPES
    assert MI_ADHERENT == codes.MI_ADHERENT and MI_NON_ADHERENT == codes.MI_NON_ADHERENT
    # Every trainee code and talk type has exactly one AnnoMI class.
    assert set(FINE_TO_ANNOMI) == set(TRAINEE_CODES) | set(CLIENT_TALK_TYPES)
    assert {FINE_TO_ANNOMI[c] for c in TRAINEE_CODES} == {"question", "reflection", "therapist_input", "other"}
    assert set(TRAINEE_CODES) > NOT_YET_VALIDATED_CODES


def test_mapping_of_the_codes_annomi_lacks() -> None:
    assert FINE_TO_ANNOMI["affirm"] == "other"
    for code in (
        "giving_information",
        "persuade",
        "persuade_with_permission",
        "seeking_collaboration",
        "emphasizing_autonomy",
        "confront",
    ):
        assert FINE_TO_ANNOMI[code] == "therapist_input"


def test_dataclasses_are_frozen_and_shaped_as_documented() -> None:
    item = CoderInput("hi", "trainee")
    assert item.prev_client_text is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "x"  # type: ignore[misc]
    assert [f.name for f in dataclasses.fields(CodedTurn)] == [
        "code",
        "subcode",
        "confidence",
        "coder_version",
        "annomi_class",
    ]


def test_version_and_cache(coder: Coder) -> None:
    assert re.fullmatch(r"coder-\d{4}\.\d{2}(?:\.\d+)?-[0-9a-f]{8}", coder.version)
    assert load_coder() is coder


def test_codes_are_valid(coder: Coder) -> None:
    for item, turn in zip(TURNS, coder.code_batch(TURNS), strict=True):
        assert 0.0 <= turn.confidence <= 1.0
        assert turn.coder_version == coder.version
        # Exact except for the MITI recodes (test_regression), which none of these turns is.
        assert FINE_TO_ANNOMI[turn.code] == turn.annomi_class
        if item.speaker == "client":
            assert turn.code in CLIENT_TALK_TYPES and turn.subcode == ""
        else:
            assert turn.code in TRAINEE_CODES
            allowed = {"question": {"open", "closed"}, "reflection": {"simple", "complex"}}.get(turn.code, {""})
            assert turn.subcode in allowed


def test_batch_equals_single_calls_in_order(coder: Coder) -> None:
    batch = coder.code_batch(TURNS)
    single = [coder.code(t.text, t.speaker, t.prev_client_text) for t in TURNS]
    assert batch == single
    assert coder.code_batch([]) == []


def test_therapist_is_an_alias_of_trainee(coder: Coder) -> None:
    assert coder.code("Mm-hmm.", "therapist", "x") == coder.code("Mm-hmm.", "trainee", "x")
    assert coder.code("Mm-hmm.", " Trainee ", "x") == coder.code("Mm-hmm.", "trainee", "x")


def test_unknown_speaker_is_rejected(coder: Coder) -> None:
    with pytest.raises(ValueError, match="speaker"):
        coder.code("hello", "coach")


def test_empty_text_is_not_guessed(coder: Coder) -> None:
    assert coder.code("   ", "trainee").code == "other"
    assert coder.code("", "client").code == "neutral"


def test_context_is_used(coder: Coder) -> None:
    """The same words get different class probabilities with and without the client's words."""
    text = "You're not sure you can stop drinking on your own."
    with_context = coder.explain_batch([CoderInput(text, "trainee", "I'm not sure I can stop drinking on my own.")])
    without = coder.explain_batch([CoderInput(text, "trainee", None)])
    assert with_context[0].class_proba != without[0].class_proba


def test_session_scoring_is_exposed(coder: Coder) -> None:
    turns = coder.code_batch(TURNS)
    quality = practicum_coder.score_session(turns)
    assert 0.0 <= quality.probability_high <= 1.0
    assert quality.label in {"high", "low"}
    assert set(practicum_coder.SESSION_FEATURES) <= set(quality.features)


def test_logits_equal_the_plain_product_bit_for_bit(coder: Coder) -> None:
    """The scorer's precomputed float64 weights (a speed-up) change no logit, in batches or alone."""
    import numpy as np

    from practicum_coder.features import Turn

    turns = [Turn(item.text, item.prev_client_text) for item in TURNS]
    for name, model in coder._artifact.models.items():
        x = coder._matrix(name, turns)
        plain = np.asarray(x @ model.coef.T, dtype=np.float64) + model.intercept
        assert np.array_equal(model.logits(x), plain), name
        alone = np.vstack([model.logits(coder._matrix(name, [t])) for t in turns])
        assert np.array_equal(alone, plain), name


def test_tfidf_rows_equal_counting_each_document_bit_for_bit() -> None:
    """The batch TF-IDF transform (a speed-up: counting in numpy, char n-grams cached per
    word) gives exactly the matrix of the plain per-document computation."""
    import math
    from collections import Counter

    import numpy as np

    from practicum_coder.features import Vocabulary, char_ngrams

    texts = ["so you feel stuck stuck stuck", "", "zzz qqq", "what what brings you here", "you you you you you"]
    docs = [char_ngrams(t) + t.split() for t in texts]
    vocab = Vocabulary.fit(docs[:1] * 2 + docs[3:] * 2, min_df=2)  # some terms of docs[2] stay unknown
    got = vocab.transform(docs)

    expected = np.zeros((len(docs), len(vocab)))
    for row, doc in enumerate(docs):
        counts = Counter(vocab.terms[t] for t in doc if t in vocab.terms)
        for col, n in counts.items():
            expected[row, col] = (1.0 + math.log(n)) * vocab.idf[col]
        norm = math.sqrt(sum(expected[row, c] ** 2 for c in sorted(counts)))
        if norm:
            expected[row] /= norm
    assert got.shape == expected.shape
    assert np.array_equal(got.toarray(), expected)
    assert got[1].nnz == 0 and got[2].nnz == 0  # empty, and only unknown terms
    # Each word's n-grams in order, whatever was cached before.
    assert char_ngrams("ab ab") == [" a", "ab", "b ", " ab", "ab ", " ab "] * 2


def test_feature_matrix_equals_the_blocks_stacked_bit_for_bit(coder: Coder) -> None:
    """build_matrix assembles all blocks at once (a speed-up for single turns); it must be
    exactly the weighted blocks and dense features joined with scipy's hstack."""
    import numpy as np
    import scipy.sparse as sp

    from practicum_coder.features import Turn, block_docs, build_matrix

    turns = [Turn(item.text, item.prev_client_text) for item in TURNS] + [Turn("", None)]
    for name, (group, spec) in coder._artifact.specs.items():
        vocabularies = dict(coder._artifact.vocabularies[group])
        parts = [vocabularies[block].transform(block_docs(turns, block)) * weight for block, weight in spec.blocks]
        if spec.dense:
            parts.append(sp.csr_matrix(np.array([t.dense() for t in turns], dtype=np.float64)))
        expected = sp.hstack(parts, format="csr")
        for got, want in (
            (build_matrix(turns, spec, vocabularies), expected),
            (build_matrix(turns[:1], spec, vocabularies), expected[:1]),
            (build_matrix(turns[-1:], spec, vocabularies), expected[-1:]),
        ):
            assert got.shape == want.shape, name
            assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices), name
            assert np.array_equal(got.data, want.data), name
