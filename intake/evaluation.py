"""
How well quote extraction does on the labelled corpus (tests/intake/corpus/):
precision and recall overall, per kind and per rule, and how often the
speaker is right. `python manage.py evaluate_extraction` prints it;
docs/intake.md reports it; tests/intake/test_extraction_corpus.py keeps it
from falling.

The corpus: one article per .txt file beside a .json label file holding the
article's people (the sources a desk would have: id, name, kind, affiliation,
anonymity, description, aliases) and every statement a careful reader finds
(text, speaker as written, person — the people id the speaker is, or null for
a group or no one —, kind, and rule: the attribution pattern the reader sees,
named as the extractor names its rules).

Matching rules, chosen to be simple to check by hand:

- A found statement matches a labelled one of the same kind when the words
  they share (lower-cased word tokens, counted with repeats) are at least
  half of the words of the longer of the two. One found statement matches at
  most one labelled statement and the other way round, best overlaps first.
- Its speaker is right when it resolves to the same person: the found
  speaker (its fullest form in the article, else as written) is matched
  against the article's people with intake.speakers.match_speaker, and the
  best candidate scoring AUTO_MATCH or more is the person. A labelled person
  of null is right when the found speaker resolves to nobody and names the
  same words (a group such as "Officials"), or, for a statement with no
  speaker, when none was found either.
- Precision per rule counts the found statements by the rule that found
  them; recall per rule counts the labelled ones by the rule in the label.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .extraction import Quote, extract_quotes, warm_up
from .speakers import (
    AUTO_MATCH,
    CandidateIndex,
    SourceCandidate,
    fold,
    match_speaker,
    prepare_candidates,
)

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "intake" / "corpus"
MATCH_OVERLAP = 0.5


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    kind: str = "other"
    affiliation: str | None = None
    anonymous: bool = False
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelledQuote:
    text: str
    speaker: str | None
    person: str | None
    kind: str
    rule: str


@dataclass(frozen=True)
class LabelledArticle:
    name: str
    language: str
    text: str
    people: tuple[Person, ...]
    quotes: tuple[LabelledQuote, ...]
    # "dev": written while the rules were written; "held-out": written and
    # labelled before the extractor first read it, and never tuned on.
    split: str = "dev"


def load_corpus(directory: Path = CORPUS_DIR) -> list[LabelledArticle]:
    """Every labelled article in the directory, by file name."""
    articles = []
    for label_file in sorted(directory.glob("*.json")):
        data = json.loads(label_file.read_text(encoding="utf-8"))
        text = (directory / data["article"]).read_text(encoding="utf-8")
        people = tuple(
            Person(
                id=p["id"],
                name=p["name"],
                kind=p.get("kind", "other"),
                affiliation=p.get("affiliation"),
                anonymous=bool(p.get("anonymous", False)),
                description=p.get("description", ""),
                aliases=tuple(p.get("aliases", ())),
            )
            for p in data.get("people", ())
        )
        quotes = tuple(
            LabelledQuote(q["text"], q.get("speaker"), q.get("person"), q["kind"], q["rule"])
            for q in data["quotes"]
        )
        articles.append(
            LabelledArticle(
                label_file.stem,
                data.get("language", "en"),
                text,
                people,
                quotes,
                data.get("split", "dev"),
            )
        )
    return articles


def _tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def overlap(a: str, b: str) -> float:
    """Shared words over the words of the longer text (0–1)."""
    ta, tb = _tokens(a), _tokens(b)
    longer = max(sum(ta.values()), sum(tb.values()))
    return sum((ta & tb).values()) / longer if longer else 0.0


def pair_up(
    found: Sequence[Quote], labelled: Sequence[LabelledQuote]
) -> list[tuple[int, int, float]]:
    """(found index, label index, overlap) of the matched pairs, best overlaps first."""
    scored = sorted(
        (
            (overlap(q.text, label.text), i, j)
            for i, q in enumerate(found)
            for j, label in enumerate(labelled)
            if q.kind == label.kind
        ),
        reverse=True,
    )
    used_found: set[int] = set()
    used_label: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score < MATCH_OVERLAP:
            break
        if i in used_found or j in used_label:
            continue
        used_found.add(i)
        used_label.add(j)
        pairs.append((i, j, score))
    return pairs


def people_index(people: Iterable[Person]) -> tuple[CandidateIndex, dict[int, str]]:
    listed = list(people)
    candidates = [
        SourceCandidate(
            id=n,
            name=p.name,
            kind=p.kind,
            affiliation=p.affiliation,
            is_anonymous=p.anonymous,
            description=p.description,
            aliases=p.aliases,
        )
        for n, p in enumerate(listed)
    ]
    return prepare_candidates(candidates), {n: p.id for n, p in enumerate(listed)}


def resolve_person(quote: Quote, index: CandidateIndex, ids: dict[int, str]) -> str | None:
    """The person the found speaker is, by the desk's matching, or None."""
    for name in (quote.speaker_full, quote.speaker):
        if not name:
            continue
        matches = match_speaker(name, index, limit=1)
        if matches and matches[0].score >= AUTO_MATCH:
            return ids[matches[0].candidate_id]
    return None


def speaker_is_right(quote: Quote, label: LabelledQuote, person: str | None) -> bool:
    if label.person is not None:
        return person == label.person
    if label.speaker is None:
        return quote.speaker is None
    return (
        quote.speaker is not None
        and person is None
        and fold(quote.speaker).removeprefix("the ") == fold(label.speaker).removeprefix("the ")
    )


@dataclass
class Tally:
    found: int = 0
    found_right: int = 0
    labelled: int = 0
    labelled_found: int = 0

    @property
    def precision(self) -> float:
        return self.found_right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.labelled_found / self.labelled if self.labelled else 1.0


@dataclass
class Miss:
    article: str
    what: str  # "missed", "extra", "speaker"
    text: str
    detail: str


@dataclass
class Report:
    articles: int = 0
    overall: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    by_language: dict[str, Tally] = field(default_factory=dict)
    by_split: dict[str, Tally] = field(default_factory=dict)
    by_rule: dict[str, Tally] = field(default_factory=dict)
    matched: int = 0
    speakers_right: int = 0
    misses: list[Miss] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speakers_right / self.matched if self.matched else 1.0


def evaluate(articles: Iterable[LabelledArticle]) -> Report:
    report = Report()
    articles = list(articles)
    if any(a.language == "ko" for a in articles):
        warm_up()  # Kiwi's model loads once per process; time the articles, not the load
    for article in articles:
        report.articles += 1
        started = time.perf_counter()
        found = extract_quotes(article.text, article.language)
        report.seconds += time.perf_counter() - started
        index, ids = people_index(article.people)
        pairs = pair_up(found, article.quotes)
        found_matched = {i: j for i, j, _ in pairs}
        label_matched = {j for _, j, _ in pairs}
        for i, quote in enumerate(found):
            buckets = (
                report.overall,
                report.by_kind.setdefault(quote.kind, Tally()),
                report.by_language.setdefault(article.language, Tally()),
                report.by_split.setdefault(article.split, Tally()),
                report.by_rule.setdefault(quote.rule, Tally()),
            )
            for tally in buckets:
                tally.found += 1
                tally.found_right += i in found_matched
            if i not in found_matched:
                report.misses.append(
                    Miss(
                        article.name,
                        "extra",
                        quote.text,
                        f"{quote.rule}, speaker {quote.speaker!r}",
                    )
                )
        for j, label in enumerate(article.quotes):
            buckets = (
                report.overall,
                report.by_kind.setdefault(label.kind, Tally()),
                report.by_language.setdefault(article.language, Tally()),
                report.by_split.setdefault(article.split, Tally()),
                report.by_rule.setdefault(label.rule, Tally()),
            )
            for tally in buckets:
                tally.labelled += 1
                tally.labelled_found += j in label_matched
            if j not in label_matched:
                report.misses.append(Miss(article.name, "missed", label.text, label.rule))
        for i, j, _ in pairs:
            quote, label = found[i], article.quotes[j]
            person = resolve_person(quote, index, ids)
            report.matched += 1
            if speaker_is_right(quote, label, person):
                report.speakers_right += 1
            else:
                report.misses.append(
                    Miss(
                        article.name,
                        "speaker",
                        label.text,
                        f"found {quote.speaker!r} ({quote.speaker_full!r} → {person}), "
                        f"labelled {label.speaker!r} ({label.person})",
                    )
                )
    return report


def format_report(report: Report, *, misses: bool = False) -> str:
    """The report as the Markdown tables docs/intake.md shows."""
    lines = [
        f"{report.articles} articles, {report.overall.labelled} labelled statements, "
        f"{report.overall.found} found; extraction took {report.seconds * 1000:.0f} ms in all.",
        "",
        "| | found | right | labelled | recalled | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        _row("**all**", report.overall),
    ]
    lines.extend(_row(f"kind: {k}", t) for k, t in sorted(report.by_kind.items()))
    lines.extend(_row(f"language: {k}", t) for k, t in sorted(report.by_language.items()))
    lines.extend(_row(f"set: {k}", t) for k, t in sorted(report.by_split.items()))
    lines.extend(["", "| rule | found | right | labelled | recalled | precision | recall |"])
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    lines.extend(_row(f"`{rule}`", t) for rule, t in sorted(report.by_rule.items()))
    lines.extend(
        [
            "",
            f"Speaker right on {report.speakers_right} of {report.matched} matched statements "
            f"({report.speaker_accuracy:.0%}).",
        ]
    )
    if misses and report.misses:
        lines.extend(["", "Misses:"])
        lines.extend(f"- {m.article} [{m.what}] {m.text!r}: {m.detail}" for m in report.misses)
    return "\n".join(lines)


def _row(label: str, tally: Tally) -> str:
    precision = f"{tally.precision:.2f}" if tally.found else "–"
    recall = f"{tally.recall:.2f}" if tally.labelled else "–"
    return (
        f"| {label} | {tally.found} | {tally.found_right} | {tally.labelled} | "
        f"{tally.labelled_found} | {precision} | {recall} |"
    )


@dataclass(frozen=True)
class Speed:
    words: int
    statements: int
    speakers: int
    sources: int
    extract_ms: float
    match_ms: float
    index_ms: float
    runs: int


def synthetic_sources(count: int = 5000) -> list[SourceCandidate]:
    """
    A desk's worth of sources that look like real ones (Korean, English and
    Hangul names, offices, anonymous officials), made the same way every
    time so the timing compares run to run.
    """
    surnames = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Ri", "Pak", "Choe", "Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Moore"]  # fmt: skip
    syllables = ["Yong", "Ho", "Jong", "Un", "Sun", "Hui", "Min", "Jae", "Hyun", "Soo", "Young", "Chol", "Nam", "Sung", "Il", "Hwa", "Kyung", "Dong", "Seok", "Ju"]  # fmt: skip
    western = [
        "John",
        "Mary",
        "James",
        "Anne",
        "Robert",
        "Linda",
        "Michael",
        "Susan",
        "David",
        "Karen",
    ]
    hangul_surnames = "김리박최정강조윤장임"
    hangul_given = "용호정은선희민재현수영철남성일화경동석주"
    offices = ["Foreign Ministry", "Defense Ministry", "State Department", "Unification Ministry", "Embassy", "Mission to the UN", "Press Office", "News Agency"]  # fmt: skip
    countries = ["North Korean", "South Korean", "U.S.", "Chinese", "Japanese", "Russian"]
    sources: list[SourceCandidate] = []
    n = 0
    while len(sources) < count:
        kind = n % 10
        if kind < 5:
            name = f"{surnames[n % 20]} {syllables[(n // 20) % 20]} {syllables[(n // 400) % 20]}"
        elif kind < 7:
            name = f"{western[n % 10]} {surnames[(n // 10) % 20]}-{syllables[(n // 200) % 20]}"
        elif kind < 9:
            name = (
                hangul_surnames[n % 10]
                + hangul_given[(n // 10) % 20]
                + hangul_given[(n // 200) % 20]
            )
        else:
            name = f"{countries[n % 6]} {offices[(n // 6) % 8]} {n}"
        sources.append(
            SourceCandidate(
                id=100_000 + n,
                name=name,
                kind="official",
                affiliation="north-korea" if n % 2 else "united-states",
                is_anonymous=False,
                description=f"{countries[n % 6]} official number {n}.",
            )
        )
        n += 1
    sources.append(
        SourceCandidate(
            99_999, "Senior U.S. official (unnamed)", "anonymous_official", "united-states", True
        )
    )
    return sources


def measure_speed(
    articles: Sequence[LabelledArticle], *, runs: int = 5, target_words: int = 1500
) -> Speed:
    """
    The issue's target: extracting a 1,500-word article and matching its
    speakers against ~5,000 sources in under a second. The article is the
    corpus's English articles run together to that length; the sources are
    synthetic_sources() plus the articles' own people. Best of `runs`.
    """
    english = [a for a in articles if a.language == "en"] or list(articles)
    paragraphs: list[str] = []
    words = 0
    while words < target_words and english:
        for article in english:
            for paragraph in article.text.split("\n\n"):
                if words >= target_words:
                    break
                paragraphs.append(paragraph.strip())
                words += len(paragraph.split())
    text = "\n\n".join(paragraphs)
    people = {(p.name, p.description) for a in english for p in a.people}
    candidates = synthetic_sources() + [
        SourceCandidate(200_000 + n, name, description=description)
        for n, (name, description) in enumerate(sorted(people))
    ]
    started = time.perf_counter()
    index = prepare_candidates(candidates)
    index_ms = (time.perf_counter() - started) * 1000
    best_extract = best_match = float("inf")
    found: list[Quote] = []
    names: list[str] = []
    for _ in range(runs):
        started = time.perf_counter()
        found = extract_quotes(text, "en")
        best_extract = min(best_extract, time.perf_counter() - started)
        names = sorted({q.speaker_full or q.speaker for q in found if q.speaker})
        started = time.perf_counter()
        for name in names:
            match_speaker(name, index)
        best_match = min(best_match, time.perf_counter() - started)
    return Speed(
        words=len(text.split()),
        statements=len(found),
        speakers=len(names),
        sources=len(candidates),
        extract_ms=best_extract * 1000,
        match_ms=best_match * 1000,
        index_ms=index_ms,
        runs=runs,
    )
