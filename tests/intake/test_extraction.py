"""
Quote extraction in English: the Hanoi story pinned statement by statement,
one test per rule (the allowed case beside a tricky non-case), and bad input.
"""

from pathlib import Path

import pytest

from claims.tooling import hanoi
from intake.extraction import extract_quotes
from intake.speakers import AUTO_MATCH, SourceCandidate, match_speaker

CORPUS = Path(__file__).parent / "corpus"
HANOI = (CORPUS / "en-00-hanoi-ap.txt").read_text(encoding="utf-8")


def found(text, language="en"):
    return [(q.kind, q.rule, q.speaker, q.text) for q in extract_quotes(text, language)]


def only(text, language="en"):
    quotes = extract_quotes(text, language)
    assert len(quotes) == 1, [(q.rule, q.speaker, q.text) for q in quotes]
    return quotes[0]


# -- the seed story -----------------------------------------------------------

HANOI_STATEMENTS = [
    # (kind, rule, speaker as written, fullest form, text, the shipped source it is)
    ("paraphrase", "paraphrase", "Officials", "Officials", "Trump overstated Kim’s demand on sanctions", None),
    ("paraphrase", "paraphrase", "President Donald Trump", "President Donald Trump", "he walked away from his second summit with North Korean leader Kim Jong Un because Kim demanded the U.S. lift all of its sanctions", "trump"),
    ("paraphrase", "paraphrase", "Trump", "President Donald Trump", "the dispute over sanctions was the deal breaker", "trump"),
    ("quote", "pronoun", "Trump", "President Donald Trump", "Basically, they wanted the sanctions lifted in their entirety, and we couldn’t do that", "trump"),
    ("quote", "previous-sentence", "Trump", "President Donald Trump", "We had to walk away from that.", "trump"),
    ("paraphrase", "paraphrase", "two senior members of the North’s delegation", "two senior members of the North’s delegation", "that was not what Kim had demanded", None),
    ("paraphrase", "paraphrase-pronoun", "two senior members of the North’s delegation", "two senior members of the North’s delegation", "Kim had asked only for partial sanctions relief in exchange for shutting down the North’s main nuclear complex", None),
    ("paraphrase", "paraphrase", "Foreign Minister Ri Yong Ho", "Foreign Minister Ri Yong Ho", "the North was also ready to offer in writing a permanent halt of the country’s nuclear and intercontinental ballistic missile tests", "ri"),
    ("paraphrase", "paraphrase", "Vice Foreign Minister Choe Sun Hui", "Vice Foreign Minister Choe Sun Hui", "Trump’s reaction puzzled Kim", "choe"),
    ("quote", "said-before", "Vice Foreign Minister Choe Sun Hui", "Vice Foreign Minister Choe Sun Hui", "may have lost his will (to continue) North Korea-U.S. dealings.", "choe"),
    ("quote", "according-to", "a senior official", "a senior official", "basically asked for the lifting of all sanctions.", "us_official"),
    ("paraphrase", "paraphrase-pronoun", "a senior official", "a senior official", "the North’s demand was only for Washington to back the lifting of United Nations Security Council sanctions imposed since March 2016 and didn’t include the other resolutions going back a decade more", "us_official"),
    ("paraphrase", "paraphrase-pronoun", "a senior official", "a senior official", "What Pyongyang was seeking, he said, was the lifting of sanctions that impede the civilian economy and the people’s livelihood — as Ri had claimed", "us_official"),
]  # fmt: skip


def test_hanoi_article_every_statement_with_its_speaker():
    quotes = extract_quotes(HANOI)
    assert [(q.kind, q.rule, q.speaker, q.speaker_full, q.text) for q in quotes] == [
        row[:5] for row in HANOI_STATEMENTS
    ]


def test_hanoi_article_speakers_match_the_shipped_sources():
    candidates = [
        SourceCandidate(
            id=n,
            name=name,
            kind=kind,
            affiliation=party,
            is_anonymous=anonymous,
            description=hanoi.SOURCE_NOTES.get(key, ""),
        )
        for n, (key, (name, kind, party, anonymous, _grade)) in enumerate(hanoi.SOURCES.items())
    ]
    keys = list(hanoi.SOURCES)
    for quote, expected in zip(extract_quotes(HANOI), HANOI_STATEMENTS, strict=True):
        matches = match_speaker(quote.speaker_full or quote.speaker, candidates)
        best = keys[matches[0].candidate_id] if matches and matches[0].score >= AUTO_MATCH else None
        assert best == expected[5], (quote.speaker, matches)


def test_hanoi_anonymous_official_keeps_the_wording_that_makes_him_anonymous():
    quote = next(q for q in extract_quotes(HANOI) if q.rule == "according-to")
    assert quote.speaker_phrase == (
        "a senior official who briefed the media on condition he not be named because he was "
        "not authorized to discuss the negotiations publicly"
    )


def test_hanoi_selectors_point_at_the_words():
    for quote in extract_quotes(HANOI):
        for part in quote.parts:
            assert HANOI[part.start : part.end] == part.exact
        assert quote.parts[0].exact == quote.text or quote.rule == "split"


# -- one rule each: the case it finds, and a near miss it leaves alone --------


def test_said_after_finds_the_speaker_after_the_quote():
    quote = only("“We asked only for partial relief,” Ri said on Friday.")
    assert (quote.rule, quote.speaker, quote.text) == (
        "said-after",
        "Ri",
        "We asked only for partial relief",
    )


def test_said_after_inverted_with_a_title():
    quote = only('"We will not give up," said Foreign Minister Ri Yong Ho.')
    assert (quote.rule, quote.speaker) == ("said-after", "Foreign Minister Ri Yong Ho")


def test_told_reporters():
    quote = only("“They wanted everything,” Pompeo told reporters in Manila.")
    assert (quote.rule, quote.speaker) == ("told", "Pompeo")


def test_split_quote_is_one_statement_of_both_parts():
    text = "“We asked for five resolutions,” said Ri, “and only the civilian parts.”"
    quote = only(text)
    assert quote.rule == "split"
    assert quote.text == "We asked for five resolutions and only the civilian parts."
    assert [p.exact for p in quote.parts] == [
        "We asked for five resolutions",
        "and only the civilian parts.",
    ]
    assert quote.selector.exact.startswith("We asked") and quote.selector.exact.endswith("parts.")


def test_a_new_sentence_after_the_attribution_is_a_second_quote_of_the_same_speaker():
    text = "“This is our final offer,” Ri said. “It will not change.”"
    assert found(text) == [
        ("quote", "said-after", "Ri", "This is our final offer"),
        ("quote", "previous-sentence", "Ri", "It will not change."),
    ]


def test_pronoun_is_carried_from_the_last_named_speaker():
    text = "Choe Sun Hui spoke after midnight. “Kim was puzzled,” she said."
    quote = only(text)
    assert (quote.rule, quote.speaker, quote.speaker_span) == ("pronoun", "Choe Sun Hui", (0, 12))


def test_they_goes_to_a_plural_speaker_not_the_last_person():
    text = (
        "Two North Korean diplomats briefed the press. Ri was not among them. "
        "“We asked for partial relief,” they said."
    )
    assert only(text).speaker == "Two North Korean diplomats"


def test_pronoun_with_no_one_before_it_has_no_speaker():
    quote = only("“It was a good meeting,” he said.")
    assert (quote.rule, quote.speaker) == ("pronoun", None)


def test_colon_introduction():
    quote = only("Trump said: “We had to walk away from that deal.”")
    assert (quote.rule, quote.speaker) == ("colon", "Trump")


def test_headline_colon():
    quote = only("Kim: ‘We will wait for America’s decision’")
    assert (quote.rule, quote.speaker) == ("colon", "Kim")


def test_colon_closing_the_paragraph_before():
    text = "The agency carried a statement from the Foreign Ministry:\n\n“The U.S. should not miscalculate our patience.”"
    assert only(text).speaker == "the Foreign Ministry"


def test_according_to_with_a_quote():
    text = "According to a senior official, the North Koreans “basically asked for the lifting of all sanctions.”"
    quote = only(text)
    assert (quote.rule, quote.speaker, quote.text) == (
        "according-to",
        "a senior official",
        "basically asked for the lifting of all sanctions.",
    )


def test_said_before_a_partial_quote():
    text = "Choe said Kim “may have lost his will to continue the talks.”"
    quote = only(text)
    assert (quote.rule, quote.speaker) == ("said-before", "Choe")


def test_the_sentence_subject_speaks_a_partial_quote():
    text = "Kim Yo Jong called the proposal “a plan that would strip us of everything.”"
    quote = only(text)
    assert (quote.rule, quote.speaker) == ("subject", "Kim Yo Jong")


def test_attribution_in_the_sentence_before():
    text = "Ms. Choe was blunt. “The Americans missed an opportunity that may not come again.”"
    quote = only(text)
    assert (quote.rule, quote.speaker) == ("previous-sentence", "Ms. Choe")


def test_attribution_in_the_sentence_after():
    text = "“Our will for denuclearization may falter.” Ri said the North was ready to wait."
    quotes = extract_quotes(text)
    assert (quotes[0].rule, quotes[0].speaker) == ("next-sentence", "Ri")


def test_multi_paragraph_quote_keeps_its_speaker():
    text = (
        "“We had a productive time,” Trump said. “But it was not a good thing to sign.\n\n"
        "“There is a gap, and we have to fill it.”"
    )
    quotes = extract_quotes(text)
    assert [(q.rule, q.speaker) for q in quotes] == [
        ("said-after", "Trump"),
        ("previous-sentence", "Trump"),
        ("multi-paragraph", "Trump"),
    ]
    assert quotes[2].text == "There is a gap, and we have to fill it."


def test_a_quote_inside_a_quote_is_part_of_it():
    text = "“He told me, ‘I don’t want my children to carry this burden,’ and I believed him,” Moon said."
    quote = only(text)
    assert quote.speaker == "Moon"
    assert "‘I don’t want my children" in quote.text


def test_single_curly_quotes_as_quotation_marks_and_apostrophes_are_told_apart():
    text = (
        "‘We asked for what the officials’ own briefings called a first step,’ Kim Hyok Chol said."
    )
    quote = only(text)
    assert quote.text == "We asked for what the officials’ own briefings called a first step"
    assert quote.speaker == "Kim Hyok Chol"


def test_an_apostrophe_is_not_a_quotation_mark():
    assert (
        extract_quotes(
            "Kim’s delegation didn’t leave the hotel’s lobby until the officials’ cars came."
        )
        == []
    )


def test_scare_quotes_and_terms_are_not_statements():
    text = (
        "The so-called “denuclearization” talks stalled. In Washington it means "
        "“complete, verifiable and irreversible” disarmament. They signed a document titled "
        "“Joint Statement” in Singapore."
    )
    assert extract_quotes(text) == []


def test_a_short_quote_counts_when_its_attribution_stands_beside_it():
    assert found("“No,” he said.") == [("quote", "pronoun", None, "No")]
    assert found("He said the talks were a “big portion” of the work.") == [
        ("paraphrase", "paraphrase-pronoun", None, "the talks were a “big portion” of the work")
    ]


def test_a_quote_with_no_speaker_anywhere():
    quote = only(
        "The banner carried one line.\n\n“Peace is in our hands, not theirs.”\n\nNobody claimed it."
    )
    assert quote.rule in {"previous-sentence", "unattributed"}
    quote = only("“Peace is in our hands, not theirs.”")
    assert (quote.rule, quote.speaker) == ("unattributed", None)


def test_paraphrase_said_that():
    quote = only("Foreign Minister Ri Yong Ho said that the North was ready to offer more.")
    assert (quote.kind, quote.rule, quote.speaker, quote.text) == (
        "paraphrase",
        "paraphrase",
        "Foreign Minister Ri Yong Ho",
        "the North was ready to offer more",
    )


def test_paraphrase_needs_a_reported_clause():
    assert (
        extract_quotes("Ri said goodbye. Trump told reporters. She said nothing in a statement.")
        == []
    )


def test_paraphrase_according_to():
    quote = only(
        "According to a senior official, the North Koreans asked for all sanctions to be lifted."
    )
    assert (quote.kind, quote.rule, quote.speaker) == (
        "paraphrase",
        "paraphrase-according-to",
        "a senior official",
    )


def test_paraphrase_with_the_attribution_closing_the_sentence():
    quote = only("The talks could resume within months, a senior administration official said.")
    assert (quote.rule, quote.speaker, quote.text) == (
        "paraphrase-said-after",
        "a senior administration official",
        "The talks could resume within months",
    )


def test_paraphrase_with_a_parenthetical_attribution():
    text = "A senior official briefed reporters. What Pyongyang wanted, he said, was relief for its economy."
    quote = only(text)
    assert (quote.rule, quote.speaker) == ("paraphrase-pronoun", "A senior official")


def test_appositive_name_is_the_speaker():
    quote = only("A State Department spokeswoman, Morgan Ortagus, said the pressure would stay.")
    assert quote.speaker == "Morgan Ortagus"


def test_later_surname_resolves_to_the_full_name_said_earlier():
    text = (
        "Foreign Minister Ri Yong Ho held a news conference.\n\n"
        "“We asked for partial relief,” Ri said."
    )
    quote = only(text)
    assert (quote.speaker, quote.speaker_full) == ("Ri", "Foreign Minister Ri Yong Ho")


def test_the_president_resolves_to_the_president_named_earlier():
    text = "President Donald Trump left Hanoi early. The president said the talks had gone well."
    assert only(text).speaker_full == "President Donald Trump"


# -- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t ",
        "\x00\x01\x02\xff\xfe" * 200,
        bytes(range(256)).decode("latin-1") * 20,
        "No quotes here. Just a plain sentence about the weather in Hanoi.",
        "“",
        '"""',
        "‘’‘’",
        "“Unclosed quote that runs to the end",
        "He said",
    ],
)
def test_bad_or_quote_less_text_gives_a_list_never_an_exception(text):
    quotes = extract_quotes(text)
    assert isinstance(quotes, list)
    for quote in quotes:
        assert text[quote.selector.start : quote.selector.end] == quote.selector.exact


def test_binary_junk_and_quote_less_text_give_nothing():
    assert extract_quotes("\x00\x01\x02\xff\xfe" * 200) == []
    assert extract_quotes("The weather in Hanoi was mild. Traffic was light.") == []
    assert extract_quotes(None) == []  # type: ignore[arg-type]


def test_huge_text_is_read_only_to_the_limit():
    quotes = extract_quotes("“We asked for partial relief,” Ri said. " * 20_000)
    assert 0 < len(quotes) <= 20_000
