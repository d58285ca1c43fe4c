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
``qsyn``   the syntax of each question sentence after leading discourse markers ("so",
           "and", "okay", "um"...): wh-word (+ the next word: "how many" vs "how do"),
           auxiliary inversion (+ subject: "do you", "is there"), imperative ("tell me",
           "describe"), declarative ("you're comfortable with that?"), tag questions,
           "or", "anything else", "I wonder"; for the first, the last and all question
           sentences (AnnoMI labels the dominant question of a multi-question turn). A
           leading fragment that continues the previous turn ("-for you? So what...") is
           skipped.
``dense``  a few numbers: lengths, lexical overlap with the client, question marks.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .text import STOPWORDS, content_stems, normalise, restore_question_mark, stem, tokens

BOS, EOS = "__bos__", "__eos__"
# ":" and ";" end a sentence too: typed turns lead into a question with them ("I want to ask
# you directly: are you thinking about killing yourself?"), and the question's own form
# decides open or closed. AnnoMI's transcribed speech has them almost only in timestamps.
_SENTENCE_END = re.compile(r"(?<=[.?!:;])\s+")
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

# Question syntax (``qsyn`` block). Discourse markers skipped before reading a question's form;
# a leading "I" is skipped too, so "I wonder what..." / "I think you..." read as "oth:wonder" /
# "oth:think" (measured better than "decl:i").
_MARKERS = frozenset(
    [
        "so",
        "and",
        "okay",
        "ok",
        "um",
        "uh",
        "umm",
        "er",
        "well",
        "yeah",
        "yes",
        "right",
        "alright",
        "now",
        "but",
        "then",
        "oh",
        "hmm",
        "mm",
        "mm-hmm",
        "uh-huh",
        "like",
        "anyway",
        "also",
        "just",
        "gotcha",
        "sure",
        "great",
        "good",
        "i",
        "see",
    ]
)
_Q_WH = frozenset(
    ["what", "what's", "how", "how's", "why", "where", "where's", "when", "who", "who's", "which", "whom", "whose"]
)
_Q_IMPERATIVE = frozenset(["tell", "describe", "explain", "talk", "walk", "share", "say", "help"])
_Q_AUX = _AUX | frozenset({"shouldn't", "wasn't", "weren't"})
_Q_SUBJECT = frozenset(
    [
        "you",
        "you're",
        "you've",
        "you'd",
        "you'll",
        "it",
        "it's",
        "that",
        "that's",
        "this",
        "there",
        "there's",
        "they",
        "they're",
        "he",
        "she",
        "we",
        "i",
        "i'm",
        "your",
        "he's",
        "she's",
    ]
)
_Q_TAGS = ("right ?", "yeah ?", "yes ?", "correct ?", "ok ?", "okay ?", "no ?", "huh ?", "eh ?", "true ?")
_Q_TAG_RX = re.compile(r"\b(?:is that|isn't it|aren't you|don't you|didn't you|is it|was it|do you) \?$")
_WONDER = re.compile(r"\bi(?:'m| am)? (?:wonder|wondering|curious)\b")
_CONTINUATION = ("-", "\u2014", "\u2013")


def question_shape(toks: Sequence[str]) -> list[str]:
    """Form of one question sentence: what follows the leading discourse markers."""
    t = [w for w in toks if w not in _PUNCT]
    j = 0
    while j < len(t) - 1 and t[j] in _MARKERS:
        j += 1
    t = t[j:]
    if not t:
        return ["empty"]
    first, nxt = t[0], (t[1] if len(t) > 1 else "<end>")
    out: list[str] = []
    if first in _Q_WH:
        out += ["wh", "wh:" + first, f"wh2:{first}_{nxt}"]
    elif first in _Q_AUX:
        out += ["aux", f"aux2:{first}_{nxt}"]
        if any(w in _Q_IMPERATIVE for w in t[1:5]):
            out.append("aux_imp")  # "could you tell me...", "can you describe..."
        if nxt in ("you", "i") and len(t) > 2:
            out.append(f"aux3:{first}_{nxt}_{t[2]}")
    elif first in _Q_IMPERATIVE:
        out += ["imp", "imp:" + first]
    elif first in _Q_SUBJECT:
        out += ["decl", "decl:" + first]
    else:
        out += ["oth", "oth:" + first]
    if any(w in _Q_WH for w in t[1:]):
        out.append("wh_inside")
    if "or" in t:
        out.append("or")
    if t[-2:] == ["or", "not"] or t[-1] == "or":
        out.append("or_end")
    if any(w in ("else", "anything", "something") for w in t):
        out.append("else/anything")
    if _WONDER.search(" ".join(t)):
        out.append("wonder")
    if len(t) <= 4:
        out.append("short")
    return out


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
        out += [" ".join(seq[i : i + n]) for i in range(len(seq) - n + 1)]
    return out


@functools.lru_cache(maxsize=1 << 13)
def _word_char_ngrams(word: str, n_min: int, n_max: int) -> tuple[str, ...]:
    # Cached per word: most words of a turn are common ones, and slicing every word of
    # every turn again was the coder's largest cost after the TF-IDF counting. 8,192
    # words hold about 15 MB and answer 95 % of lookups on AnnoMI's utterances.
    padded = f" {word} "
    size = len(padded)
    return tuple(padded[i : i + n] for n in range(n_min, min(n_max, size) + 1) for i in range(size - n + 1))


def char_ngrams(normalised: str, n_min: int = 2, n_max: int = 5) -> list[str]:
    out: list[str] = []
    for word in normalised.split():
        out += _word_char_ngrams(word, n_min, n_max)
    return out


@dataclass
class Turn:
    """Everything the feature blocks need about one turn, computed once and shared."""

    text: str
    prev_client_text: str | None = None
    # Put back the "?" a typist left off a final question (text.restore_question_mark).
    # Off only for the "?"-less training copies (DocCache.without_question_marks).
    put_back_question_mark: bool = True
    norm: str = field(init=False)
    toks: list[str] = field(init=False)
    client_norm: str = field(init=False)
    client_toks: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)
        if self.put_back_question_mark:
            self.norm = restore_question_mark(self.norm)
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

    def qsyn_block(self) -> list[str]:
        sents = self.sentences
        if self.text.lstrip()[:1] in _CONTINUATION and len(sents) > 1:
            sents = sents[1:]  # the end of the previous, interrupted turn
        questions = [s for s in sents if s.endswith("?")]
        out = [f"nq:{min(len(questions), 3)}"]
        if not questions:  # a question without "?" ("Tell me about...")
            for sentence in sents:
                out += ["noq:" + x for x in question_shape(tokens(sentence))]
            return out
        tagged = False
        for j, sentence in enumerate(questions):
            toks = tokens(sentence)
            shape = question_shape(toks)
            out += ["A:" + x for x in shape]
            if j == 0:
                out += ["F:" + x for x in shape]
            if j == len(questions) - 1:
                out += ["L:" + x for x in shape]
            joined = " ".join(toks)
            tagged = tagged or joined.endswith(_Q_TAGS) or bool(_Q_TAG_RX.search(joined))
        if tagged:
            out.append("tag")
        if not sents[-1].endswith("?"):
            out.append("ends_statement")
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
    "qsyn": "qsyn_block",
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
        rows, idx, data = self.entries(docs)
        ptr = np.searchsorted(rows, np.arange(len(docs) + 1), side="left").astype(np.int32)
        return sp.csr_matrix((data, idx, ptr), shape=(len(docs), len(self.terms)))

    def entries(self, docs: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored entries of :meth:`transform` as (row, column, value) arrays, row-major
        with columns ascending in each row, without building the matrix."""
        # The only Python loop left is the vocabulary lookup; counting and sorting happen
        # in numpy on (row, column) keys. This was the coder's hot spot (a Counter per
        # document). The values are bit-identical to counting per document: the same
        # 1 + math.log(count) (from a table, not np.log, whose last bit may differ), the
        # same products and the same row-major order of the sums.
        get = self.terms.get
        n_docs, n_terms = len(docs), len(self.terms)
        found: list[int] = []
        per_doc: list[int] = []
        for doc in docs:
            cols = [c for c in map(get, doc) if c is not None]
            found.extend(cols)
            per_doc.append(len(cols))
        keys = np.repeat(np.arange(n_docs, dtype=np.int64), per_doc) * n_terms + np.asarray(found, dtype=np.int64)
        unique_keys, counts = np.unique(keys, return_counts=True)
        rows, idx64 = np.divmod(unique_keys, n_terms)
        idx = idx64.astype(np.int32)
        log_tf = np.array([1.0 + math.log(c) for c in range(1, int(counts.max(initial=1)) + 1)], dtype=np.float64)
        data = log_tf[counts - 1]
        if len(idx):
            data *= self.idf[idx]
        # Row norms without a Python loop: squared values summed per row.
        sq = np.bincount(rows, weights=data**2, minlength=n_docs)
        norms = np.where(sq > 0, np.sqrt(sq), 1.0)
        data /= norms[rows]
        return rows, idx, data


@dataclass(frozen=True)
class FeatureSpec:
    """Which blocks a model reads, with their weights (dense features have weight 1)."""

    blocks: tuple[tuple[str, float], ...]
    dense: bool = False


def build_matrix(turns: Sequence[Turn], spec: FeatureSpec, vocabularies: dict[str, Vocabulary]) -> sp.csr_matrix:
    """The blocks side by side (weighted), then the dense features: one CSR matrix.

    Assembled from the blocks' arrays in one go rather than as a matrix per block joined
    by ``sp.hstack``: on a single turn, scipy's per-matrix checks cost more than the
    features. The result is the same matrix, entry for entry and in the same order.
    """
    n = len(turns)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    offset = 0
    for block, weight in spec.blocks:
        vocabulary = vocabularies[block]
        block_rows, idx, data = vocabulary.entries(block_docs(turns, block))
        rows.append(block_rows)
        cols.append(idx + np.int32(offset))
        values.append(data * weight if weight != 1.0 else data)
        offset += len(vocabulary)
    if spec.dense:
        dense = np.array([t.dense() for t in turns], dtype=np.float64).reshape(n, -1)
        r, c = np.nonzero(dense)  # row-major; zeros are not stored, as in a sparse matrix
        rows.append(r)
        cols.append((c + offset).astype(np.int32))
        values.append(dense[r, c])
        offset += dense.shape[1]
    all_rows = np.concatenate(rows)
    # Stable: within a row, blocks keep their order and each block its sorted columns.
    order = np.argsort(all_rows, kind="stable")
    indptr = np.searchsorted(all_rows[order], np.arange(n + 1), side="left").astype(np.int32)
    return sp.csr_matrix((np.concatenate(values)[order], np.concatenate(cols)[order], indptr), shape=(n, offset))


def without_question_marks(text: str) -> str:
    """The turn as typed by someone who leaves out "?" ("what brings you here")."""
    return text.replace("?", "")


class DocCache:
    """Per-block documents of a fixed list of turns, computed once (training reuses them across folds)."""

    def __init__(self, turns: Sequence[Turn]) -> None:
        self.turns = list(turns)
        self._docs: dict[str, list[list[str]]] = {}
        self._dense: np.ndarray | None = None
        self._no_question_marks: DocCache | None = None

    def without_question_marks(self) -> DocCache:
        """The same turns with "?" removed from the turn's own text (the client context is
        untouched: the simulated client punctuates); built once, for training augmentation.
        No "?" is put back here: the copies are there to teach the model the questions that
        restore_question_mark does not recognise (a question mid-turn, "tell me..."), and with
        it on they lost their "?"-less final questions (model card, "Ninth round")."""
        if self._no_question_marks is None:
            self._no_question_marks = DocCache(
                [
                    Turn(without_question_marks(t.text), t.prev_client_text, put_back_question_mark=False)
                    for t in self.turns
                ]
            )
        return self._no_question_marks

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
