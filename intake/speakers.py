"""
Who a speaker is: matching the name an article writes ("Ri", "Foreign
Minister Ri Yong Ho", "Mr. Trump", "리 외무상") to the desk's sources, and
proposing a new source (name, kind, side, anonymity) when none fits. Both
only suggest: the reporter confirms every match and every new source.

Matching works on name variants before it works on letters: titles and
determiners come off ("President Donald Trump" → donald trump), a surname
alone finds the one person it can mean ("Ri" → Ri Yong Ho, unless the desk
knows two Ris), a title in the mention must agree with what the source's
description says when several could fit, and a Korean name in Hangul is
compared with a romanised one through a loose romanisation in which the
spellings the two Koreas and the press use (Choe/Choi, Son/Sun, Un/Eun)
fold together. rapidfuzz scores what is left (typos, spellings, word order).

Scores run 0–100; AUTO_MATCH is where a match is good enough to be shown as
the suggestion (still for the reporter to confirm), MIN_SCORE where a
candidate stops being worth listing at all.

Pure functions over plain data (SourceCandidate), no ORM: the caller turns
sources into candidates (sources.models.Source: id, name, kind, affiliation,
is_anonymous, notes) and indexes them once with prepare_candidates when it
matches many speakers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz import fuzz, process

from sources.models import SourceKind

AUTO_MATCH = 80.0
_Offer = Callable[[int, float], None]
MIN_SCORE = 55.0


@dataclass(frozen=True)
class SourceCandidate:
    """
    A source a speaker may be. affiliation is its party's slug or name (None:
    independent); description is what the desk knows of it (a source's notes:
    "Foreign Minister of North Korea."), which lets a title in the article
    tell two people of one surname apart; aliases are other spellings
    (리용호 for Ri Yong Ho).
    """

    id: int
    name: str
    kind: str = SourceKind.OTHER
    affiliation: str | None = None
    is_anonymous: bool = False
    description: str = ""
    aliases: tuple[str, ...] = ()


class SpeakerMatch(NamedTuple):
    candidate_id: int
    score: float


@dataclass(frozen=True)
class SourceProposal:
    """A new source proposed for a speaker no existing one fits, with why."""

    name: str
    kind: str
    affiliation: str | None
    is_anonymous: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartyHint:
    """A party the article may put a speaker on: its name and the words that point to it."""

    name: str
    words: tuple[str, ...]


# ---------------------------------------------------------------------------
# Names


# Multi-word titles first, so that "Vice Foreign Minister" comes off whole.
_TITLES = sorted(
    {
        "president", "vice president", "foreign minister", "vice foreign minister",
        "first vice foreign minister", "minister", "deputy minister", "prime minister",
        "secretary of state", "secretary", "senator", "sen", "representative", "rep",
        "governor", "gov", "general", "gen", "ambassador", "envoy", "special envoy",
        "special representative", "chairman", "chairwoman", "leader", "supreme leader",
        "spokesman", "spokeswoman", "spokesperson", "press secretary",
        "white house press secretary", "national security adviser", "adviser", "advisor",
        "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "former", "then", "acting",
        "deputy", "chief", "director", "commander", "senior", "top", "official",
        "negotiator", "chief negotiator", "nuclear negotiator", "north korean leader",
        "lawmaker", "congressman", "congresswoman", "diplomat", "premier", "mayor", "judge",
        "first lady", "king", "queen", "prince", "general secretary", "lieutenant",
    },
    key=lambda t: -len(t),
)  # fmt: skip
_DETERMINERS = {"the", "a", "an", "one", "two", "another"}
# Places and bodies that prefix a name ("North Korea's", "U.S.") without
# being part of it.
_PREFIX_PLACES = re.compile(
    r"^(?:(?:north|south)\s+korea(?:n)?(?:['’]s)?|us|american|the\s+us|"
    r"united\s+states(?:['’])?|chinese|china(?:['’]s)?|japanese|japan(?:['’]s)?|"
    r"white\s+house|state\s+department|pentagon|kremlin|russian|russia(?:['’]s)?)\s+",
    re.IGNORECASE,
)
_KO_TITLES = {
    "대통령": "president", "국무위원장": "chairman", "위원장": "chairman", "외무상": "foreign minister",
    "외무성": "foreign ministry", "부상": "vice minister", "제1부상": "first vice minister",
    "외교부": "foreign ministry", "장관": "minister", "국무장관": "secretary of state", "차관": "vice minister",
    "대변인": "spokesperson", "특별대표": "special representative", "대사": "ambassador", "총리": "prime minister",
    "의원": "lawmaker", "부부장": "vice director", "제1부부장": "first vice director", "씨": "",
    "보좌관": "adviser", "국가안보보좌관": "national security adviser", "교수": "professor",
    "연구원": "researcher", "선임연구원": "senior researcher", "국장": "director", "실장": "director",
    "대표": "representative", "주석": "president", "총비서": "general secretary", "단장": "head",
    "부위원장": "vice chairman", "국무부": "state department", "백악관": "white house",
}  # fmt: skip
_KO_PLACE_PREFIXES = {"북한", "북", "미국", "미", "한국", "남한", "중국", "일본", "러시아", "노동당", "조선", "외무성", "국무부", "백악관", "청와대", "외교부", "통일부", "국방부", "미국의", "북한의"}  # fmt: skip
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass(frozen=True)
class ParsedName:
    """A name as matching sees it: its name words, its titles, and the whole of it."""

    tokens: tuple[str, ...]
    titles: tuple[str, ...]
    folded: str
    hangul: bool


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case, accents, punctuation and spacing ignored: the form two spellings are compared in."""
    if text.isascii():
        kept = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        # Recomposed, so that Hangul (which NFKD splits into jamo) stays whole.
        kept = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        )
        kept = kept.casefold().replace("’", "'")
    kept = _ABBREVIATION.sub(r"\1\2", kept)  # u.s. → us
    kept = _POSSESSIVE.sub("", kept)
    return " ".join(_PUNCTUATION.sub(" ", kept).split())


_ABBREVIATION = re.compile(r"\b([a-z])\.([a-z])\.")
_POSSESSIVE = re.compile(r"['\"“”‘]s\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def parse_name(name: str) -> ParsedName:
    """The name words and titles of a mention or of a source's name."""
    if any(ch in _HANJA for ch in name):
        name = "".join(_HANJA.get(ch, ch) for ch in name)
    if _HANGUL.search(name):
        return _parse_korean(name)
    text = re.sub(r"\([^)]*\)", " ", name)  # "Senior U.S. official (unnamed)"
    text = re.sub(r",.*$", "", text.replace("’", "'")).strip()  # "Ri, the foreign minister"
    said = text.split()
    padded = f" {fold(text)} "
    titles = [t for t in _TITLES if f" {t} " in padded]
    # The name is the run of capitalised words at the end that are not
    # titles ("Opposition lawmaker Na Kyung-won" → na kyung-won); none, or
    # a place after a preposition ("a diplomat in Seoul"), or a plural
    # such as "Officials": a description.
    run: list[str] = []
    for word in reversed(said):
        if not word[:1].isupper() or fold(word) in _TITLE_SET or fold(word) in _DETERMINERS:
            break
        run.insert(0, word)
    before = said[len(said) - len(run) - 1].lower() if len(run) < len(said) else ""
    if before in {"in", "of", "at", "from", "for", "to", "on"} or (
        len(said) == 1 and fold(said[0]) in _COMMON_HEADS
    ):
        run = []
    while run and _PREFIX_PLACES.match(fold(" ".join(run)) + " ") and len(run) > 1:
        place = _PREFIX_PLACES.match(fold(" ".join(run)) + " ")
        assert place is not None
        consumed = len(place.group(0).split())
        if consumed >= len(run):
            break
        run = run[consumed:]
    tokens = tuple(fold(" ".join(run)).split())
    return ParsedName(tokens, tuple(titles), fold(text), False)


# The single words that are titles on their own (not "north" of "north
# korean leader", nor "white" of "white house press secretary").
_TITLE_SET = {w for t in _TITLES for w in t.split()} - {
    "of", "state", "house", "first", "north", "korean", "white", "lady", "general",
}  # fmt: skip
_HANJA = {
    "北": "북한",
    "美": "미국",
    "中": "중국",
    "日": "일본",
    "韓": "한국",
    "南": "남한",
    "露": "러시아",
    "英": "영국",
}


_COMMON_HEADS = {
    "officials", "diplomats", "analysts", "experts", "sources", "aides", "lawmakers",
    "negotiators", "observers", "critics", "residents", "witnesses", "reporters",
}  # fmt: skip


def _parse_korean(name: str) -> ParsedName:
    words = re.sub(r"\([^)]*\)", " ", name).split()
    titles: list[str] = []
    tokens: list[str] = []
    for word in words:
        if word in _KO_PLACE_PREFIXES:
            continue
        title = next(
            (t for t in sorted(_KO_TITLES, key=len, reverse=True) if word.endswith(t)), None
        )
        if title is not None and (word == title or len(word) - len(title) <= 2):
            if word != title and not tokens:
                tokens.append(word[: -len(title)])  # 리외무상 written without a space
            titles.append(_KO_TITLES[title] or title)
            continue
        tokens.append(word)
    return ParsedName(tuple(tokens), tuple(titles), " ".join(words), True)


# ---------------------------------------------------------------------------
# Romanisation: Hangul names against Latin ones


_INITIALS = ["k", "k", "n", "t", "t", "r", "m", "p", "p", "s", "s", "", "j", "j", "j", "k", "t", "p", "h"]  # fmt: skip
_MEDIALS = ["a", "e", "ya", "ye", "o", "e", "yo", "ye", "o", "wa", "we", "oe", "yo", "o", "wo", "we", "wi", "yo", "u", "ui", "i"]  # fmt: skip
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "r", "k", "m", "r", "r", "r", "p", "r", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]  # fmt: skip
# The surnames the press spells its own way (이 is Lee, Yi, Rhee; 리 is Ri).
_SURNAMES = {
    "김": ("kim",), "이": ("lee", "yi", "rhee", "ri"), "리": ("ri", "lee", "rhee", "yi"),
    "박": ("park", "pak", "bak"), "최": ("choe", "choi"), "정": ("jong", "jung", "chung", "jeong"),
    "조": ("cho", "jo"), "강": ("kang",), "윤": ("yun", "yoon"), "장": ("jang", "chang"),
    "임": ("lim", "im", "rim"), "림": ("rim", "lim"), "한": ("han",), "오": ("oh", "o"),
    "서": ("seo", "suh", "so"), "신": ("shin", "sin"), "권": ("kwon",), "황": ("hwang",),
    "안": ("ahn", "an"), "송": ("song",), "류": ("ryu", "yoo", "yu"), "유": ("yoo", "yu", "ryu"),
    "홍": ("hong",), "문": ("moon", "mun"), "양": ("yang", "ryang"), "손": ("son", "sohn"),
    "배": ("bae", "pae"), "백": ("paek", "baek", "paik"), "노": ("roh", "no"), "로": ("ro", "roh"),
    "남": ("nam",), "현": ("hyon", "hyun"), "주": ("ju", "joo", "chu"), "전": ("jon", "jeon", "chun"),
}  # fmt: skip


def _loose(text: str) -> str:
    """Spellings folded together: eo/o/u, eu/u, ae/e, ch/j, g/k, d/t, b/p, l/r, doubled letters."""
    text = fold(text).replace("-", "")
    for a, b in (
        ("eo", "o"),
        ("eu", "u"),
        ("ae", "e"),
        ("ch", "j"),
        ("sh", "s"),
        ("ee", "i"),
        ("oo", "u"),
    ):
        text = text.replace(a, b)
    text = text.translate(str.maketrans("gdblu", "ktpro"))
    return re.sub(r"(\w)\1+", r"\1", text)


def romanisations(hangul: str) -> list[str]:
    """Loose romanisations of a Korean name written in Hangul, one per surname spelling."""
    syllables = [ch for ch in hangul if "\uac00" <= ch <= "\ud7a3"]
    if not syllables:
        return []

    def syllable(ch: str) -> str:
        code = ord(ch) - 0xAC00
        return _INITIALS[code // 588] + _MEDIALS[(code % 588) // 28] + _FINALS[code % 28]

    given = "".join(syllable(ch) for ch in syllables[1:])
    surnames = _SURNAMES.get(syllables[0], (syllable(syllables[0]),))
    return [_loose(f"{s} {given}".strip()) for s in surnames]


def _latin_keys(tokens: Sequence[str]) -> list[str]:
    """A Latin name in both orders, given names run together (Yong Ho = Yongho)."""
    if not tokens:
        return []
    if len(tokens) == 1:
        return [_loose(tokens[0])]
    return [
        _loose(tokens[0] + " " + "".join(tokens[1:])),
        _loose(tokens[-1] + " " + "".join(tokens[:-1])),
    ]


# ---------------------------------------------------------------------------
# Matching


@dataclass
class _Entry:
    candidate: SourceCandidate
    names: list[ParsedName]
    keys: list[str]
    description: str
    name_words: frozenset[str] = frozenset()
    description_words: frozenset[str] = frozenset()


@dataclass
class CandidateIndex:
    """Candidates prepared once for many look-ups (5,000 sources in a few milliseconds each)."""

    entries: list[_Entry]
    by_token: dict[str, list[int]] = field(default_factory=dict)
    folded: list[str] = field(default_factory=list)
    folded_owner: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    key_owner: list[int] = field(default_factory=list)


def prepare_candidates(candidates: Iterable[SourceCandidate]) -> CandidateIndex:
    entries: list[_Entry] = []
    for candidate in candidates:
        names = [parse_name(n) for n in (candidate.name, *candidate.aliases) if n.strip()]
        keys: list[str] = []
        for parsed in names:
            if parsed.hangul:
                for token in parsed.tokens:
                    keys.extend(romanisations(token))
            else:
                keys.extend(_latin_keys(parsed.tokens))
        description = fold(candidate.description)
        name_words = (
            frozenset().union(*(_content_words(n.folded) for n in names)) if names else frozenset()
        )
        entries.append(
            _Entry(candidate, names, keys, description, name_words, _content_words(description))
        )
    index = CandidateIndex(entries)
    by_token: defaultdict[str, list[int]] = defaultdict(list)
    for position, entry in enumerate(entries):
        for parsed in entry.names:
            for token in set(parsed.tokens):
                by_token[token].append(position)
            text = " ".join(parsed.tokens) if parsed.tokens else parsed.folded
            index.folded.append(text)
            index.folded_owner.append(position)
        for key in entry.keys:
            index.keys.append(key)
            index.key_owner.append(position)
    index.by_token = dict(by_token)
    return index


def match_speaker(
    name_as_written: str,
    candidates: Sequence[SourceCandidate] | CandidateIndex,
    *,
    limit: int = 5,
    min_score: float = MIN_SCORE,
) -> list[SpeakerMatch]:
    """
    The candidates this speaker may be, best first, each with a score
    (0–100). An empty list when none is worth showing; never raises.
    """
    index = candidates if isinstance(candidates, CandidateIndex) else prepare_candidates(candidates)
    if not name_as_written or not name_as_written.strip() or not index.entries:
        return []
    mention = parse_name(name_as_written.strip())
    scores: dict[int, float] = defaultdict(float)

    def offer(position: int, score: float) -> None:
        if score > scores[position]:
            scores[position] = score

    if mention.tokens:
        _by_name_words(index, mention, offer)
        _by_letters(index, mention, offer)
    else:
        _by_description(index, mention, offer)
    ranked = sorted(
        (
            SpeakerMatch(index.entries[p].candidate.id, round(s, 1))
            for p, s in scores.items()
            if s >= min_score
        ),
        key=lambda m: (-m.score, m.candidate_id),
    )
    return ranked[:limit]


def _titles_agree(mention: ParsedName, entry: _Entry) -> bool | None:
    """True when a title of the mention is in the source's description or name; None when there is none to compare."""
    if not mention.titles:
        return None
    haystack = entry.description + " " + " ".join(" ".join(n.titles) for n in entry.names)
    meaningful = [
        t
        for t in mention.titles
        if t not in {"mr", "mrs", "ms", "miss", "dr", "former", "senior", "top"}
    ]
    if not meaningful:
        return None
    return any(t in haystack for t in meaningful)


def _by_name_words(index: CandidateIndex, mention: ParsedName, offer: _Offer) -> None:
    tokens = mention.tokens
    if mention.hangul:
        _korean_words(index, mention, offer)
        return
    pools = [set(index.by_token.get(t, ())) for t in tokens]
    holders = set.intersection(*pools) if pools else set()
    for position in holders:
        entry = index.entries[position]
        exact = any(n.tokens == tokens for n in entry.names)
        longest = max(len(n.tokens) for n in entry.names if set(tokens) <= set(n.tokens))
        if exact:
            score = 100.0
        elif len(tokens) >= 2:
            score = 92.0
        else:
            # A surname alone: the one source it can mean, or a list to choose from.
            people = [p for p in holders if not index.entries[p].candidate.is_anonymous]
            score = 88.0 if len(people) == 1 else 70.0
            if longest == 1:
                score = min(score, 85.0)
        agree = _titles_agree(mention, entry)
        if agree is True:
            score = min(100.0, score + 8)
        elif agree is False and len(holders) > 1:
            score -= 10
        offer(position, score)


def _korean_words(index: CandidateIndex, mention: ParsedName, offer: _Offer) -> None:
    """리용호 외무상, 리 외무상, 리용호: against Hangul names and, romanised, against Latin ones."""
    name = "".join(mention.tokens)
    surname_only = len(name) == 1
    hits: dict[int, float] = {}
    for position, entry in enumerate(index.entries):
        best = 0.0
        for parsed in entry.names:
            if not parsed.hangul:
                continue
            joined = "".join(parsed.tokens)
            if joined == name and name:
                best = 100.0
            elif surname_only and joined.startswith(name):
                best = max(best, 80.0)
        if best:
            hits[position] = best
    if surname_only:
        # 리 외무상: the surname's romanisations against every Latin name's surname.
        spellings = set(_SURNAMES.get(name, ()))
        for position, entry in enumerate(index.entries):
            for parsed in entry.names:
                if (
                    not parsed.hangul
                    and parsed.tokens
                    and (parsed.tokens[0] in spellings or parsed.tokens[-1] in spellings)
                ):
                    hits[position] = max(hits.get(position, 0.0), 75.0)
        people = [p for p in hits if not index.entries[p].candidate.is_anonymous]
        for position, score in hits.items():
            agree = _titles_agree(mention, index.entries[position])
            if agree is True:
                score += 13
            elif len(people) > 1:
                score -= 10
            offer(position, min(score, 95.0))
        return
    for position, score in hits.items():
        offer(position, score)
    for key in romanisations(name):
        for _, score, at in process.extract(
            key, index.keys, scorer=fuzz.ratio, limit=5, score_cutoff=75
        ):
            position = index.key_owner[at]
            agree = _titles_agree(mention, index.entries[position])
            offer(position, min(96.0, score - 4 + (6 if agree else 0)))


def _by_letters(index: CandidateIndex, mention: ParsedName, offer: _Offer) -> None:
    """Typos and other spellings: rapidfuzz over the names, titles off."""
    query = " ".join(mention.tokens)
    if mention.hangul or len(query) < 3:
        return
    for _, score, at in process.extract(
        query, index.folded, scorer=fuzz.token_sort_ratio, limit=8, score_cutoff=70
    ):
        offer(index.folded_owner[at], score * 0.9)
    for key in _latin_keys(mention.tokens):
        for _, score, at in process.extract(
            key, index.keys, scorer=fuzz.ratio, limit=5, score_cutoff=85
        ):
            offer(index.key_owner[at], score * 0.9)


def _by_description(index: CandidateIndex, mention: ParsedName, offer: _Offer) -> None:
    """
    "a senior official", "the White House spokeswoman", "북한 외무성 대변인":
    no name to go on, so only a source described the same way can be it —
    an anonymous one for an anonymous description.
    """
    query = fold(re.sub(r"^(?:the|a|an)\s+", "", mention.folded, flags=re.IGNORECASE))
    if not query:
        return
    if mention.folded.startswith("the ") and mention.titles:
        # "the president", "the foreign minister": the source whose description says so.
        fitting = [
            p for p, e in enumerate(index.entries)
            if any(re.search(rf"\b{re.escape(t)}\b", e.description) for t in mention.titles)
        ]  # fmt: skip
        for position in fitting:
            offer(position, 72.0 if len(fitting) == 1 else 58.0)
    words = _content_words(query)
    if not words:
        return
    anonymous_words = re.search(r"\b(?:official|source|diplomat)s?\b|관계자|당국자|소식통", query)
    in_name = [p for p, e in enumerate(index.entries) if words <= e.name_words]
    # A place alone ("북한", "the North") names a side, not a person in it.
    in_description = (
        []
        if words <= _PLACE_WORDS
        else [
            p
            for p, e in enumerate(index.entries)
            if p not in in_name and words <= e.name_words | e.description_words
        ]
    )
    for position in in_name:
        offer(position, 88.0 if len(in_name) == 1 else 72.0)
    # Of several whose descriptions hold every word, the one that says least
    # else ("Foreign Minister of North Korea" over "Vice Foreign Minister …").
    extra = {p: len(index.entries[p].description_words - words) for p in in_description}
    fewest = min(extra.values(), default=0)
    closest = [p for p in in_description if extra[p] == fewest]
    for position in in_description:
        unique = len(closest) == 1 and position in closest and not in_name
        offer(position, 82.0 if unique else 62.0)
    for _, score, at in process.extract(
        query, index.folded, scorer=fuzz.token_set_ratio, limit=10, score_cutoff=60
    ):
        position = index.folded_owner[at]
        if anonymous_words and not index.entries[position].candidate.is_anonymous:
            score -= 20
        offer(position, score * 0.8)


_PLACE_WORDS = frozenset(
    {"north", "south", "korea", "korean", "koreans", "us", "united", "states", "american",
     "americans", "china", "chinese", "japan", "japanese", "russia", "russian", "washington",
     "pyongyang", "seoul", "beijing", "tokyo", "moscow"}
    | {"북한", "북", "미국", "미", "한국", "남한", "중국", "일본", "러시아", "북측", "미측", "남측"}
)  # fmt: skip
_STOPWORDS = {"the", "a", "an", "of", "for", "in", "at", "with", "to", "and", "on", "one", "two", "three", "several", "some", "who", "s", "한"}  # fmt: skip


def _content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in fold(text).split() if w not in _STOPWORDS)


# ---------------------------------------------------------------------------
# Proposing a new source


DEFAULT_PARTIES: tuple[PartyHint, ...] = (
    PartyHint(
        "North Korea",
        ("north korea", "north korean", "north koreans", "pyongyang", "dprk", "the north",
         "north's", "kcna", "korean central news agency", "rodong", "북한", "북측", "조선",
         "외무성", "노동당", "조선중앙통신", "노동신문"),
    ),
    PartyHint(
        "United States",
        ("u.s.", "us", "american", "americans", "united states", "washington", "white house",
         "state department", "pentagon", "trump administration", "미국", "미", "백악관", "국무부",
         "미측", "트럼프 행정부"),
    ),
    PartyHint(
        "South Korea",
        ("south korea", "south korean", "seoul", "blue house", "cheong wa dae", "한국", "청와대",
         "통일부", "외교부", "우리 정부", "남측"),
    ),
    PartyHint("China", ("china", "chinese", "beijing", "중국", "베이징")),
    PartyHint("Japan", ("japan", "japanese", "tokyo", "일본", "도쿄")),
)  # fmt: skip

_ANONYMITY = re.compile(
    r"(?:not\s+(?:be\s+)?(?:named|identified)|anonymity|unnamed|anonymous|"
    r"not\s+authori[sz]ed|declined\s+to\s+be\s+(?:named|identified)|asked\s+not\s+to\s+be|"
    r"on\s+(?:the\s+)?condition|familiar\s+with|who\s+briefed|익명|이름을\s+밝히지|관계자|당국자|소식통)",
    re.IGNORECASE,
)
_KIND_WORDS: tuple[tuple[str, SourceKind], ...] = (
    (r"spokes(?:wo)?man|spokesperson|press\s+secretary|대변인", SourceKind.SPOKESPERSON),
    (r"\b(?:statement|report|memo|letter|document|communiqu[eé]|declaration|resolution)\b|담화|성명|보고서|문서|합의문",
     SourceKind.DOCUMENT),
    (r"\b(?:associated\s+press|ap|reuters|afp|yonhap|kcna|xinhua|kyodo|news\s+agency)\b|통신", SourceKind.WIRE_SERVICE),
    (r"\b(?:newspaper|times|post|journal|broadcaster|television|network|tv|media)\b|신문|방송|매체",
     SourceKind.NEWS_OUTLET),
    (r"\b(?:analyst|expert|professor|scholar|researcher|fellow)s?\b|전문가|교수|연구원|분석가", SourceKind.EXPERT),
    (r"\b(?:witness|resident|bystander|villager)s?\b|목격자|주민", SourceKind.WITNESS),
    (r"\b(?:president|minister|leader|official|diplomat|ambassador|envoy|secretary|senator|"
     r"lawmaker|negotiator|chairman|delegation|ministry|government|governor|mayor|general)s?\b|"
     r"대통령|위원장|외무상|부상|장관|대사|의원|관계자|당국자|정부|외교관|총리|특별대표|부부장",
     SourceKind.OFFICIAL),
)  # fmt: skip


def guess_new_source(
    speaker_phrase: str,
    context: str = "",
    *,
    parties: Sequence[PartyHint] = DEFAULT_PARTIES,
) -> SourceProposal:
    """
    A new source for a speaker: its name (titles off, or a description
    marked "(unnamed)" for an anonymous one), kind, side and anonymity, from
    the speaker's own wording ("a senior official who briefed the media on
    condition he not be named" → anonymous official) and, for the side, from
    the statement around it (context): a speaker who talks of "the North
    Koreans" as others is not one of them. Always a proposal, never None.
    """
    phrase = " ".join((speaker_phrase or "").split())
    reasons: list[str] = []
    # The head of the phrase says what the speaker is; a relative clause
    # ("who briefed the media …") says only how they spoke.
    core = re.split(r",|\s+who\b|\s+that\b|\s+speaking\b", phrase, maxsplit=1)[0]
    core = re.sub(r"^(?:익명을\s+요구한|이름을\s+밝히지\s+않은)\s+", "", core)
    parsed = parse_name(core) if core else ParsedName((), (), "", False)
    kind: str = SourceKind.OTHER
    for pattern, candidate_kind in _KIND_WORDS:
        found = re.search(pattern, core, re.IGNORECASE)
        if found is not None:
            kind = candidate_kind
            reasons.append(f"“{found.group(0)}” reads as {candidate_kind.label.lower()}")
            break
    if parsed.hangul:
        named = any(_korean_name_like(t) for t in parsed.tokens) and not re.search(
            r"관계자|당국자|소식통|익명", core
        )
    else:
        named = bool(parsed.tokens)
    described_only = re.search(
        r"(?i)^(?:a|an|one)\s+(?:\S+\s+){0,3}?(?:official|source|diplomat|aide|person)s?\b", core
    )
    anonymous = not named and bool(
        _ANONYMITY.search(phrase)
        or described_only
        or re.search(r"관계자|당국자|소식통|익명", phrase)
    )
    if anonymous and kind in {SourceKind.OFFICIAL, SourceKind.OTHER, SourceKind.SPOKESPERSON}:
        kind = SourceKind.ANONYMOUS_OFFICIAL
        reasons.append("no name given: an anonymous official")
    affiliation = _side(core, parties)
    if affiliation is not None:
        reasons.append(f"the wording places the speaker with {affiliation}")
    else:
        affiliation = _side_from_context(context, parties)
        if affiliation is not None:
            reasons.append(f"the statement speaks of the other side, so perhaps {affiliation}")
    if named:
        name = " ".join(parsed.tokens) if parsed.hangul else _name_as_written(core, parsed)
    else:
        name = _description_name(core, anonymous)
    return SourceProposal(name or phrase, kind, affiliation, anonymous, tuple(reasons))


def _korean_name_like(word: str) -> bool:
    """A personal name in Hangul: two to four syllables beginning with a surname (or a foreign name)."""
    if not re.fullmatch(r"[\uac00-\ud7a3]{2,5}", word):
        return False
    return word[0] in _SURNAMES or word not in _KO_COMMON


_KO_COMMON = {
    "정부",
    "고위",
    "관계자",
    "당국자",
    "소식통",
    "대변인",
    "외교",
    "소식",
    "당국",
    "측근",
    "인사",
}


def _name_as_written(phrase: str, parsed: ParsedName) -> str:
    """The name words as the article capitalises them ("Ri Yong Ho" from "Foreign Minister Ri Yong Ho")."""
    words = phrase.split()
    wanted = list(parsed.tokens)
    kept = [w for w in words if fold(w) in wanted]
    return " ".join(kept[-len(wanted) :]) if kept else phrase


def _description_name(core: str, anonymous: bool) -> str:
    core = re.sub(r"(?i)^(?:the|a|an|one|한)\s+", "", core).strip()
    core = core[:1].upper() + core[1:]
    return f"{core} (unnamed)" if anonymous and core else core


def _side(phrase: str, parties: Sequence[PartyHint]) -> str | None:
    folded = " " + fold(phrase).replace("u s ", "u.s. ") + " "
    raw = " " + phrase.casefold() + " "
    for party in parties:
        for word in party.words:
            if _HANGUL.search(word):
                if word in phrase:
                    return party.name
            elif (
                f" {word} " in folded
                or f" {word} " in raw
                or f" {word}’" in raw
                or f" {word}'" in raw
            ):
                return party.name
    return None


def _side_from_context(context: str, parties: Sequence[PartyHint]) -> str | None:
    """
    In a two-sided story, a speaker who talks of one side in the third
    person ("the North Koreans asked …") is guessed to be on the other. A
    weak guess, said as such in the reasons.
    """
    if not context or len(parties) < 2:
        return None
    mentioned = [p for p in parties if _side(context, [p])]
    if len(mentioned) != 1 or re.search(r"(?i)\b(?:we|our|us)\b|우리", context):
        return None
    others = [p for p in parties[:2] if p is not mentioned[0]]
    return others[0].name if len(others) == 1 else None
