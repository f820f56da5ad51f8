"""
Where a quote sits in its article, said the way W3C Web Annotation says it:
a TextQuoteSelector (the exact words, with up to CONTEXT characters of
prefix and suffix) together with a TextPositionSelector (start and end
offsets, in characters of the article's text, end exclusive).

The exact words and their context are what survive an edit of the article
(a corrected typo further up moves every offset); the offsets are what
tell two identical passages apart when the text is as it was. `anchor`
uses both: the offsets when they still point at the same words, otherwise
the occurrence of the exact words whose context agrees best, and, when the
words themselves were touched (curly quotes made straight, a doubled
space), the closest fuzzy match.

Pure functions over strings: no ORM, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

# About as much context as the Web Annotation examples and Hypothesis use:
# enough to tell repeated phrases apart, short enough to survive edits
# nearby.
CONTEXT = 32

# A fuzzy re-anchoring must agree with the exact words this much (0–100);
# below it the passage is taken to be gone rather than guessed at.
FUZZY_THRESHOLD = 90.0


@dataclass(frozen=True)
class TextQuoteSelector:
    """The exact words of a passage, their context, and their offsets."""

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int

    def as_web_annotation(self) -> list[dict[str, Any]]:
        """
        The selectors as a Web Annotation target lists them: the quote, and
        the position, so a client that knows only one of them still anchors.
        """
        return [
            {
                "type": "TextQuoteSelector",
                "exact": self.exact,
                "prefix": self.prefix,
                "suffix": self.suffix,
            },
            {"type": "TextPositionSelector", "start": self.start, "end": self.end},
        ]


def build_selector(text: str, start: int, end: int, *, context: int = CONTEXT) -> TextQuoteSelector:
    """The selector of text[start:end]; offsets outside the text are refused."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}–{end} is outside a text of {len(text)} characters")
    return TextQuoteSelector(
        exact=text[start:end],
        prefix=text[max(0, start - context) : start],
        suffix=text[end : end + context],
        start=start,
        end=end,
    )


def anchor(
    text: str, selector: TextQuoteSelector, *, use_position: bool = True
) -> tuple[int, int] | None:
    """
    The (start, end) of the selector's passage in text, or None when it is
    no longer there. With use_position=False the stored offsets are only a
    tie-breaker between occurrences whose context agrees equally well.
    """
    exact = selector.exact
    if not exact:
        return None
    if use_position and _context_agrees(text, selector, selector.start):
        return selector.start, selector.end
    found = _best_exact(text, selector)
    if found is not None:
        return found, found + len(exact)
    return _fuzzy(text, selector)


def _context_agrees(text: str, selector: TextQuoteSelector, start: int) -> bool:
    end = start + len(selector.exact)
    return (
        text[start:end] == selector.exact
        and text[max(0, start - len(selector.prefix)) : start] == selector.prefix
        and text[end : end + len(selector.suffix)] == selector.suffix
    )


def _best_exact(text: str, selector: TextQuoteSelector) -> int | None:
    """The occurrence of the exact words whose prefix and suffix agree best."""
    best: tuple[int, int, int] | None = None  # (agreement, -distance, start)
    at = text.find(selector.exact)
    while at != -1:
        agreement = _common_suffix(text[:at], selector.prefix) + _common_prefix(
            text[at + len(selector.exact) :], selector.suffix
        )
        key = (agreement, -abs(at - selector.start), at)
        if best is None or key > best:
            best = key
        at = text.find(selector.exact, at + 1)
    return None if best is None else best[2]


def _common_suffix(before: str, prefix: str) -> int:
    n = 0
    while n < len(prefix) and n < len(before) and before[-1 - n] == prefix[-1 - n]:
        n += 1
    return n


def _common_prefix(after: str, suffix: str) -> int:
    n = 0
    while n < len(suffix) and n < len(after) and after[n] == suffix[n]:
        n += 1
    return n


def _fuzzy(text: str, selector: TextQuoteSelector) -> tuple[int, int] | None:
    # Short passages match by chance anywhere; only a sentence-sized one is
    # worth a fuzzy search.
    if len(selector.exact) < 12 or not text:
        return None
    alignment = fuzz.partial_ratio_alignment(selector.exact, text, score_cutoff=FUZZY_THRESHOLD)
    if alignment is None:
        return None
    return alignment.dest_start, alignment.dest_end
