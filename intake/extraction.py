"""
Finding the statements in a news article and who made each: quoted words
(kind "quote") and attributed statements without quotation marks ("according
to a senior official, the North Koreans …", "Ri said the North was ready …":
kind "paraphrase"), in English and Korean.

Rules, not a model: every statement carries the name of the rule that found
it, so the labelled corpus (tests/intake/corpus/, `manage.py
evaluate_extraction`) can say how well each rule does, and a reporter reviews
every one before anything is written. docs/intake.md lists the rules, their
measured precision and recall, and the known misses.

How the English side reads an article:

1. Paragraphs (blank lines, else line breaks), then the quoted spans in each:
   curly and straight double quotes, curly single quotes used as quotes (an
   apostrophe — Kim’s, the officials’ — is told apart by what surrounds it),
   the outermost span only (a quote inside a quote is part of it), and a
   quote left open at a paragraph's end that the next paragraph reopens
   (a multi-paragraph quote).
2. Sentences, with quoted spans kept whole.
3. For each quoted span that is a statement (scare quotes, titles and
   "so-called" terms of a few words are not), the speaker: right after it
   ("…,” said Ri / Ri said / he told reporters), a split quote joined into
   one (“…,” said Ri, “…”), before it in its sentence (a colon, a verb of
   saying, "according to"), the sentence's own subject, the sentence before
   (or the paragraph the quote continues), or the sentence after.
4. Paraphrase: a verb of saying with its subject and a reported clause,
   "according to X", a closing "…, X said." or a parenthetical ", he said,".
5. Who "he", "she", "they", "the president", "Ri" and "Mr. Trump" are: the
   last speaker or sentence subject that fits, and the fullest form of the
   same name said earlier (speaker_full).

Korean (`_extract_korean`): quotes in “…”, "…" or ‘…’ followed by a quotative
ending (-라고, -고, -라며, -냐고 …) and a verb of saying (말했다, 밝혔다 …),
the speaker the topic or subject phrase of the sentence with its particle
taken off by Kiwi's morphological analysis (리용호 외무상은 → 리용호 외무상;
kiwipiepy, whose model ships on PyPI), a dropped subject carried from the
last speaker, a headline's bare name before a quote, and indirect speech
(…다고 말했다) as paraphrase.

Pure functions over strings: no ORM, no Django; never raises on any text.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from .anchoring import TextQuoteSelector, build_selector

Kind = Literal["quote", "paraphrase"]

# A statement shorter than this many words counts only when a verb of
# saying stands right beside it (“No,” Trump said): anything shorter and
# unattributed is a term, a title or scare quotes (so-called “denuclearization”).
MIN_UNATTRIBUTED_WORDS = 4

# Past this, the text is not an article (or not one a person pasted) and is
# read only this far; the API refuses bigger uploads before it gets here.
MAX_CHARS = 200_000


@dataclass(frozen=True)
class Quote:
    """
    One statement found in an article.

    text is the statement's words (a split quote's parts joined by a space);
    selector anchors the whole stretch in the article, parts each piece
    exactly (one part for a plain quote, so parts[0].exact == text); speaker
    is the name as the article writes it where the statement's attribution
    points (a pronoun's antecedent: "Trump", not "he"), speaker_span its
    offsets, speaker_phrase the attribution's whole noun phrase ("a senior
    official who briefed the media on condition he not be named …"), and
    speaker_full the fullest form of the same name in the article
    ("Foreign Minister Ri Yong Ho" for a later "Ri"), which is what speaker
    matching should be given.
    """

    text: str
    speaker: str | None
    kind: Kind
    rule: str
    selector: TextQuoteSelector
    parts: tuple[TextQuoteSelector, ...]
    speaker_span: tuple[int, int] | None = None
    speaker_phrase: str | None = None
    speaker_full: str | None = None
    language: str = "en"


def extract_quotes(text: str, language: str | None = None) -> list[Quote]:
    """
    Every statement in the article, in the order they appear. language is
    "en", "ko" or None (guessed from the script). Empty, binary or quote-less
    text gives an empty list, never an exception.
    """
    if not isinstance(text, str):
        return []
    text = text[:MAX_CHARS]
    if not _has_words(text):
        return []
    language = language or detect_language(text)
    if language == "ko":
        return _extract_korean(text)
    return _extract_english(text)


def detect_language(text: str) -> str:
    """ "ko" when Hangul makes up a good share of the letters, else "en"."""
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3")
    letters = sum(1 for ch in text if ch.isalpha())
    return "ko" if letters and hangul / letters > 0.3 else "en"


def _has_words(text: str) -> bool:
    # Binary junk decoded as text is mostly control and replacement
    # characters; an article is mostly letters and spaces.
    sample = text[:5000]
    if not sample.strip():
        return False
    readable = sum(1 for ch in sample if ch.isalnum() or ch.isspace() or ch in ".,;:!?'\"“”‘’()-—")
    return readable / len(sample) > 0.7


# ---------------------------------------------------------------------------
# Shared plumbing: paragraphs, quoted spans, sentences


@dataclass
class _Span:
    """A quoted span: offsets of its marks and of the words between them."""

    open: int
    close: int  # offset of the closing mark, or of the paragraph's end when unclosed
    closed: bool
    continues: bool = False  # reopens a quote the paragraph before left open

    @property
    def inner(self) -> tuple[int, int]:
        return self.open + 1, self.close

    @property
    def after(self) -> int:
        return self.close + 1 if self.closed else self.close


@dataclass
class _Sentence:
    start: int
    end: int
    paragraph: int
    spans: list[_Span] = field(default_factory=list)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: blocks between blank lines, else lines."""
    splitter = (
        re.compile(r"\n[ \t]*\n\s*") if re.search(r"\n[ \t]*\n", text) else re.compile(r"\n+")
    )
    spans: list[tuple[int, int]] = []
    at = 0
    for match in splitter.finditer(text):
        spans.append((at, match.start()))
        at = match.end()
    spans.append((at, len(text)))
    result = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            result.append((start, end))
    return result


_OPENERS = {"“": "”", "«": "»", "„": "“", "「": "」", "『": "』"}
_LETTER = re.compile(r"\w")


def _quote_spans(text: str, start: int, end: int) -> list[_Span]:
    """The outermost quoted spans of text[start:end], in order."""
    spans: list[_Span] = []
    i = start
    while i < end:
        ch = text[i]
        if ch in _OPENERS:
            close = text.find(_OPENERS[ch], i + 1, end)
            spans.append(_Span(i, close if close != -1 else end, close != -1))
            i = (close if close != -1 else end) + 1
        elif ch == '"':
            close = text.find('"', i + 1, end)
            if close == -1:
                # An odd straight quote: the opening of a quote the next
                # paragraph continues, or a stray mark (inches, a typo).
                if i + 1 < end and not text[i + 1].isspace():
                    spans.append(_Span(i, end, False))
                i = end
            else:
                spans.append(_Span(i, close, True))
                i = close + 1
        elif ch == "‘" and _opens_single(text, i, start):
            single = _single_close(text, i, end)
            if single is None:
                i += 1
            else:
                spans.append(_Span(i, single, True))
                i = single + 1
        else:
            i += 1
    return spans


def _opens_single(text: str, i: int, start: int) -> bool:
    before = text[i - 1] if i > start else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not _LETTER.match(before) and not after.isspace()


def _single_close(text: str, i: int, end: int) -> int | None:
    """
    The ’ that closes the single quote opened at i. An apostrophe has a
    letter on both sides (Kim’s, couldn’t); a plural possessive (the
    officials’ view) has s before and a lower-case word after, and is taken
    for a closing mark only when no better one follows.
    """
    fallback = None
    j = text.find("’", i + 1, end)
    while j != -1:
        before = text[j - 1]
        after = text[j + 1] if j + 1 < len(text) else " "
        if _LETTER.match(before) and _LETTER.match(after):
            pass  # an apostrophe inside a word
        elif before.isspace():
            pass
        elif before in "sS" and re.match(r" [a-z]", text[j + 1 : j + 3]):
            fallback = fallback if fallback is not None else j
        else:
            return j
        j = text.find("’", j + 1, end)
    return fallback


_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "st",
    "jr", "sr", "prof", "no", "vs", "etc", "inc", "corp", "co", "ltd", "jan", "feb", "mar",
    "apr", "aug", "sept", "sep", "oct", "nov", "dec", "ft", "mt", "adm", "amb", "pres",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?…]+(?:[)\]’'\"”»]*)")


def _sentences(
    text: str, paragraphs: list[tuple[int, int]], korean: bool = False
) -> list[_Sentence]:
    """The sentences of each paragraph, quoted spans kept whole."""
    sentences: list[_Sentence] = []
    previous_open = False
    for number, (p_start, p_end) in enumerate(paragraphs):
        spans = _quote_spans(text, p_start, p_end)
        if spans and previous_open and spans[0].open == p_start:
            spans[0].continues = True
        previous_open = bool(spans) and not spans[-1].closed
        cuts = _sentence_cuts(text, p_start, p_end, spans, korean)
        bounds = [p_start, *cuts, p_end]
        for s, e in zip(bounds, bounds[1:], strict=False):
            while s < e and text[s].isspace():
                s += 1
            if s >= e:
                continue
            sentence = _Sentence(s, e, number)
            sentence.spans = [span for span in spans if s <= span.open < e]
            sentences.append(sentence)
    return sentences


def _sentence_cuts(text: str, start: int, end: int, spans: list[_Span], korean: bool) -> list[int]:
    cuts: list[int] = []
    opens = [span.open for span in spans]

    def enclosing(pos: int) -> _Span | None:
        at = bisect.bisect_left(opens, pos) - 1
        return spans[at] if at >= 0 and spans[at].open < pos < spans[at].after else None

    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if stop >= end:
            break
        punct = match.start()
        following = text[stop : min(end, stop + 200)]
        if not following[:1].isspace():
            continue
        next_word = following.lstrip()[:1]
        if not next_word:
            continue
        # Inside a quote the period ends the quote's sentence only; the
        # quote's closing mark (caught by the match) decides below.
        quote = enclosing(punct)
        if quote is not None and not (quote.closed and stop >= quote.after):
            continue
        if quote is None and enclosing(stop - 1) is not None:
            continue
        if korean:
            cuts.append(stop)
            continue
        if not (next_word.isupper() or next_word.isdigit() or next_word in '“"‘(«'):
            continue
        if quote is not None and _attribution_only(text, stop, end):
            continue  # “Why would we?” Ri asked.
        word = re.search(r"([\w.]+)$", text[max(start, punct - 40) : punct])
        if word:
            token = word.group(1).lower()
            if token in _ABBREVIATIONS or re.fullmatch(r"(?:\w\.)+\w?", token) or len(token) == 1:
                if text[punct] == ".":
                    continue
        cuts.append(stop)
    return cuts


def _attribution_only(text: str, at: int, end: int) -> bool:
    """
    After a quote that ends in a stop, an attribution that closes the
    sentence (“Why would we?” Ri asked.) rather than a new sentence that
    begins with a name (… .” Ri said the North was ready.).
    """
    match = _ATTRIBUTION_AFTER.match(text, at, min(end, at + 300))
    if match is None:
        return False
    rest = text[match.end() : min(end, match.end() + 200)]
    rest = re.split(r"[.!?]", rest, maxsplit=1)[0]
    return not _CLAUSE_CUE.search(rest) and not re.match(r"\s+that\b", rest)


# ---------------------------------------------------------------------------
# English lexicon

_SPEECH_VERBS = (
    "said|says|say|told|tells|tell|added|adds|insisted|insists|acknowledged|acknowledges|"
    "claimed|claims|argued|argues|warned|warns|stressed|stresses|noted|notes|explained|"
    "explains|asserted|asserts|maintained|maintains|denied|denies|confirmed|confirms|"
    "announced|announces|stated|states|declared|declares|emphasized|emphasised|emphasizes|"
    "suggested|suggests|contended|contends|complained|complains|predicted|predicts|"
    "reported|reports|wrote|writes|tweeted|tweets|replied|replies|responded|asked|asks|"
    "conceded|concedes|admitted|admits|countered|counters|charged|agreed|agrees|vowed|"
    "vows|promised|pledged|cautioned|cautions|observed|remarked|continued|concluded|"
    "alleged|revealed|disclosed|reiterated|repeated|recalled|recalls|answered|boasted|"
    "lamented|joked|posted|read|reads"
)
# The verbs that introduce reported content without quotation marks; the
# others (asked, replied …) only attribute a quote.
_REPORTING_VERBS = set(_SPEECH_VERBS.split("|")) - {
    "asked", "asks", "replied", "replies", "responded", "answered", "continued", "posted",
    "joked", "recalled", "recalls", "observed", "remarked", "tell", "tells", "read", "reads",
}  # fmt: skip
_VERB = rf"(?:{_SPEECH_VERBS})"

_SPEAKER_HEADS = (
    "officials?|spokes(?:wo)?m[ae]n|spokespersons?|spokespeople|ministers?|presidents?|"
    "diplomats?|analysts?|experts?|sources?|aides?|advisers?|advisors?|lawmakers?|members?|"
    "delegations?|ministry|ministries|government|governments|administration|agency|"
    "negotiators?|envoys?|ambassadors?|leaders?|secretary|secretaries|chairman|chairwoman|"
    "senators?|congressm[ae]n|congresswom[ae]n|representatives?|statement|report|"
    "newspaper|media|outlet|embassy|office|department|committee|commission|council|"
    "military|army|command|white house|pentagon|kremlin|residents?|witnesses?|"
    "observers?|scholars?|professors?|researchers?|insiders?|people|person|man|woman|"
    "participants?|critics?|supporters?|spokesperson|side|team|party|parties|commentary|"
    "editorial|director|chief|head|lawyer|attorney|correspondent|reporters?|journalists?|"
    "activists?|defectors?|officer|officers|staffers?|counterparts?|mission|headlines?|"
    "banners?|placards?|signs?|slogans?|editorials?|commentary|staff|workers?"
)
_COLLECTIVE = {
    "delegation", "ministry", "government", "administration", "agency", "embassy", "office",
    "department", "committee", "commission", "council", "military", "army", "command",
    "side", "team", "party", "mission", "media",
}  # fmt: skip
_TITLE_WORDS = (
    "leader|spokeswoman|spokesman|spokesperson|press|secretary|adviser|advisor|national|"
    "security|former|senior|deputy|vice|chief|special|representative|envoy|foreign|minister|"
    "president|chairman|chairwoman|nuclear|negotiator|top|ambassador|official|diplomat|"
    "director|state|first|general|defense|defence|prime|head|lawmaker|senator|"
    "congressman|congresswoman|analyst|expert|professor|counselor|commander|supreme|"
    "acting|then|assistant|undersecretary|lead|envoy|premier|governor|mayor|judge|"
    "researcher|fellow|scholar|correspondent|journalist|activist|defector"
)
_CAP_STOP = (
    "But|And|Or|So|Yet|In|On|At|As|After|Before|When|While|If|This|That|These|Those|It|Its|"
    "There|Here|Hours|Later|Meanwhile|However|According|What|Why|How|Who|Where|We|I|You|"
    "Our|My|Your|His|Her|Their|Then|Now|Still|Also|Asked|Speaking|Earlier|Since|Because|"
    "Although|Though|With|Without|For|From|By|To|Of|Despite|During|Under|Over|Instead|"
    "Even|Only|Just|Not|No|Yes|Some|Many|Several|Monday|Tuesday|Wednesday|Thursday|"
    "Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|"
    "October|November|December|Last|Next|Each|Every|All|Both|Such|Thus|Once|Until|Like|"
    "Unlike|Among|Amid|Against|Through|Today|Tonight|Yesterday|Basically|Instead|Indeed|"
    "Asked|Talking|Reporters|The|A|An"
)
_PRONOUNS = {"he", "she", "they"}
_PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey)"
_CAPW = (
    rf"(?:(?!(?:{_CAP_STOP})\b)(?:[A-Z]\.(?:[A-Z]\.)+|(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|"
    rf"Capt|St|Jr|Sr|Prof|Adm|Amb)\.|[A-Z]\.(?=\s)|[A-Z][\w\-]*(?:['’][a-z]+)?))"
)
_WORD = r"[A-Za-z][\w\-]*(?:['’]s)?"
_FUNCTION = (
    "and|or|but|the|a|an|that|which|who|whom|whose|to|of|in|on|at|for|from|with|by|as|"
    "was|were|is|are|be|been|had|has|have|would|will|could|can|may|might|should|must|not|"
    "it|its|this|these|those|than|then|there|when|while|if|because|after|before|about|"
    "into|over|also|he|she|they|his|her|their|we|our|you|i|me|him|them|what|where|how|why|"
    "so|such|only|just|even|very|more|most|no|yes|all|some|any|each|every|other|another"
)
# Plural nouns that speak without a determiner ("officials said", "traders said").
_BARE_PLURALS = (
    "officials|diplomats|analysts|experts|sources|aides|lawmakers|negotiators|observers|"
    "critics|residents|staff|workers|witnesses|activists|traders|dealers|economists|"
    "investors|researchers|scientists|doctors|police|protesters|students|officers|"
    "prosecutors|lawyers|executives|voters|citizens|refugees|defectors|journalists"
)
_MOD = rf"(?:(?!(?:{_FUNCTION}|{_SPEECH_VERBS})\b){_WORD}|[A-Z]\.(?:[A-Z]\.)+)"
_DET = r"(?:[Tt]he|[Aa]n?|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]everal|[Ss]ome|[Mm]any|[Aa]nother|[Bb]oth|[Oo]ther)"
_HEAD = rf"(?i:(?:{_SPEAKER_HEADS}))\b"
_PREP_TAIL = rf"(?:\s+(?:of|for|at|from|with|in)\s+(?:the\s+|an?\s+)?(?:{_MOD}\s+){{0,3}}{_MOD})"
_NAME_NP = rf"(?:(?:{_DET}\s+)?(?:(?:{_CAPW}|(?i:{_TITLE_WORDS})|of)\s+){{0,7}}{_CAPW})"
_COMMON_NP = rf"(?:(?:{_DET}\s+|(?:{_CAPW}\s+){{0,2}}{_CAPW}['’]s\s+|(?:[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)(?:{_MOD}\s+){{0,4}}{_HEAD}{_PREP_TAIL}?|(?:{_MOD}\s+){{0,3}}(?i:{_BARE_PLURALS})\b{_PREP_TAIL}?)"
_NP = rf"(?:{_PRONOUN}|{_COMMON_NP}|{_NAME_NP})"
_RELATIVE = r"(?:,?\s+(?:who|whose|speaking|briefing)\b[^.;:“”\"]*)"
# Between a speaker and the verb: an auxiliary ("has warned") and an adverb.
_ADVERB = r"(?:\s+(?:has|have|had|will|would|also|later|again|then|repeatedly|previously|earlier|once|further|simply|flatly|[a-z]+ly)){0,2}"
_TOLD_OBJECT = rf"(?:\s+(?:reporters|journalists|the\s+(?:media|press|reporters)|lawmakers|state\s+media|(?:a|the)\s+(?:news\s+conference|briefing|meeting|rally)|{_NAME_NP}|(?:the\s+)?{_MOD}(?:\s+{_MOD})?\s+(?:newspaper|agency|network|channel|television|radio|outlet|audience|crowd|assembly|parliament|committee)))"

# Right after a closing quote mark: “…,” Ri said / he told reporters / said Ri.
_ATTRIBUTION_AFTER = re.compile(
    rf"""\s*,?\s*(?:[—–-]\s*)?(?:
        (?P<np>{_NP})(?:,[^,“”"]{{1,80}},)?{_ADVERB}\s+(?P<verb>{_VERB})\b(?P<obj>{_TOLD_OBJECT})?
      | (?P<verb2>{_VERB})\s+(?P<np2>{_NP})(?P<rel>{_RELATIVE})?
    )""",
    re.VERBOSE,
)
_PHRASE = r"(?:[^,.;“”\"]|\.(?=\w)|(?<=[A-Z])\.(?=\s))+?"
_ACCORDING_AFTER = re.compile(
    rf"\s*,?\s*according\s+to\s+(?P<np>{_NP}|{_PHRASE})(?P<rel>{_RELATIVE})?\s*(?:[,.;]|$)"
)
_ACCORDING = re.compile(rf"\b[Aa]ccording\s+to\s+(?P<np>{_NP}|{_PHRASE})(?P<rel>{_RELATIVE})?\s*,")
_SUBJECT = re.compile(
    rf"^(?:[^,;:“”\"]{{1,60}}(?:,|\s[—–-]{{1,2}})\s+)?(?P<np>{_NP})(?P<appositive>,[^,“”\"]{{1,80}},)?{_ADVERB}\s+(?=[a-z])"
)
_AND_BEFORE = re.compile(r"(?:,\s*|\s+)and\s*$")
_TERM_BEFORE = re.compile(
    r"(?:so-called|so called|dubbed|known as|termed|titled|entitled|the word|the phrase|"
    r"the term|the slogan|labell?ed|branded|nicknamed|called|words?|phrase)\s*$",
    re.IGNORECASE,
)
_CLAUSE_CUE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|had|has|have|would|will|could|can|may|might|"
    r"should|must|did|does|do|want|wants|wanted|need|needs|plan|plans|made|took|gave|went|"
    r"came|saw|knew|thought|left|lost|sought|seeks|brought|held|met|won|got|kept|felt|"
    r"meant|put|set|became|began|ran|paid|sent|spent|stood|told|said|remains|intends|"
    r"seems|appears|offers|hopes|believes|shows|\w{2,}ed|\w+n['’]t)\b",
    re.IGNORECASE,
)
_FINITE = re.compile(r"\b(?:is|are|was|were|had|has|have|would|will|could|can|did|does|do)\b", re.I)
# A clause of reported speech ends where another verb of saying begins
# ("… puzzled Kim and added that …") or at a comment on the statement.
_CLAUSE_STOP = re.compile(
    rf"(?:,?\s+and\s+(?:{_VERB})\b|;|,\s+(?:accusing|blaming|calling|describing|citing|urging|"
    r"prompting|sparking|saying|adding|amid)\b|,\s+(?:which|a\s+(?:claim|charge|assertion|statement|"
    r"version|position|allegation|accusation|view|remark|comment)\s+that)\b)"
)
_WORDS = re.compile(r"[\w’'\-]+")


# ---------------------------------------------------------------------------
# English


@dataclass
class _Mention:
    """A named speaker or sentence subject, kept to resolve later references."""

    text: str
    start: int
    end: int
    plural: bool
    collective: bool
    full: str
    phrase: str


@dataclass
class _Found:
    """A statement before its speaker is resolved to a mention."""

    kind: Kind
    rule: str
    parts: list[tuple[int, int]]
    speaker: tuple[int, int] | None = None  # offsets of the attribution's noun phrase
    phrase: tuple[int, int] | None = None  # the phrase with its relative clause
    carried: _Found | None = None  # takes its speaker from this statement
    use_subject: bool = False  # "… and said": the sentence's subject speaks


def _extract_english(text: str) -> list[Quote]:
    paragraphs = _paragraphs(text)
    sentences = _sentences(text, paragraphs)
    state = _Resolver(text)
    results: list[Quote] = []
    previous_statement: _Found | None = None
    open_quote: _Found | None = None
    for index, sentence in enumerate(sentences):
        subject = _sentence_subject(text, sentence)
        speaking_subject = _sentence_subject(text, sentence, pronoun=True)
        found: list[_Found] = []
        for span in sentence.spans:
            statement = _attribute_quote(
                text, sentences, index, span, found, previous_statement, open_quote
            )
            if statement is None:
                continue
            if found and statement.rule == "split" and statement.carried is found[-1]:
                found[-1].parts.extend(statement.parts)
                found[-1].rule = "split"
                continue
            found.append(statement)
            if not span.closed:
                open_quote = statement
            elif span.continues or open_quote is not None:
                open_quote = None
        found.extend(_paraphrases(text, sentence, found))
        found.sort(key=lambda f: f.parts[0][0])
        for statement in found:
            if statement.use_subject and speaking_subject is not None:
                statement.speaker = speaking_subject
            quote = state.resolve(statement)
            if quote is not None:
                results.append(quote)
        if subject is not None:
            state.saw_subject(subject)
            state.saw_documents(text[sentence.start : sentence.end], subject)
        if found:
            previous_statement = found[-1]
    return results


def _words(text: str) -> int:
    return len(_WORDS.findall(text))


def _inner_bounds(text: str, span: _Span) -> tuple[int, int]:
    """The quote's words, without its marks, outer spaces and a trailing comma."""
    start, end = span.inner
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;—–-"):
        end -= 1
    return start, end


def _attribute_quote(
    text: str,
    sentences: list[_Sentence],
    index: int,
    span: _Span,
    earlier: list[_Found],
    previous_statement: _Found | None,
    open_quote: _Found | None,
) -> _Found | None:
    """The quoted span as a statement with where its speaker is, or None if it is not one."""
    sentence = sentences[index]
    inner = _inner_bounds(text, span)
    if inner[0] >= inner[1]:
        return None
    words = _words(text[inner[0] : inner[1]])
    short = words < MIN_UNATTRIBUTED_WORDS
    lead_start = earlier[-1].parts[-1][1] + 1 if earlier else sentence.start
    previous_span = _previous_span(sentence, span)
    if previous_span is not None:
        lead_start = max(lead_start, previous_span.after)
    lead = text[lead_start : span.open]
    if _TERM_BEFORE.search(lead) and words < 8:
        return None
    quote = _Found("quote", "", [inner])
    # A short quote is a statement only with its attribution right beside
    # it and its own punctuation (“No,” he said); otherwise it is a term.
    ends_itself = text[span.inner[0] : span.inner[1]].rstrip()[-1:] in {",", ".", "!", "?", "…"}
    after = _ATTRIBUTION_AFTER.match(text, span.after, sentence.end)
    if after is not None and (not short or ends_itself):
        np_group = "np" if after.group("np") else "np2"
        verb = after.group("verb") or after.group("verb2")
        quote.speaker = _named_in_appositive(text, after.span(np_group), after, "appositive")
        rel = after.group("rel") if np_group == "np2" else None
        quote.phrase = (after.start(np_group), after.end("rel")) if rel else quote.speaker
        quote.rule = "told" if verb.startswith(("told", "tell")) else "said-after"
        return quote
    according = _ACCORDING_AFTER.match(text, span.after, sentence.end)
    if according is not None and not short:
        return _according(quote, according)
    # “…,” said Ri, “…”: the second part continues the first.
    if (
        earlier
        and previous_span is not None
        and earlier[-1].parts[-1] == _inner_bounds(text, previous_span)
    ):
        between = text[previous_span.after : span.open]
        first_inner = text[previous_span.inner[0] : previous_span.inner[1]].rstrip()
        link = _ATTRIBUTION_AFTER.match(between)
        if link is not None and between.rstrip().endswith(",") and first_inner.endswith(","):
            return _Found("quote", "split", [inner], carried=earlier[-1])
    colon = _colon_speaker(text, lead_start, span.open, sentences, index, span)
    if colon is not None and (not short or ends_itself):
        quote.rule = "colon"
        quote.speaker, quote.use_subject = colon
        return quote
    if short:
        direct = re.search(rf"\b(?:{_VERB})(?:{_TOLD_OBJECT})?\s*[,:]?\s*$", lead)
        if direct is None or not ends_itself:
            return None
    before = _verb_before(text, lead_start, span.open, sentence.start)
    if before is not None:
        quote.speaker, verb, quote.use_subject = before
        quote.rule = "told" if verb.startswith("told") else "said-before"
        return quote
    according = _ACCORDING.search(text, sentence.start, sentence.end)
    if according is not None:
        return _according(quote, according)
    if span.continues and open_quote is not None:
        return _Found("quote", "multi-paragraph", [inner], carried=open_quote)
    standalone = not text[sentence.start : span.open].strip(' \t\n"“‘')
    if not standalone:
        # Inside a sentence with no verb of saying: the subject's words if
        # the subject can speak, else a term ("it means “…” disarmament").
        if _sentence_subject(text, sentence, pronoun=True) is None:
            return None
        quote.rule = "subject"
        quote.use_subject = True
        return quote
    if previous_statement is not None and _adjacent(sentences, index, previous_statement):
        return _Found("quote", "previous-sentence", [inner], carried=previous_statement)
    if index > 0 and _adjacent_sentence(sentences, index):
        subject = _sentence_subject(text, sentences[index - 1])
        if subject is not None:
            quote.rule = "previous-sentence"
            quote.speaker = subject
            return quote
    if index + 1 < len(sentences) and sentences[index + 1].paragraph == sentence.paragraph:
        following = sentences[index + 1]
        match = re.match(rf"(?P<np>{_NP})\s+(?:{_VERB})\b", text[following.start : following.end])
        if match is not None:
            quote.rule = "next-sentence"
            quote.speaker = (following.start + match.start("np"), following.start + match.end("np"))
            return quote
    quote.rule = "unattributed"
    return quote


def _named_in_appositive(
    text: str, np: tuple[int, int], match: re.Match[str] | None, group: str
) -> tuple[int, int]:
    """
    "A State Department spokeswoman, Morgan Ortagus, said": the name in the
    appositive is the speaker, not the description before it.
    """
    if match is None or group not in match.groupdict() or not match.group(group):
        return np
    raw = text[np[0] : np[1]]
    if re.fullmatch(_NAME_NP, raw) and not re.match(rf"{_DET}\s", raw):
        return np
    inside = match.group(group)[1:-1].strip()
    name = re.fullmatch(_NAME_NP, inside)
    if name is None or re.match(rf"{_DET}\s", inside):
        return np
    at = match.start(group) + match.group(group).index(inside)
    return at, at + len(inside)


def _previous_span(sentence: _Sentence, span: _Span) -> _Span | None:
    position = next(i for i, s in enumerate(sentence.spans) if s is span)
    return sentence.spans[position - 1] if position else None


def _according(quote: _Found, match: re.Match[str]) -> _Found:
    quote.rule = "according-to"
    np_text = match.group("np")
    core = re.match(_NP, np_text)
    if core is not None and core.end() < len(np_text):
        quote.speaker = (match.start("np"), match.start("np") + core.end())
    else:
        quote.speaker = match.span("np")
    quote.phrase = (match.start("np"), match.end("rel") if match.group("rel") else match.end("np"))
    return quote


# "a statement from the Foreign Ministry:", "remarks by the spokesman:"
_WORDS_OF = re.compile(
    rf"\b(?:statement|remarks|message|letter|speech|comments?|words|note|post|response|reply)"
    rf"\s+(?:from|by|of)\s+(?P<np>{_NP})\s*:?\s*$"
)


def _colon_speaker(
    text: str,
    lead_start: int,
    open_at: int,
    sentences: list[_Sentence],
    index: int,
    span: _Span,
) -> tuple[tuple[int, int], bool] | None:
    lead = text[lead_start:open_at]
    if not lead.rstrip().endswith(":"):
        # "The agency published a statement from the Foreign Ministry:"
        # closing the paragraph before a quote.
        sentence = sentences[index]
        if index == 0 or text[sentence.start : open_at].strip() or span.continues:
            return None
        previous = sentences[index - 1]
        if not text[previous.start : previous.end].rstrip().endswith(":"):
            return None
        lead_start, lead = previous.start, text[previous.start : previous.end]
    body = lead.rstrip()[:-1]
    words_of = _WORDS_OF.search(body + ":")
    if words_of is not None:
        return (lead_start + words_of.start("np"), lead_start + words_of.end("np")), False
    headline = re.fullmatch(rf"\s*(?P<np>{_NAME_NP}|{_COMMON_NP})\s*", body)
    if headline is not None:
        return (lead_start + headline.start("np"), lead_start + headline.end("np")), False
    verb = _verb_before(text, lead_start, lead_start + len(body), lead_start, colon=True)
    if verb is not None:
        return verb[0], verb[2]
    subject = re.match(rf"\s*(?P<np>{_NP})\s+[a-z]", body)
    if subject is not None:
        return (lead_start + subject.start("np"), lead_start + subject.end("np")), False
    return None


# A noun phrase that ends right before a verb of saying (with an appositive
# and an adverb allowed between).
_NP_BEFORE_VERB = re.compile(
    rf"(?<![\w’'])(?P<np>{_NP})(?P<appositive>,[^,“”\"]{{1,80}},)?{_ADVERB}\s+$"
)


def _verb_before(
    text: str, start: int, end: int, sentence_start: int, colon: bool = False
) -> tuple[tuple[int, int], str, bool] | None:
    """
    The last verb of saying in text[start:end] and its speaker's offsets,
    with True when the speaker is the sentence's subject ("… and added that
    Kim “…”"). The verb must introduce what follows: only adverbials, an
    object of "told" and a reported clause may stand between it and the quote.
    """
    lead = text[start:end]
    matches = list(re.finditer(rf"\b(?P<verb>{_VERB})\b", lead))
    for match in reversed(matches):
        verb = match.group("verb")
        tail = lead[match.end() :]
        if not colon and not _introduces(tail, verb):
            continue
        before = text[sentence_start : start + match.start()]
        if _AND_BEFORE.search(before):
            return (start + match.start(), start + match.start()), verb, True
        np = _NP_BEFORE_VERB.search(before)
        if np is not None:
            return (
                _shift(
                    _named_in_appositive(before, np.span("np"), np, "appositive"), sentence_start
                ),
                verb,
                False,
            )
    return None


def _shift(span: tuple[int, int], by: int) -> tuple[int, int]:
    return span[0] + by, span[1] + by


def _introduces(tail: str, verb: str) -> bool:
    """What stands between a verb of saying and the quote lets the verb introduce it."""
    tail = tail.strip()
    if not tail or tail in {",", ":"}:
        return True
    if verb.startswith("told") or verb.startswith("tell"):
        obj = re.match(_TOLD_OBJECT, " " + tail)
        if obj is not None:
            tail = (" " + tail)[obj.end() :].strip()
    # "said Friday that Kim …", "added that Kim": the quote may sit inside
    # the reported clause, so a clause between verb and quote is allowed
    # when it has no verb of saying of its own.
    return not re.search(rf"\b(?:{_VERB})\b", tail) and len(tail) < 200


def _sentence_subject(
    text: str, sentence: _Sentence, *, pronoun: bool = False
) -> tuple[int, int] | None:
    """The sentence's subject when it names a speaker (or, asked for, is a pronoun)."""
    body = text[sentence.start : sentence.end]
    if body[:1] in '“"‘«':
        return None
    match = _SUBJECT.match(body)
    if match is None:
        return None
    np = match.group("np")
    if np.lower() in _PRONOUNS:
        return _shift(match.span("np"), sentence.start) if pronoun else None
    if re.search(r"['’]s$", np):
        return None
    if not (re.search(_HEAD, np) or re.fullmatch(_NAME_NP, np)):
        return None
    return _shift(_named_in_appositive(body, match.span("np"), match, "appositive"), sentence.start)


def _adjacent(sentences: list[_Sentence], index: int, statement: _Found) -> bool:
    """The statement is in the sentence just before, in this paragraph or the one before."""
    if index == 0:
        return False
    previous = sentences[index - 1]
    return previous.start <= statement.parts[-1][0] < previous.end or (
        statement.parts[-1][0] < previous.end and statement.parts[-1][1] >= previous.start
    )


def _adjacent_sentence(sentences: list[_Sentence], index: int) -> bool:
    return index > 0 and sentences[index].paragraph - sentences[index - 1].paragraph <= 1


# After a reported clause, the attribution closing the sentence: "…, a
# senior official said on Friday." / "…, said Ri." — adverbials only after it.
_CLOSING = re.compile(
    rf",\s+(?:(?P<np>{_NP})(?P<appositive>,[^,“”\"]{{1,80}},)?{_ADVERB}\s+(?:{_VERB})(?:{_TOLD_OBJECT})?"
    rf"|(?:{_VERB})\s+(?P<np2>{_NP})(?P<rel>{_RELATIVE})?)"
    r"(?:\s+(?:on|in|at|during|after|before|late|early|last|this|yesterday|today|via|from|"
    r"by|when|while|as)\b[^,.;“”\"]{0,60})?[.!?]?\s*$"
)
_PARENTHETICAL = re.compile(
    rf"^(?P<a>[^,“”\"]{{6,}}?),\s+(?P<np>{_NP})\s+(?:said|says|added|noted|argued|insisted),\s+(?P<b>.+)$"
)


def _paraphrases(text: str, sentence: _Sentence, quotes: list[_Found]) -> list[_Found]:
    """Attributed statements without quotation marks in one sentence."""
    found: list[_Found] = []
    start, end = sentence.start, sentence.end
    masked = _mask_spans(text, sentence)
    statement_spans = [q.parts for q in quotes]

    def holds_quote(a: int, b: int) -> bool:
        return any(a <= part[0] < b for parts in statement_spans for part in parts)

    def add(
        rule: str,
        clause: tuple[int, int],
        speaker: tuple[int, int] | None,
        *,
        phrase: tuple[int, int] | None = None,
        use_subject: bool = False,
    ) -> None:
        clause = _trim(text, *clause)
        if clause[1] - clause[0] < 8 or holds_quote(*clause):
            return
        if _words(text[clause[0] : clause[1]]) < 3:
            return
        if any(c[0] < clause[1] and clause[0] < c[1] for f in found for c in f.parts):
            return
        statement = _Found("paraphrase", rule, [clause], speaker=speaker, phrase=phrase)
        statement.use_subject = use_subject
        found.append(statement)

    # According to X, …  /  …, according to X.
    for match in re.finditer(
        rf"\b[Aa]ccording\s+to\s+(?P<np>{_PHRASE})(?P<rel>{_RELATIVE})?\s*(?:,|(?=[.;]\s*$)|$)",
        masked,
    ):
        core = re.match(_NP, match.group("np"))
        np_end = match.start("np") + core.end() if core else match.end("np")
        speaker = (start + match.start("np"), start + np_end)
        phrase = (
            start + match.start("np"),
            start + (match.end("rel") if match.group("rel") else match.end("np")),
        )
        clause = (start + match.end(), end) if match.start() < 3 else (start, start + match.start())
        add("paraphrase-according-to", _cut(text, clause), speaker, phrase=phrase)
    # …, he said, …  (a parenthetical attribution inside the statement)
    paren = _PARENTHETICAL.search(masked)
    if paren is not None:
        add("paraphrase-parenthetical", (start, end), _shift(paren.span("np"), start))
    # …, a senior official said.  /  …, said Ri.
    closing = _CLOSING.search(masked)
    if closing is not None and closing.start() > 0:
        group = "np" if closing.group("np") else "np2"
        speaker = _shift(
            _named_in_appositive(masked, closing.span(group), closing, "appositive"), start
        )
        add("paraphrase-said-after", (start, start + closing.start()), speaker)
    # X said (that) …
    for match in re.finditer(rf"\b(?P<verb>{_VERB})\b", masked):
        verb = match.group("verb")
        if verb not in _REPORTING_VERBS:
            continue
        before = masked[: match.start()]
        use_subject = bool(_AND_BEFORE.search(before))
        subject_of: tuple[int, int] | None = None
        if not use_subject:
            np = _NP_BEFORE_VERB.search(before)
            if np is None:
                continue
            subject_of = _shift(
                _named_in_appositive(masked, np.span("np"), np, "appositive"), start
            )
        clause_start = _clause_start(masked, match.end(), verb)
        if clause_start is None:
            continue
        clause = _cut(text, (start + clause_start, end))
        if not _CLAUSE_CUE.search(text[clause[0] : clause[1]]):
            continue
        add("paraphrase", clause, subject_of, use_subject=use_subject)
    return found


def _mask_spans(text: str, sentence: _Sentence) -> str:
    """
    The sentence with the words inside quotation marks blanked out (same
    length, so offsets hold): a verb of saying inside a quote is the
    speaker's, not an attribution.
    """
    chars = list(text[sentence.start : sentence.end])
    for span in sentence.spans:
        for i in range(span.open + 1, min(span.close, sentence.end)):
            at = i - sentence.start
            if 0 <= at < len(chars) and not chars[at].isspace():
                chars[at] = "x"
    return "".join(chars)


def _clause_start(masked: str, at: int, verb: str) -> int | None:
    """Where the reported clause after a verb of saying begins, or None if there is none."""
    rest = masked[at:]
    offset = at
    if verb.startswith("told") or verb.startswith("tell"):
        obj = re.match(_TOLD_OBJECT, rest)
        if obj is None:
            return None
        offset += obj.end()
        rest = masked[offset:]
    that = re.match(
        r"(?P<adv>(?:\s+(?!that\b)[\w’'\-.]+){0,10}?)\s+that\s+(?!(?:is|was|were|are|would|will|had|has)\b)",
        rest,
    )
    if that is not None and _only_adverbials(that.group("adv")):
        return offset + that.end()
    if re.match(r"\s*[,:]", rest):
        return None
    return offset + (len(rest) - len(rest.lstrip()))


def _only_adverbials(words: str) -> bool:
    """
    What stands between a verb of saying and "that" is setting, not a clause
    ("on Friday", "in a statement published by KCNA"), so "that" opens the
    reported clause.
    """
    words = re.sub(r"\b\w+ed\s+by\b", " ", words)  # "published by", "carried by"
    return not (
        _FINITE.search(words)
        or _CLAUSE_CUE.search(words)
        or re.search(rf"\b(?:and|but|{_SPEECH_VERBS})\b", words)
    )


def _cut(text: str, clause: tuple[int, int]) -> tuple[int, int]:
    start, end = clause
    stop = _CLAUSE_STOP.search(text, start, end)
    if stop is not None:
        end = stop.start()
    return start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:—–-."):
        end -= 1
    return start, end


class _Resolver:
    """Turns found statements into Quotes, resolving who each speaker is."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.mentions: list[_Mention] = []
        self.fulls: dict[str, None] = {}
        self.resolved: dict[int, _Mention | None] = {}
        # "the statement said", "담화는 …고 강조했다": the document speaks for
        # whoever the article said issued it.
        self.documents: dict[str, _Mention] = {}

    def saw_documents(self, sentence: str, subject: tuple[int, int]) -> None:
        """The sentence's subject issued the documents it mentions (a statement, 담화 …)."""
        nouns = [
            n for n in (*_DOCUMENTS, *_KO_DOCUMENTS) if re.search(rf"(?i)(?<![\w]){n}", sentence)
        ]
        if not nouns:
            return
        mention = next((m for m in reversed(self.mentions) if (m.start, m.end) == subject), None)
        mention = mention or self._mention(subject)
        if mention is None or mention.text in nouns:
            return
        for noun in nouns:
            self.documents[noun] = mention
            self.documents[f"the {noun}"] = mention
            self.documents[f"The {noun}"] = mention

    def saw_subject(self, span: tuple[int, int]) -> None:
        mention = self._mention(span)
        if mention is not None:
            self._push(mention)

    def resolve(self, statement: _Found) -> Quote | None:
        rule = statement.rule
        mention: _Mention | None
        if statement.carried is not None:
            mention = self.resolved.get(id(statement.carried))
        elif statement.speaker is None:
            mention = None
        else:
            raw = self.text[statement.speaker[0] : statement.speaker[1]]
            if raw.lower() in _PRONOUNS:
                mention = self._antecedent(plural=raw.lower() == "they")
                if statement.kind == "quote" and rule in {
                    "said-after",
                    "told",
                    "said-before",
                    "colon",
                }:
                    rule = "pronoun"
                elif statement.kind == "paraphrase":
                    rule = "paraphrase-pronoun"
            else:
                mention = self._mention(statement.speaker, statement.phrase)
                if mention is not None:
                    self._push(mention)
        self.resolved[id(statement)] = mention
        return self._quote(statement, rule, mention)

    def _quote(self, statement: _Found, rule: str, mention: _Mention | None) -> Quote | None:
        parts = tuple(build_selector(self.text, a, b) for a, b in statement.parts)
        if not parts:
            return None
        whole = build_selector(self.text, statement.parts[0][0], statement.parts[-1][1])
        words = " ".join(part.exact for part in parts)
        return Quote(
            text=words,
            speaker=mention.text if mention else None,
            kind=statement.kind,
            rule=rule,
            selector=whole,
            parts=parts,
            speaker_span=(mention.start, mention.end) if mention else None,
            speaker_phrase=mention.phrase if mention else None,
            speaker_full=mention.full if mention else None,
            language="en",
        )

    def _mention(
        self, span: tuple[int, int], phrase: tuple[int, int] | None = None
    ) -> _Mention | None:
        raw = self.text[span[0] : span[1]]
        said = self.text[phrase[0] : phrase[1]].strip() if phrase else raw
        if not raw.strip() or raw.lower() in _PRONOUNS:
            return None
        head = raw.split()[-1].lower() if raw.split() else ""
        plural = bool(
            re.match(r"(?i)(?:two|three|four|five|several|some|many|both|other)\b", raw)
            or (
                head.endswith("s")
                and re.fullmatch(_HEAD, head) is not None
                and head not in {"news", "mass"}
            )
            or head in {"people", "spokespeople", "media"}
        )
        collective = (
            head in _COLLECTIVE
            or " of " in raw
            and raw.split(" of ")[-1].split()[-1].lower() in _COLLECTIVE
        )
        owner = self.documents.get(raw)
        if owner is not None:
            return _Mention(raw, span[0], span[1], False, True, owner.full, said)
        return _Mention(raw, span[0], span[1], plural, collective, self._fullest(raw), said)

    def _push(self, mention: _Mention) -> None:
        self.mentions.append(mention)
        # Distinct full names, most recent last: what _fullest looks
        # through, so that a long article costs per name, not per mention.
        self.fulls.pop(mention.full, None)
        self.fulls[mention.full] = None

    def _antecedent(self, *, plural: bool) -> _Mention | None:
        for mention in reversed(self.mentions):
            if plural and (mention.plural or mention.collective):
                return mention
            if not plural and not mention.plural:
                return mention
        return None

    def _fullest(self, raw: str) -> str:
        """The longest earlier mention that names the same person or body."""
        tokens = set(_name_tokens(raw))
        definite = re.match(r"(?i)the\s+(.+)$", raw)
        best = raw
        for full in reversed(self.fulls):
            if tokens and tokens <= set(_name_tokens(full)) and len(full) > len(best):
                best = full
            elif definite and not tokens:
                words = definite.group(1).lower().split()
                if words and all(w in full.lower() for w in words[-1:]) and full != raw:
                    return full
        return best


@functools.lru_cache(maxsize=4096)
def _name_tokens(raw: str) -> tuple[str, ...]:
    """The capitalised name words of a mention, titles and determiners left out."""
    words = re.findall(r"[A-Z][\w\-]*", raw)
    return tuple(w.lower() for w in words if w.lower() not in _NOT_NAMES and not w.endswith("s'"))


_NOT_NAMES = set(_TITLE_WORDS.split("|")) | {"mr", "mrs", "ms", "dr", "the", "a", "an"}


# ---------------------------------------------------------------------------
# Korean


_KO_SPEECH = (
    r"(?:말했|밝혔|주장했|강조했|전했|덧붙였|설명했|지적했|비판했|반박했|경고했|언급했|답했|"
    r"물었|촉구했|발표했|보도했|부인했|시사했|강변했|토로했|호소했|단언했|일축했|반문했|"
    r"말한|밝힌|주장한|강조한|전한|설명한|지적한|말하|밝히|주장하|강조하|전하|설명하|지적하|"
    r"비판하|반박하|경고하|언급하|답하|묻|촉구하|보도하|부인하|했|한다|했습니다|"
    r"말을\s+이었|목소리를\s+높였|입장을\s+(?:밝혔|내놨|보였)|전망했|예상했|평가했|분석했|"
    r"꼬집었|못박았|못 박았|확인했|인정했|약속했|다짐했|요구했|제안했|고\s+했|내다봤|관측했|예측했|"
    r"우려했|주문했|당부했|화답했|답변했|말했습니다|전했습니다)"
)
# Right after a closing quote mark: the quotative ending (“…”라고 말했다,
# “…했다”고 밝혔다, “…”라며, “…냐”고 물었다, “…”라는 입장을 밝혔다).
_KO_QUOTATIVE = re.compile(
    r"\s*(?:이?라고|고|이?라며|며|이?라면서|면서|냐고|자고|이?라는|는|이?란|하고)(?=[\s,.]|$)"
)
_KO_INDIRECT = re.compile(
    rf"(?:다|라|냐|자|까|요)고(?:도|는|만)?(?:\s+\S+){{0,3}}?\s+{_KO_SPEECH}[^\s]*\s*[.!?]?\s*$"
)
_KO_ACCORDING = re.compile(r"(?P<np>\S+(?:\s+\S+){0,4}?)에\s+따르면\s*,?\s*")
_KO_PRONOUNS = {
    "그": False,
    "그녀": False,
    "이들": True,
    "그들": True,
    "양측": True,
    "두 사람": True,
}
# Eojeols that begin a sentence without naming anyone: adverbs and dates.
_KO_ADVERBIAL = re.compile(
    r"^(?:이날|앞서|한편|또|또한|그러나|하지만|이에|이어|특히|다만|당시|최근|현재|그리고|그러면서|"
    r"반면|아울러|이후|이번|지난|오늘|어제|다음날|새벽|오전|오후|밤|현지시간|\(현지시간\)|\d+일|"
    r"\d+월|\d+년|지난달|지난주|올해|작년|이틀|사흘|나중|결국|먼저|우선|대신|이와\s*관련해?|"
    r"관련해|이에\s*대해|이를\s*두고)$"
)
_KO_HEADS = (
    "대통령", "위원장", "국무위원장", "외무상", "부상", "제1부상", "대변인", "장관", "국무장관",
    "차관", "특별대표", "대표", "대사", "총리", "의원", "관계자", "당국자", "소식통", "전문가",
    "교수", "연구원", "위원", "실장", "비서실장", "보좌관", "외무성", "국무부", "백악관", "청와대",
    "통일부", "외교부", "국방부", "정부", "당국", "통신", "신문", "방송", "매체", "측", "씨",
    "선임연구원", "센터장", "소장", "원장", "총장", "사무총장", "주석", "지도자", "담화", "성명",
    "기자", "특파원", "외교관", "협상가", "대표단", "분석가", "부부장", "제1부부장", "국장",
    "조선중앙통신", "노동신문", "단장", "수석", "대변인실", "외교관들", "당국자들", "관계자들",
)  # fmt: skip


def _extract_korean(text: str) -> list[Quote]:
    paragraphs = _paragraphs(text)
    sentences = _sentences(text, paragraphs, korean=True)
    resolver = _KoreanResolver(text)
    results: list[Quote] = []
    for sentence in sentences:
        found: list[_Found] = []
        body_end = sentence.end
        topic = _ko_topic(
            text, sentence.start, sentence.spans[0].open if sentence.spans else body_end
        )
        region = sentence.start  # where a reported clause after the quotes may begin
        lead_start = sentence.start
        for span in sentence.spans:
            inner = _inner_bounds(text, span)
            lead = text[lead_start : span.open]
            lead_start = span.after
            if inner[0] >= inner[1]:
                continue
            quotative = _KO_QUOTATIVE.match(text, span.after, body_end)
            next_open = next((o.open for o in sentence.spans if o.open > span.open), body_end)
            rest = text[span.after : next_open]
            speaks = re.search(_KO_SPEECH, text[span.after : body_end]) is not None
            words = len(text[inner[0] : inner[1]].split())
            headline = _ko_headline_speaker(text, span.open - len(lead), span.open)
            if headline is not None and quotative is None:
                # 트럼프 “서두를 것 없다”: a name, then its words (a headline's colon).
                found.append(
                    _Found("quote", "ko-headline", [inner], speaker=headline, phrase=headline)
                )
                continue
            if quotative is None or not speaks:
                if words < MIN_UNATTRIBUTED_WORDS or not span.closed and not span.continues:
                    continue
                if (
                    quotative is None
                    and not text[sentence.start : span.open].strip()
                    and re.match(r"\s*[.!?]?\s*$", rest)
                ):
                    # A quote standing alone: the speaker of the sentence before goes on.
                    found.append(_Found("quote", "ko-dropped-subject", [inner]))
                continue
            if words < 2 and quotative.group().strip() in {"는", "란", "라는", "이라는"}:
                continue  # ‘비핵화’라는 표현: a term, not a statement
            region = quotative.end()
            statement = _Found("quote", "ko-quotative", [inner])
            later = (
                _ko_topic(text, quotative.end(), next_open)
                if re.search(_KO_SPEECH, text[quotative.end() : next_open])
                else None
            )
            according = _KO_ACCORDING.search(text, sentence.start, span.open)
            if later is not None:
                statement.speaker, statement.phrase = later
            elif according is not None:
                statement.rule = "ko-according-to"
                statement.speaker = _ko_strip_np(text, according.span("np"))
                statement.phrase = according.span("np")
            elif topic is not None:
                statement.speaker, statement.phrase = topic
            else:
                statement.rule = "ko-dropped-subject"
            found.append(statement)
        quoted = [f for f in found if f.rule != "ko-headline"]
        if not quoted or region > sentence.start:
            # “서두를 것이 없다”며 속도보다 … 중요하다고 강조했다: the clause after the quotes.
            after_quotes = region if quoted else sentence.start
            speaker_of = quoted[-1] if quoted else None
            for paraphrase in _ko_paraphrases(text, sentence, topic, after_quotes):
                if speaker_of is not None and paraphrase.speaker is None:
                    paraphrase.carried = speaker_of
                    paraphrase.rule = "ko-indirect"
                found.append(paraphrase)
        for statement in found:
            quote = resolver.resolve(statement)
            if quote is not None:
                results.append(quote)
        if topic is not None:
            if not found:
                resolver.saw_subject(topic[0])
            resolver.saw_documents(text[sentence.start : sentence.end], topic[0])
    return results


_KO_DOCUMENTS = ("담화", "성명", "논평", "보도문", "발표문", "입장문", "서한", "사설")
_DOCUMENTS = ("statement", "report", "letter", "communique", "commentary", "editorial", "message")


def _ko_headline_speaker(text: str, start: int, end: int) -> tuple[int, int] | None:
    """One or two bare nouns right before a quote, with nothing but punctuation before them."""
    lead = text[start:end]
    match = re.search(
        r"(?:^|[…·,\]]|\.{3})\s*(?P<np>[^\s…·,.“”\"‘’]+(?:\s[^\s…·,.“”\"‘’]+)?)\s*$", lead
    )
    if match is None:
        return None
    np = (start + match.start("np"), start + match.end("np"))
    tokens = korean_tokens(text[np[0] : np[1]])
    if not tokens or any(t.tag not in _KO_NOMINAL and t.tag != "SH" for t in tokens):
        return None
    return np


def _eojeols(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


def _ko_topic(text: str, start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """
    The speaker's noun phrase before a quote or a reported clause, particle
    off, and the longer phrase with what describes it (익명을 요구한 …): the
    first noun phrase marked as topic (은/는), else as subject (이/가) when
    it names a person or an office, as Kiwi's morphological analysis reads
    the sentence (a plain regex cannot tell 김정은 from 김정 + 은, nor 북한
    from a verb's -한).
    """
    if end <= start:
        return None
    tokens = korean_tokens(text[start:end])
    for particles in (
        ("JX", ("은", "는", "께서는", "도", "께서도")),
        ("JKS", ("이", "가", "께서")),
    ):
        tag, forms = particles
        for index, token in enumerate(tokens):
            if token.tag != tag or token.form not in forms or index == 0:
                continue
            head = tokens[index - 1]
            if head.tag not in _KO_NOMINAL or head.end != token.start:
                continue
            first = index - 1
            while first > 0:
                previous = tokens[first - 1]
                if previous.tag not in _KO_NOMINAL or tokens[first].start - previous.end > 1:
                    break
                if _KO_ADVERBIAL.match(_ko_eojeol(text, start, previous)):
                    break
                first -= 1
            while first < index - 1 and _KO_ADVERBIAL.match(_ko_eojeol(text, start, tokens[first])):
                first += 1
            np = (start + tokens[first].start, start + head.end)
            words = text[np[0] : np[1]]
            if _KO_ADVERBIAL.match(words) or not re.search(r"[가-힣A-Za-z]", words):
                continue
            if tag == "JKS" and not (
                _ko_is_head(words)
                or words in _KO_PRONOUNS
                or any(t.tag == "NNP" for t in tokens[first:index])
            ):
                continue
            phrase_start = _ko_phrase_start(tokens, first)
            return np, (start + tokens[phrase_start].start, np[1])
    return None


_KO_NOMINAL = {"NNG", "NNP", "NNB", "NR", "NP", "SN", "SL", "SH", "XSN", "XPN", "SO", "W_SERIAL"}


def _ko_phrase_start(tokens: tuple[KoreanToken, ...], first: int) -> int:
    """
    How far left a speaker's description reaches: a determiner (한 관계자)
    and a relative clause with its object (익명을 요구한 …), one eojeol each.
    """
    at = first
    if at > 0 and tokens[at - 1].tag == "MM":
        at -= 1
    if at > 0 and tokens[at - 1].tag == "ETM":
        at -= 1
        while at > 0 and tokens[at - 1].end >= tokens[at].start:
            at -= 1  # the verb's stem and suffixes (요구 하 ᆫ)
        if at > 0 and tokens[at - 1].tag in {"JKO", "JKB"}:
            at -= 1
            while at > 0 and tokens[at - 1].end >= tokens[at].start:
                at -= 1
    return at


def _ko_eojeol(text: str, base: int, token: KoreanToken) -> str:
    a = base + token.start
    b = base + token.end
    while a > base and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    return text[a:b]


@dataclass(frozen=True)
class KoreanToken:
    form: str
    tag: str
    start: int
    end: int


_kiwi_lock = threading.Lock()
_kiwi: Any = None


def korean_tokens(sentence: str) -> tuple[KoreanToken, ...]:
    """Kiwi's morphemes of a sentence, with offsets into it (cached: articles repeat little)."""
    return _korean_tokens(sentence)


@functools.lru_cache(maxsize=4096)
def _korean_tokens(sentence: str) -> tuple[KoreanToken, ...]:
    kiwi = warm_up()
    return tuple(
        KoreanToken(t.form, t.tag, t.start, t.start + t.len) for t in kiwi.tokenize(sentence)
    )


def warm_up() -> Any:
    """
    Load Kiwi's model (about 2 s and 100 MB, once per process) and run it
    once, so that the first Korean article a reporter pastes is as quick as
    the rest. A process that expects Korean articles can call it at start;
    otherwise the first Korean article loads it (importing this module
    never does, so Django starts as fast as before).
    """
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi  # type: ignore[import-untyped]  # ships no type information

            kiwi = Kiwi()
            kiwi.tokenize("워밍업 문장입니다.")
            _kiwi = kiwi
        return _kiwi


def _ko_is_head(word: str) -> bool:
    return any(word.endswith(head) for head in _KO_HEADS)


def _ko_strip_np(text: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    words = _eojeols(text, start, end)
    while words and _KO_ADVERBIAL.match(text[words[0][0] : words[0][1]]):
        words = words[1:]
    return (words[0][0], end) if words else span


def _ko_paraphrases(
    text: str,
    sentence: _Sentence,
    topic: tuple[tuple[int, int], tuple[int, int]] | None,
    region: int,
) -> list[_Found]:
    """Indirect speech (…다고 말했다) and 에 따르면 in text[region:sentence.end]."""
    body = text[region : sentence.end]
    according = _KO_ACCORDING.search(body)
    if according is not None and region == sentence.start:
        clause = _trim(text, region + according.end(), sentence.end)
        tail = re.search(
            r"(?:는\s*것으로\s*(?:알려졌|전해졌)다|고\s*(?:한다|전했다))\.?\s*$",
            text[clause[0] : clause[1]],
        )
        if tail is not None:
            clause = (clause[0], clause[0] + tail.start())
        if clause[1] - clause[0] > 4:
            np = _ko_strip_np(text, (region + according.start("np"), region + according.end("np")))
            return [_Found("paraphrase", "ko-according-to", [clause], speaker=np, phrase=np)]
    indirect = _KO_INDIRECT.search(body)
    if indirect is None:
        return []
    end = region + indirect.start() + body[indirect.start() :].index("고")
    speaker: tuple[int, int] | None = None
    phrase: tuple[int, int] | None = None
    start = region
    if (
        topic is not None
        and _KO_GOES_ON.match(text, sentence.start)
        and text[topic[0][1]] in "이가께"
    ):
        # 그러면서 김 위원장이 … 발표할 것이라고 덧붙였다: the speaker goes on
        # from the sentence before; the subject marked 이/가 is the clause's own.
        topic = None
    if topic is not None and region <= topic[0][0] and topic[0][1] < end:
        speaker, phrase = topic
        start = speaker[1]
        while start < end and not text[start].isspace():
            start += 1  # the particle
    start = _ko_clause_start(text, start, end)
    words = _eojeols(text, start, end)
    if len(words) < 2:
        return []
    return [
        _Found("paraphrase", "ko-indirect", [(words[0][0], end)], speaker=speaker, phrase=phrase)
    ]


_KO_GOES_ON = re.compile(r"\s*(?:그러면서|이어서?|또한?|아울러|그리고|덧붙여)\s")
_KO_SETTING = re.compile(
    r"\s*(?:같은\s+날|이\s+자리에서|그\s+자리에서|이에\s+대해|이와\s+관련해)\s+"
)


def _ko_clause_start(text: str, start: int, end: int) -> int:
    """
    Where the reported clause begins once the setting is left out: dates
    and adverbs, "같은 날", and a lead-in ending in a connective before the
    clause's own subject (15일 평양에서 기자들과 만나 | 미국이 …).
    """
    words = _eojeols(text, start, end)
    while words and _KO_ADVERBIAL.match(text[words[0][0] : words[0][1]]):
        words = words[1:]
    if not words:
        return start
    start = words[0][0]
    setting = _KO_SETTING.match(text, start, end)
    if setting is not None:
        start = setting.end()
    tokens = korean_tokens(text[start:end])
    subject = next((i for i, t in enumerate(tokens) if t.tag in {"JKS", "JX"}), None)
    if subject is None:
        return start
    cut = None
    for i, token in enumerate(tokens[:subject]):
        ends_word = i + 1 == len(tokens) or tokens[i + 1].start > token.end
        if ends_word and (
            token.tag == "EC" or (token.tag == "JKB" and token.form in {"에서", "에게", "께"})
        ):
            cut = token.end
    if cut is None:
        return start
    rest = start + cut
    while rest < end and text[rest].isspace():
        rest += 1
    return rest


class _KoreanResolver(_Resolver):
    """Korean names and pronouns: 그는 is the last speaker, 리 외무상 is 리용호 외무상."""

    def resolve(self, statement: _Found) -> Quote | None:
        rule = statement.rule
        mention: _Mention | None
        raw = self.text[statement.speaker[0] : statement.speaker[1]] if statement.speaker else None
        if statement.carried is not None:
            mention = self.resolved.get(id(statement.carried))
        elif raw is None:
            mention = (
                self._antecedent(plural=False)
                if rule in {"ko-dropped-subject", "ko-indirect"}
                else None
            )
            if rule == "ko-indirect" and mention is not None:
                rule = "ko-dropped-subject"
            if rule == "ko-dropped-subject" and statement.kind == "paraphrase":
                rule = "ko-indirect"
        elif raw in _KO_PRONOUNS:
            mention = self._antecedent(plural=_KO_PRONOUNS[raw])
            rule = "ko-pronoun"
        else:
            mention = (
                self._mention(statement.speaker, statement.phrase) if statement.speaker else None
            )
            if mention is not None:
                self._push(mention)
        self.resolved[id(statement)] = mention
        quote = self._quote(statement, rule, mention)
        return None if quote is None else _with_language(quote, "ko")

    def _mention(
        self, span: tuple[int, int], phrase: tuple[int, int] | None = None
    ) -> _Mention | None:
        raw = self.text[span[0] : span[1]]
        if not raw.strip():
            return None
        said = self.text[phrase[0] : phrase[1]].strip() if phrase else raw
        owner = self.documents.get(raw)
        if owner is not None:
            return _Mention(raw, span[0], span[1], False, True, owner.full, said)
        plural = raw.endswith("들") or raw in {"양측", "두 사람"}
        collective = any(
            raw.endswith(h)
            for h in (
                "외무성",
                "국무부",
                "백악관",
                "청와대",
                "정부",
                "당국",
                "측",
                "대표단",
                "통신",
            )
        )
        return _Mention(raw, span[0], span[1], plural, collective, self._fullest(raw), said)

    def _fullest(self, raw: str) -> str:
        short = raw.split()
        best = raw
        for full in reversed(self.fulls):
            long = full.split()
            if len(full) > len(best) and all(any(s in w for w in long) for s in short):
                best = full
        return best


def _with_language(quote: Quote, language: str) -> Quote:
    from dataclasses import replace

    return replace(quote, language=language)
