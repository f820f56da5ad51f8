"""TextQuoteSelector: built from a span, it finds the same words again."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.anchoring import CONTEXT, anchor, build_selector


@st.composite
def text_and_span(draw):
    text = draw(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300)
    )
    start = draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = draw(st.integers(min_value=start + 1, max_value=len(text)))
    return text, start, end


@settings(max_examples=300, deadline=None)
@given(text_and_span())
def test_selector_reanchors_to_the_same_offsets(case):
    text, start, end = case
    selector = build_selector(text, start, end)
    assert anchor(text, selector) == (start, end)


@settings(max_examples=300, deadline=None)
@given(text_and_span())
def test_without_its_offsets_a_selector_still_finds_its_words_and_context(case):
    text, start, end = case
    selector = build_selector(text, start, end)
    found = anchor(text, replace(selector, start=0, end=0), use_position=False)
    assert found is not None
    a, b = found
    assert text[a:b] == selector.exact
    assert text[max(0, a - len(selector.prefix)) : a].endswith(selector.prefix[-5:])


@settings(max_examples=200, deadline=None)
@given(text_and_span(), st.text(alphabet="§¶", min_size=1, max_size=50))
def test_an_edit_before_the_passage_moves_the_offsets_with_it(case, inserted):
    text, start, end = case
    if "§" in text or "¶" in text or text.count(text[start:end]) != 1:
        return  # the words must be unique for "the same place" to mean one place
    selector = build_selector(text, start, end)
    edited = inserted + text
    assert anchor(edited, selector) == (start + len(inserted), end + len(inserted))


def test_context_is_up_to_32_characters_each_side():
    text = "x" * 50 + "the quote" + "y" * 50
    selector = build_selector(text, 50, 59)
    assert (selector.exact, len(selector.prefix), len(selector.suffix)) == (
        "the quote",
        CONTEXT,
        CONTEXT,
    )


def test_repeated_words_are_told_apart_by_their_context():
    text = "Ri said “no” on Friday. Trump said “no” on Saturday."
    second = text.rindex("no")
    selector = build_selector(text, second, second + 2)
    assert anchor(text, replace(selector, start=0, end=0), use_position=False) == (
        second,
        second + 2,
    )


def test_words_touched_by_an_edit_are_found_fuzzily():
    text = "He said “We had to walk away from that deal, and we couldn’t do that” on Thursday."
    at = text.index("We had")
    selector = build_selector(text, at, at + 60)
    edited = text.replace("couldn’t", "couldn't").replace("He said", "The president said")
    found = anchor(edited, selector)
    assert found is not None
    assert edited[found[0] : found[1]].startswith("We had to walk away")


def test_words_that_are_gone_are_not_guessed_at():
    selector = build_selector("The North asked for partial relief only.", 4, 39)
    assert anchor("A completely different article about trade.", selector) is None


def test_web_annotation_shape():
    selector = build_selector("abc def ghi", 4, 7)
    assert selector.as_web_annotation() == [
        {"type": "TextQuoteSelector", "exact": "def", "prefix": "abc ", "suffix": " ghi"},
        {"type": "TextPositionSelector", "start": 4, "end": 7},
    ]


def test_a_span_outside_the_text_is_refused():
    with pytest.raises(ValueError):
        build_selector("short", 2, 10)
