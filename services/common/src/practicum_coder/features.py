"""Turning a turn (text + the client's previous words) into sparse TF-IDF feature rows.

The feature extraction is written here rather than taken from scikit-learn so that the
runtime needs only numpy and scipy, the artifact holds plain arrays (no pickles, safe to
load, independent of library versions), and a single turn is coded in well under a
millisecond. scikit-learn is used only to *fit* the linear models.

Feature blocks (each an independent vocabulary, weighted when stacked):

``word``   word 1-3-grams with sentence-boundary markers: first words ("so you", "what")
           and question marks decide most of question vs statement.
``char``   character 2-5-grams inside words: robust to spelling and transcription noise.
``client`` 1-2-grams of the preceding client utterance: a reflection follows something
           worth reflecting; input often follows a client question or a backchannel.
``echo``   the turn's n-grams with words the client just used replaced by ``<echo>``:
           "so you <echo>" is the shape of a reflection whatever the topic.
``sent``   n-grams of the last (and first) sentence of multi-sentence turns: the final
           sentence usually carries the turn's function ("... What do you think?").
``qform``  question-form cues per sentence (wh-word / auxiliary first, "or") for the
           open/closed model.
``dense``  a few numbers: lengths, lexical overlap with the client, question marks.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .text import STOPWORDS, content_stems, normalise, stem, tokens

BOS, EOS = "__bos__", "__eos__"
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_WH = frozenset({"what", "what's", "how", "why", "where", "when", "who", "which", "tell", "describe", "explain"})
_AUX = frozenset(
    [
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "will",
        "should",
        "may",
        "might",
        "shall",
        "am",
        "isn't",
        "aren't",
        "don't",
        "doesn't",
        "didn't",
        "wouldn't",
        "won't",
        "haven't",
        "hasn't",
        "couldn't",
    ]
)
_PUNCT = frozenset({"?", "!"})

DENSE_NAMES: tuple[str, ...] = (
    "log_len",
    "log_client_len",
    "overlap_of_turn",
    "overlap_of_client",
    "log_overlap",
    "ends_with_question_mark",
    "question_marks",
    "very_short",
    "no_client_context",
    "client_asked_question",
)


def ngrams(seq: Sequence[str], n_max: int) -> list[str]:
    out = list(seq)
    for n in range(2, n_max + 1):
        out.extend(" ".join(seq[i : i + n]) for i in range(len(seq) - n + 1))
    return out


def char_ngrams(normalised: str, n_min: int = 2, n_max: int = 5) -> list[str]:
    out: list[str] = []
    for word in normalised.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(n_min, min(n_max, size) + 1):
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


@dataclass
class Turn:
    """Everything the feature blocks need about one turn, computed once and shared."""

    text: str
    prev_client_text: str | None = None
    norm: str = field(init=False)
    toks: list[str] = field(init=False)
    client_norm: str = field(init=False)
    client_toks: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)
        self.toks = tokens(self.norm)
        self.client_norm = normalise(self.prev_client_text) if self.prev_client_text else ""
        self.client_toks = tokens(self.client_norm)

    @cached_property
    def sentences(self) -> list[str]:
        return [s for s in _SENTENCE_END.split(self.norm) if tokens(s)]

    @cached_property
    def client_stems(self) -> set[str]:
        return content_stems(self.client_toks)

    def word_block(self) -> list[str]:
        return ngrams([BOS, *self.toks, EOS], 3)

    def char_block(self) -> list[str]:
        return char_ngrams(self.norm)

    def client_block(self) -> list[str]:
        if not self.client_toks:
            return ["c:none"]
        return ["c:" + g for g in ngrams([BOS, *self.client_toks, EOS], 2)]

    def echo_block(self) -> list[str]:
        echoed = self.client_stems
        masked = [BOS]
        for w in self.toks:
            is_echo = w not in _PUNCT and w not in STOPWORDS and stem(w) in echoed
            masked.append("<echo>" if is_echo else w)
        masked.append(EOS)
        return ["e:" + g for g in ngrams(masked, 3) if "<echo>" in g]

    def sent_block(self) -> list[str]:
        sents = self.sentences
        out = [f"nsent:{min(len(sents), 5)}"]
        if len(sents) > 1:
            out += ["L:" + g for g in ngrams([BOS, *tokens(sents[-1]), EOS], 3)]
            out += ["F:" + g for g in ngrams([BOS, *tokens(sents[0]), EOS], 2)]
        return out

    def qform_block(self) -> list[str]:
        sents = self.sentences
        out = [f"nq:{min(sum(s.endswith('?') for s in sents), 3)}"]
        for j, sentence in enumerate(sents):
            toks = tokens(sentence)
            tag = "Q" if sentence.endswith("?") else "S"
            seq = [BOS, *toks]
            out += [f"{tag}:{g}" for g in ngrams(seq, 3)]
            if j == len(sents) - 1:
                out += ["LAST:" + g for g in ngrams(seq, 2)]
            first = toks[0]
            out.append(f"{tag}first:" + ("wh" if first in _WH else "aux" if first in _AUX else "other"))
            if any(w in _WH for w in toks[:4]):
                out.append(f"{tag}:wh_in_first4")
            if any(w in _AUX for w in toks[:2]):
                out.append(f"{tag}:aux_in_first2")
            if "or" in toks:
                out.append(f"{tag}:or")
        return out

    def dense(self) -> list[float]:
        own = content_stems(self.toks)
        shared = len(own & self.client_stems)
        return [
            math.log1p(len(self.toks)),
            math.log1p(len(self.client_toks)),
            shared / (len(own) + 1),
            shared / (len(self.client_stems) + 1),
            math.log1p(shared),
            float(self.norm.endswith("?")),
            float(self.toks.count("?")),
            float(len(self.toks) <= 3),
            float(not self.client_toks),
            float(bool(self.client_toks) and self.client_toks[-1] == "?"),
        ]


BLOCKS: dict[str, str] = {
    "word": "word_block",
    "char": "char_block",
    "client": "client_block",
    "echo": "echo_block",
    "sent": "sent_block",
    "qform": "qform_block",
}


def block_docs(turns: Sequence[Turn], block: str) -> list[list[str]]:
    method = BLOCKS[block]
    return [getattr(t, method)() for t in turns]


@dataclass(frozen=True)
class Vocabulary:
    """A fitted TF-IDF vocabulary: term -> column, and the column's idf (smoothed, as usual)."""

    terms: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, docs: Iterable[list[str]], min_df: int = 2) -> Vocabulary:
        doc_freq: Counter[str] = Counter()
        n_docs = 0
        for doc in docs:
            n_docs += 1
            doc_freq.update(set(doc))
        # Sorted so that column order (and so the artifact) does not depend on dict order.
        kept = sorted(term for term, df in doc_freq.items() if df >= min_df)
        idf = np.array([math.log((1 + n_docs) / (1 + doc_freq[t])) + 1.0 for t in kept], dtype=np.float64)
        return cls({t: i for i, t in enumerate(kept)}, idf)

    def __len__(self) -> int:
        return len(self.terms)

    def transform(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """Rows of sublinear-tf x idf, L2-normalised (empty rows stay zero)."""
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        terms = self.terms
        for doc in docs:
            counts: Counter[int] = Counter()
            for term in doc:
                col = terms.get(term)
                if col is not None:
                    counts[col] += 1
            cols = sorted(counts)
            indices.extend(cols)
            values.extend(1.0 + math.log(counts[c]) for c in cols)
            indptr.append(len(indices))
        data = np.asarray(values, dtype=np.float64)
        idx = np.asarray(indices, dtype=np.int32)
        if len(idx):
            data *= self.idf[idx]
        ptr = np.asarray(indptr, dtype=np.int32)
        # Row norms without a Python loop: squared values summed per row.
        row_len = np.diff(ptr)
        sq = np.bincount(np.repeat(np.arange(len(docs)), row_len), weights=data**2, minlength=len(docs))
        norms = np.where(sq > 0, np.sqrt(sq), 1.0)
        data /= np.repeat(norms, row_len)
        return sp.csr_matrix((data, idx, ptr), shape=(len(docs), len(self.terms)))


@dataclass(frozen=True)
class FeatureSpec:
    """Which blocks a model reads, with their weights (dense features have weight 1)."""

    blocks: tuple[tuple[str, float], ...]
    dense: bool = False


def build_matrix(turns: Sequence[Turn], spec: FeatureSpec, vocabularies: dict[str, Vocabulary]) -> sp.csr_matrix:
    parts: list[sp.csr_matrix] = []
    for block, weight in spec.blocks:
        m = vocabularies[block].transform(block_docs(turns, block))
        parts.append(m * weight if weight != 1.0 else m)
    if spec.dense:
        parts.append(sp.csr_matrix(np.array([t.dense() for t in turns], dtype=np.float64).reshape(len(turns), -1)))
    return sp.hstack(parts, format="csr")


class DocCache:
    """Per-block documents of a fixed list of turns, computed once (training reuses them across folds)."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self.turns = list(turns)
        self._docs: dict[str, list[list[str]]] = {}
        self._dense: np.ndarray | None = None

    def docs(self, block: str) -> list[list[str]]:
        if block not in self._docs:
            self._docs[block] = block_docs(self.turns, block)
        return self._docs[block]

    def dense(self) -> np.ndarray:
        if self._dense is None:
            self._dense = np.array([t.dense() for t in self.turns], dtype=np.float64).reshape(len(self.turns), -1)
        return self._dense

    def matrix(self, idx: Sequence[int], spec: FeatureSpec, vocabularies: dict[str, Vocabulary]) -> sp.csr_matrix:
        parts: list[sp.csr_matrix] = []
        for block, weight in spec.blocks:
            docs = self.docs(block)
            m = vocabularies[block].transform([docs[i] for i in idx])
            parts.append(m * weight if weight != 1.0 else m)
        if spec.dense:
            parts.append(sp.csr_matrix(self.dense()[list(idx)]))
        return sp.hstack(parts, format="csr")


def n_features(spec: FeatureSpec, vocabularies: dict[str, Vocabulary]) -> int:
    return sum(len(vocabularies[b]) for b, _ in spec.blocks) + (len(DENSE_NAMES) if spec.dense else 0)
