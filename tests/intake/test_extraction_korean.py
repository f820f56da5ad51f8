"""Quote extraction in Korean: quotative endings, particles, dropped subjects, indirect speech."""

from intake.extraction import detect_language, extract_quotes


def found(text):
    return [(q.kind, q.rule, q.speaker, q.text) for q in extract_quotes(text, "ko")]


def test_korean_is_detected_from_the_script():
    assert detect_language("리용호 외무상은 “우리는 부분적 해제를 요구했다”고 말했다.") == "ko"
    assert detect_language("Ri said the North wanted partial relief.") == "en"
    assert (
        extract_quotes("리용호 외무상은 “우리는 부분적 해제를 요구했다”고 말했다.")[0].language
        == "ko"
    )


def test_quotative_ending_with_the_topic_particle_taken_off():
    assert found(
        "리용호 외무상은 1일 새벽 기자회견을 열고 “우리는 일부 해제를 요구했다”고 말했다."
    ) == [("quote", "ko-quotative", "리용호 외무상", "우리는 일부 해제를 요구했다")]


def test_the_particle_is_not_cut_from_a_name_that_ends_like_one():
    # 김정은 ends in 은, 북한 in 한: Kiwi's analysis keeps them whole.
    assert found("김정은은 “좋은 결과가 있을 것이라고 믿는다”고 말했다.")[0][2] == "김정은"
    assert (
        found("리용호 북한 외무상은 “제재 일부만 해제하라는 것”이라고 밝혔다.")[0][2]
        == "리용호 북한 외무상"
    )


def test_every_quotative_form():
    text = (
        "트럼프 대통령은 “서두를 것이 없다”며 “좋은 합의를 원한다”고 강조했다. "
        "그는 “왜 서두르느냐”고 물었다. "
        "리 외무상은 “이것이 최대한의 제안”이라고 주장했다."
    )
    assert [q[:3] for q in found(text)] == [
        ("quote", "ko-quotative", "트럼프 대통령"),
        ("quote", "ko-quotative", "트럼프 대통령"),
        ("quote", "ko-pronoun", "트럼프 대통령"),
        ("quote", "ko-quotative", "리 외무상"),
    ]


def test_a_quote_without_a_verb_of_saying_or_a_term_is_not_a_statement():
    assert found("정부는 ‘비핵화’라는 표현을 두고 고심했다.") == []
    assert found("‘하노이 선언’이라는 이름의 문서는 서명되지 않았다.") == []


def test_dropped_subject_carries_the_last_speaker():
    text = (
        "최선희 부상은 “미국이 기회를 놓쳤다”고 말했다. 이어 “다시 오기 어려울 것”이라고 덧붙였다."
    )
    assert [q[1:3] for q in found(text)] == [
        ("ko-quotative", "최선희 부상"),
        ("ko-dropped-subject", "최선희 부상"),
    ]


def test_pronoun_goes_to_the_last_speaker():
    text = "폼페이오 장관은 “협상은 계속된다”고 말했다. 그는 “몇 주 안에 만나길 희망한다”고 답했다."
    assert found(text)[1][1:3] == ("ko-pronoun", "폼페이오 장관")


def test_speaker_between_the_quotative_and_the_verb():
    assert found("“우리의 입장은 변하지 않는다”라고 리 외무상은 말했다.")[0][2] == "리 외무상"


def test_indirect_speech_is_a_paraphrase():
    assert found("트럼프 대통령은 북한이 제재의 전면 해제를 원했다고 주장했다.") == [
        ("paraphrase", "ko-indirect", "트럼프 대통령", "북한이 제재의 전면 해제를 원했다")
    ]


def test_indirect_speech_leaves_out_the_setting_before_its_clause():
    quote = extract_quotes(
        "최선희 부상은 15일 평양에서 기자들과 만나 미국이 강도 같은 요구를 해왔다고 비판했다.", "ko"
    )[0]
    assert quote.text == "미국이 강도 같은 요구를 해왔다"


def test_a_plain_statement_of_fact_is_not_indirect_speech():
    assert found("트럼프 대통령은 회담장을 일찍 떠났다. 양측은 합의문에 서명하지 않았다.") == []


def test_according_to():
    assert found("미 국무부 고위 당국자에 따르면 북한은 유엔 제재 5건의 해제를 요구했다.") == [
        (
            "paraphrase",
            "ko-according-to",
            "미 국무부 고위 당국자",
            "북한은 유엔 제재 5건의 해제를 요구했다",
        )
    ]


def test_headline_name_then_quote():
    assert found("트럼프 “서두를 것 없다”…김정은 “좋은 결과 있을 것”") == [
        ("quote", "ko-headline", "트럼프", "서두를 것 없다"),
        ("quote", "ko-headline", "김정은", "좋은 결과 있을 것"),
    ]


def test_anonymous_speaker_keeps_the_words_that_make_it_anonymous():
    quote = extract_quotes("익명을 요구한 한 정부 관계자는 “양측의 이해가 달랐다”고 말했다.", "ko")[
        0
    ]
    assert (quote.speaker, quote.speaker_phrase) == ("정부 관계자", "익명을 요구한 한 정부 관계자")


def test_short_name_resolves_to_the_full_one_said_earlier():
    text = "리용호 외무상은 “일부 해제만 요구했다”고 말했다. 리 외무상은 “변함없다”고 강조했다."
    assert extract_quotes(text, "ko")[1].speaker_full == "리용호 외무상"


def test_a_statement_speaks_for_whoever_issued_it():
    text = (
        "북한 외무성 대변인은 9일 담화를 발표했다. "
        "담화는 “비핵화는 적대시 정책이 철회될 때에만 가능하다”고 강조했다."
    )
    quote = extract_quotes(text, "ko")[0]
    assert (quote.speaker, quote.speaker_full) == ("담화", "북한 외무성 대변인")


def test_korean_selectors_point_at_the_words():
    text = '리용호 외무상은 "우리는 일부 해제를 요구했다"고 말했다.'
    quote = extract_quotes(text, "ko")[0]
    assert text[quote.selector.start : quote.selector.end] == quote.text


def test_korean_bad_input_gives_a_list():
    assert extract_quotes("", "ko") == []
    assert extract_quotes("“", "ko") == []
    assert extract_quotes("따옴표가 없는 평범한 문장입니다.", "ko") == []
