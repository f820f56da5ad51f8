"""
Similar claims over the stored claims: embeddings kept current through claim
writes, and what similar_claims() answers.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims import services as claim_services
from claims.models import Claim
from intake import matching, selectors, services
from intake.models import ClaimEmbedding
from tests.factories import AccountFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

PARTIAL_RELIEF_KO = (
    "김 위원장은 북한의 주요 핵시설을 폐쇄하는 대가로 제재의 부분적 완화만 요구했다."
)
TEST_HALT_KO = (
    "북한은 핵실험과 대륙간탄도미사일 시험의 영구 중단을 문서로 제안할 준비가 되어 있었다."
)


def found(results) -> dict[int, str]:
    return {match.claim: match.label for match in results}


def test_an_english_claim_finds_its_korean_translation_as_the_same_claim(hanoi):
    korean = ClaimFactory(account=hanoi.nk_account, text=TEST_HALT_KO, speaker=hanoi.ri)

    results = selectors.similar_claims(hanoi.claims["test_halt"].text)

    assert results[0].claim == hanoi.claims["test_halt"].pk
    assert found(results)[korean.pk] == "paraphrase"


def test_a_korean_claim_finds_the_english_one_it_translates(hanoi):
    results = selectors.similar_claims(PARTIAL_RELIEF_KO, language="ko")

    assert results[0].claim == hanoi.nk_claim.pk
    assert results[0].label == "paraphrase"
    assert results[0].score == results[0].semantic  # no shared words, not marked down


def test_all_sanctions_is_never_the_same_claim_as_partial_relief(hanoi):
    results = selectors.similar_claims(hanoi.us_claim.text, exclude_claim=hanoi.us_claim.pk)

    assert found(results).get(hanoi.nk_claim.pk) == "related"
    match = next(m for m in results if m.claim == hanoi.nk_claim.pk)
    assert match.contrast


def test_a_typed_near_opposite_is_related_with_its_score(hanoi):
    results = selectors.similar_claims("Kim demanded that all sanctions be lifted.")

    nk = next(m for m in results if m.claim == hanoi.nk_claim.pk)
    assert nk.label == "related"
    assert nk.score >= matching.RELATED_AT
    assert 0 <= nk.lexical <= 1 and 0 < nk.semantic <= 1


def test_results_come_best_first_without_unrelated_claims(hanoi):
    ClaimFactory(
        account=hanoi.nk_account,
        text="The central bank raised interest rates by half a percentage point.",
        speaker=hanoi.ri,
    )
    results = selectors.similar_claims(hanoi.nk_claim.text)

    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)
    assert all(m.label in ("paraphrase", "related") for m in results)
    assert "interest rates" not in " ".join(m.text for m in results)


def test_editing_a_claims_text_refreshes_its_embedding_at_the_next_call(hanoi):
    claim = hanoi.claims["lost_will"]
    old_text = claim.text
    assert found(selectors.similar_claims(old_text))[claim.pk] == "paraphrase"
    old_row = ClaimEmbedding.objects.get(claim=claim)

    claim_services.update_claim(
        claim=claim, by=None, text="The central bank raised interest rates by half a point."
    )
    after_edit = selectors.similar_claims(old_text)

    # The old vector is not used: the claim no longer matches its old words.
    assert claim.pk not in found(after_edit)
    claim.refresh_from_db()
    row = ClaimEmbedding.objects.get(claim=claim)
    assert row.pk != old_row.pk
    assert row.claim_version == claim.version
    assert (
        found(selectors.similar_claims("Interest rates went up by half a point."))[claim.pk]
        == "paraphrase"
    )


def test_a_score_move_keeps_the_vector_and_moves_its_version(hanoi):
    selectors.similar_claims("warm up")
    claim = hanoi.claims["test_halt"]
    row = ClaimEmbedding.objects.get(claim=claim)

    claim_services.record_corroboration(
        by=None,
        claim=claim,
        source=hanoi.ap,
        stance="supports",
        quote="The North offered a written pledge to stop testing.",
        observed_at=timezone.now(),
    )
    selectors.similar_claims("warm up")

    claim.refresh_from_db()
    same = ClaimEmbedding.objects.get(claim=claim)
    assert same.pk == row.pk
    assert same.claim_version == claim.version > row.claim_version


def test_a_deleted_claim_leaves_the_results(hanoi):
    claim = hanoi.claims["test_halt"]
    assert claim.pk in found(selectors.similar_claims(claim.text))

    claim_services.delete_claim(claim=claim, by=None)

    assert claim.pk not in found(selectors.similar_claims(claim.text))
    assert not ClaimEmbedding.objects.filter(claim_id=claim.pk).exists()


def test_many_edits_in_a_row_keep_every_claim_matched_by_its_latest_text(hanoi, monkeypatch):
    # Small blocks, so that the matrix is compacted on the way.
    monkeypatch.setattr(selectors, "MAX_BLOCKS", 2)
    texts = {
        hanoi.claims["test_halt"]: "The central bank raised interest rates by half a point.",
        hanoi.claims["lost_will"]: "Police arrested twelve protesters outside parliament.",
        hanoi.nk_claim: "The minister resigned after the report was published.",
    }
    selectors.similar_claims("warm up")
    for claim, text in texts.items():
        claim_services.update_claim(claim=claim, by=None, text=text)
        selectors.similar_claims(text)

    for claim, text in texts.items():
        results = selectors.similar_claims(text)
        assert results[0].claim == claim.pk
        assert results[0].label == "paraphrase"
    assert len(selectors._INDEX.current().blocks) <= 2


def test_a_claim_deleted_behind_the_services_back_is_not_found(hanoi):
    claim = hanoi.claims["test_halt"]
    selectors.similar_claims(claim.text)

    Claim.objects.filter(pk=claim.pk).delete()

    assert claim.pk not in found(selectors.similar_claims(claim.text))


def test_a_new_claim_is_found_at_the_next_call(hanoi):
    selectors.similar_claims("warm up")
    claim = ClaimFactory(account=hanoi.nk_account, text=TEST_HALT_KO, speaker=hanoi.ri)

    assert found(selectors.similar_claims(TEST_HALT_KO))[claim.pk] == "paraphrase"


def test_exclude_claim_leaves_that_claim_out(hanoi):
    claim = hanoi.nk_claim

    results = selectors.similar_claims(claim.text, exclude_claim=claim.pk)

    assert claim.pk not in found(results)
    assert found(selectors.similar_claims(claim.text))[claim.pk] == "paraphrase"


def test_dispute_keeps_to_that_disputes_claims(hanoi):
    elsewhere = ClaimFactory(
        account=AccountFactory(), text=hanoi.nk_claim.text, speaker=SourceFactory()
    )

    everywhere = found(selectors.similar_claims(hanoi.nk_claim.text))
    in_hanoi = found(selectors.similar_claims(hanoi.nk_claim.text, dispute=hanoi.dispute))

    assert elsewhere.pk in everywhere
    assert elsewhere.pk not in in_hanoi
    assert hanoi.nk_claim.pk in in_hanoi


def test_limit_caps_the_results(hanoi):
    assert len(selectors.similar_claims("North Korea sanctions", limit=2)) <= 2
    assert selectors.similar_claims("North Korea sanctions", limit=0) == []


@pytest.mark.parametrize("text", ["", "   ", "?!", "…", "— «» ...", "\u200b\n"])
def test_text_without_words_finds_nothing_and_raises_nothing(hanoi, text):
    assert selectors.similar_claims(text) == []


def test_no_claims_finds_nothing(db):
    assert selectors.similar_claims("Kim demanded that all sanctions be lifted.") == []


def test_similar_claims_costs_two_queries_once_current(hanoi, django_assert_num_queries):
    selectors.similar_claims(hanoi.nk_claim.text)

    with django_assert_num_queries(2):
        results = selectors.similar_claims(hanoi.us_claim.text)
    assert results


def test_a_claim_edit_costs_a_few_queries_more(hanoi, django_assert_max_num_queries):
    selectors.similar_claims(hanoi.nk_claim.text)
    claim_services.update_claim(claim=hanoi.nk_claim, by=None, text=PARTIAL_RELIEF_KO)

    with django_assert_max_num_queries(12):
        results = selectors.similar_claims(PARTIAL_RELIEF_KO)
    assert found(results)[hanoi.nk_claim.pk] == "paraphrase"


def test_a_rolled_back_test_leaves_nothing_behind_in_memory(hanoi):
    # Every test rolls back, and SQLite hands the same ids out again: the
    # claims of the test before must not answer for this one's.
    claim = ClaimFactory(
        account=hanoi.nk_account, text="A claim only this test has.", speaker=hanoi.ri
    )
    results = selectors.similar_claims("A claim only this test has.")
    assert results[0].claim == claim.pk
    assert results[0].text == claim.text


# Refreshing: the service, the task, the backfill command


def test_refresh_embeddings_computes_the_missing_and_the_stale(hanoi):
    assert not ClaimEmbedding.objects.exists()
    assert services.refresh_embeddings() == 4
    assert ClaimEmbedding.objects.count() == 4
    assert services.stale_claim_ids() == []

    claim_services.update_claim(claim=hanoi.nk_claim, by=None, text=PARTIAL_RELIEF_KO)

    assert services.stale_claim_ids() == [hanoi.nk_claim.pk]
    assert services.refresh_embeddings() == 1
    row = ClaimEmbedding.objects.get(claim=hanoi.nk_claim)
    assert row.model == matching.MODEL_NAME
    assert row.claim_version == Claim.objects.get(pk=hanoi.nk_claim.pk).version


def test_refresh_embeddings_of_some_claims_leaves_the_others(hanoi):
    assert services.refresh_embeddings([hanoi.nk_claim.pk]) == 1
    assert list(ClaimEmbedding.objects.values_list("claim_id", flat=True)) == [hanoi.nk_claim.pk]


def test_an_embedding_of_another_model_is_stale(hanoi):
    services.refresh_embeddings()
    ClaimEmbedding.objects.filter(claim=hanoi.nk_claim).update(model="an older model")

    assert services.stale_claim_ids() == [hanoi.nk_claim.pk]
    services.refresh_embeddings()
    assert ClaimEmbedding.objects.get(claim=hanoi.nk_claim).model == matching.MODEL_NAME


def test_the_refresh_task_brings_claims_up_to_date(hanoi):
    from intake.tasks import refresh_claim_embeddings

    result = refresh_claim_embeddings.enqueue([hanoi.nk_claim.pk, hanoi.us_claim.pk])

    assert result.return_value == 2
    assert ClaimEmbedding.objects.count() == 2


def test_many_stale_claims_are_left_to_the_background_job(
    hanoi, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(selectors, "REFRESH_WHILE_WAITING", 1)
    selectors._INDEX.forget()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        selectors.similar_claims(hanoi.nk_claim.text)
    assert ClaimEmbedding.objects.count() == 1
    assert len(callbacks) == 1

    callbacks[0]()  # the commit: the job runs (at once, in the tests)

    assert ClaimEmbedding.objects.count() == 4
    assert found(selectors.similar_claims(hanoi.nk_claim.text))[hanoi.nk_claim.pk] == "paraphrase"


def test_backfill_embeddings_embeds_every_stale_claim_and_says_so(hanoi):
    out = io.StringIO()
    call_command("backfill_embeddings", stdout=out)

    assert ClaimEmbedding.objects.count() == 4
    assert "4 claim(s) to embed" in out.getvalue()
    assert "Embedded 4 claim(s)" in out.getvalue()

    again = io.StringIO()
    call_command("backfill_embeddings", stdout=again)
    assert "up to date" in again.getvalue()


def test_backfill_embeddings_refuses_an_unknown_claim(hanoi):
    with pytest.raises(CommandError, match="--claim: no claim 999999"):
        call_command("backfill_embeddings", claim=[999999], stdout=io.StringIO())
    assert not ClaimEmbedding.objects.exists()


def test_evaluate_matching_prints_precision_recall_and_the_confusion_table():
    out = io.StringIO()
    call_command("evaluate_matching", stdout=out)
    text = out.getvalue()
    assert "paraphrase:            precision" in text
    assert "related or paraphrase: precision" in text
    assert "labelled \\ judged" in text
