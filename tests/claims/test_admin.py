"""
The admin for disputes, accounts, claims and evidence: saving there goes
through the services, so scores, snapshots and the change log stay right,
and the services' refusals show on the form with nothing changed.
"""

import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services
from claims.models import Account, Claim, Corroboration, Dispute, ScoreSnapshot
from tests.factories import ClaimFactory, CorroborationFactory, SourceFactory


def changes_since(last_id):
    return list(Change.objects.filter(pk__gt=last_id).order_by("pk"))


def snapshot_of_database():
    """Everything a refused write must leave as it was."""
    return {
        "corroborations": list(
            Corroboration.objects.values_list("pk", "source_id", "stance", "version")
        ),
        "claims": list(Claim.objects.values_list("pk", "speaker_id", "score", "version")),
        "accounts": list(Account.objects.values_list("pk", "party_id", "score", "version")),
        "changes": Change.latest_id(),
        "snapshots": ScoreSnapshot.objects.count(),
    }


def refresh(*objects):
    for obj in objects:
        obj.refresh_from_db()


def fill_blank_row(data, prefix, **values):
    """Type into the blank row the admin offers at the end of an inline."""
    row = f"{prefix}-{int(data[f'{prefix}-TOTAL_FORMS']) - 1}"
    assert data[f"{row}-id"] == ""
    data.update({f"{row}-{name}": str(value) for name, value in values.items()})


def inline_row(data, prefix, pk):
    """The prefix of the inline row that edits object pk."""
    return next(
        key.removesuffix("-id")
        for key, value in data.items()
        if key.startswith(prefix) and key.endswith("-id") and value == str(pk)
    )


@pytest.fixture
def crowded(hanoi):
    """The Hanoi story with thirty more claims, each with two items of evidence."""
    for _ in range(30):
        claim = ClaimFactory(account=hanoi.nk_account, speaker=hanoi.ri)
        CorroborationFactory(claim=claim, source=SourceFactory(origin=hanoi.ap))
        CorroborationFactory(claim=claim, source=hanoi.us_official, stance="contradicts")
    return hanoi


@pytest.mark.parametrize("story", ["hanoi", "crowded"])
@pytest.mark.parametrize(
    ("page", "max_queries"),
    [
        ("claims_dispute", 5),
        ("claims_account", 7),
        ("claims_claim", 7),
        ("claims_corroboration", 9),
        ("claims_scoresnapshot", 7),
    ],
)
def test_changelist_renders_in_a_fixed_number_of_queries(
    admin_client, request, django_assert_max_num_queries, story, page, max_queries
):
    request.getfixturevalue(story)

    with django_assert_max_num_queries(max_queries):
        response = admin_client.get(reverse(f"admin:{page}_changelist"))

    assert response.status_code == 200


def test_claim_changelist_shows_party_speaker_score_and_verdict(admin_client, hanoi):
    response = admin_client.get(reverse("admin:claims_claim_changelist"))

    assert "Basically, they wanted the sanctions lifted" in response.text
    assert "Donald Trump" in response.text
    assert f"{hanoi.us_claim.score:.3f}" in response.text
    assert hanoi.us_claim.verdict_label in response.text


# Change pages: one query per inline row is the admin's autocomplete widget
# fetching the row's chosen source or speaker.
@pytest.mark.parametrize(
    ("page", "obj", "max_queries"),
    [
        ("claims_dispute", "dispute", 7),
        ("claims_account", "nk_account", 11),
        ("claims_claim", "us_claim", 16),
        ("claims_corroboration", "first_corroboration", 6),
        ("claims_scoresnapshot", "first_snapshot", 7),
    ],
)
def test_change_page_renders(
    admin_client, hanoi, django_assert_max_num_queries, page, obj, max_queries
):
    objects = {
        "first_corroboration": Corroboration.objects.order_by("pk").first(),
        "first_snapshot": ScoreSnapshot.objects.order_by("pk").first(),
    }
    obj = objects.get(obj) or getattr(hanoi, obj)

    with django_assert_max_num_queries(max_queries):
        response = admin_client.get(reverse(f"admin:{page}_change", args=[obj.pk]))

    assert response.status_code == 200


def test_claim_page_explains_its_score(admin_client, hanoi):
    response = admin_client.get(reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk]))

    assert "Why this score" in response.text
    assert f"= {hanoi.us_claim.score:.3f}" in response.text
    assert "against interest (same party, contradicting)" in response.text
    assert "adversarial (opposing party, contradicting)" in response.text
    assert "superseded by a later item from the same source" in response.text
    assert "The Associated Press" in response.text


def test_derived_fields_are_shown_but_not_editable(admin_client, hanoi):
    response = admin_client.get(reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk]))

    for derived in ("score", "verdict", "evidence_weight", "version", "created_at", "updated_at"):
        assert f'name="{derived}"' not in response.text
    assert f'name="expected_version" value="{hanoi.us_claim.version}"' in response.text


def test_posting_a_score_does_not_change_it(admin_client, hanoi, form_data):
    url = reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    data.update(score="0.99", verdict="corroborated")
    before = (hanoi.us_claim.score, hanoi.us_claim.verdict)

    admin_client.post(url, data)

    refresh(hanoi.us_claim)
    assert (hanoi.us_claim.score, hanoi.us_claim.verdict) == before


def test_adding_evidence_in_the_admin_moves_the_claim_and_account_scores(
    admin_client, admin_user, hanoi
):
    claim_before, account_before = hanoi.nk_claim.score, hanoi.nk_account.score
    reuters = SourceFactory(name="Reuters", reliability="A")
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:claims_corroboration_add"),
        {
            "claim": hanoi.nk_claim.pk,
            "source": reuters.pk,
            "stance": "supports",
            "quote": "Officials familiar with the talks confirmed the partial demand.",
            "url": "reuters.com/hanoi",
        },
    )

    assert response.status_code == 302
    refresh(hanoi.nk_claim, hanoi.nk_account)
    assert hanoi.nk_claim.score > claim_before
    assert hanoi.nk_account.score > account_before
    corroboration = Corroboration.objects.get(source=reuters)
    assert corroboration.recorded_by == admin_user
    assert corroboration.url == "https://reuters.com/hanoi"
    logged = [(c.action, c.object_type, c.object_id, c.actor) for c in changes_since(last)]
    assert ("created", "corroboration", corroboration.pk, admin_user) in logged
    assert ("updated", "claim", hanoi.nk_claim.pk, admin_user) in logged
    assert ("updated", "account", hanoi.nk_account.pk, admin_user) in logged
    assert hanoi.nk_claim.snapshots.latest("at").cause.startswith("evidence recorded")


def test_adding_evidence_through_the_claim_inline_moves_the_scores(
    admin_client, admin_user, hanoi, form_data
):
    url = reverse("admin:claims_claim_change", args=[hanoi.nk_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    reuters = SourceFactory(name="Reuters", reliability="A")
    fill_blank_row(
        data,
        "corroborations",
        source=reuters.pk,
        stance="supports",
        quote="Officials confirmed the North asked for partial relief.",
    )
    claim_before, account_before = hanoi.nk_claim.score, hanoi.nk_account.score
    last = Change.latest_id()

    response = admin_client.post(url, data)

    assert response.status_code == 302
    refresh(hanoi.nk_claim, hanoi.nk_account)
    assert hanoi.nk_claim.score > claim_before
    assert hanoi.nk_account.score > account_before
    corroboration = Corroboration.objects.get(source=reuters, claim=hanoi.nk_claim)
    logged = [(c.action, c.object_type, c.object_id) for c in changes_since(last)]
    assert ("created", "corroboration", corroboration.pk) in logged
    assert ("updated", "claim", hanoi.nk_claim.pk) in logged
    assert {c.actor for c in changes_since(last)} == {admin_user}


def test_turning_evidence_against_a_claim_in_the_inline_lowers_its_score(
    admin_client, hanoi, form_data
):
    ap_item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    url = reverse("admin:claims_claim_change", args=[hanoi.nk_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    data[f"{inline_row(data, 'corroborations-', ap_item.pk)}-stance"] = "contradicts"
    before = hanoi.nk_claim.score

    response = admin_client.post(url, data)

    assert response.status_code == 302
    refresh(hanoi.nk_claim, ap_item)
    assert (ap_item.stance, ap_item.version) == ("contradicts", 2)
    assert hanoi.nk_claim.score < before


def test_removing_evidence_in_the_inline_rescores_and_logs_the_deletion(
    admin_client, admin_user, hanoi, form_data
):
    ap_item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    url = reverse("admin:claims_claim_change", args=[hanoi.nk_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    data[f"{inline_row(data, 'corroborations-', ap_item.pk)}-DELETE"] = "on"
    before = hanoi.nk_claim.score
    last = Change.latest_id()

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert not Corroboration.objects.filter(pk=ap_item.pk).exists()
    refresh(hanoi.nk_claim)
    assert hanoi.nk_claim.score < before
    logged = [(c.action, c.object_type, c.object_id, c.actor) for c in changes_since(last)]
    assert ("deleted", "corroboration", ap_item.pk, admin_user) in logged


def test_speaker_cannot_support_their_own_claim_in_the_admin(admin_client, hanoi):
    before = snapshot_of_database()

    response = admin_client.post(
        reverse("admin:claims_corroboration_add"),
        {
            "claim": hanoi.us_claim.pk,
            "source": hanoi.trump.pk,
            "stance": "supports",
            "quote": "They wanted the sanctions lifted in their entirety.",
        },
    )

    assert response.status_code == 200
    assert "Donald Trump made this claim and cannot corroborate it." in response.text
    assert snapshot_of_database() == before


def test_speaker_cannot_support_their_own_claim_through_the_inline(admin_client, hanoi, form_data):
    url = reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    fill_blank_row(
        data,
        "corroborations",
        source=hanoi.trump.pk,
        stance="partly_supports",
        quote="We couldn't do that.",
    )
    before = snapshot_of_database()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Donald Trump made this claim and cannot corroborate it." in response.text
    assert snapshot_of_database() == before


def test_a_speaker_may_retract_their_own_claim_in_the_admin(admin_client, hanoi):
    before = hanoi.us_claim.score

    response = admin_client.post(
        reverse("admin:claims_corroboration_add"),
        {
            "claim": hanoi.us_claim.pk,
            "source": hanoi.trump.pk,
            "stance": "contradicts",
            "quote": "It was about the sanctions, but not all of them.",
        },
    )

    assert response.status_code == 302
    refresh(hanoi.us_claim)
    assert hanoi.us_claim.score < before


def test_making_a_supporting_source_the_speaker_is_refused(admin_client, hanoi, form_data):
    # Choe supports Ri's claim as evidence, so she cannot become its speaker.
    url = reverse("admin:claims_claim_change", args=[hanoi.nk_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    data["speaker"] = str(hanoi.choe.pk)
    before = snapshot_of_database()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "a speaker cannot corroborate their own claim" in response.text
    assert snapshot_of_database() == before


def test_a_second_account_for_the_same_party_is_refused(admin_client, hanoi):
    before = snapshot_of_database()

    response = admin_client.post(
        reverse("admin:claims_account_add"),
        {"dispute": hanoi.dispute.pk, "party": hanoi.us.pk, "summary": "A second US account."},
    )

    assert response.status_code == 200
    assert "Account with this Dispute and Party already exists." in response.text
    assert snapshot_of_database() == before


def test_a_second_account_for_the_same_party_is_refused_in_the_dispute_inline(
    admin_client, hanoi, form_data
):
    url = reverse("admin:claims_dispute_change", args=[hanoi.dispute.pk])
    data = form_data(admin_client.get(url), "dispute_form")
    fill_blank_row(data, "accounts", party=hanoi.nk.pk, summary="Again.")
    before = snapshot_of_database()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for party." in response.text
    assert snapshot_of_database() == before


def test_an_account_is_fixed_to_its_dispute_and_party(admin_client, hanoi, form_data):
    url = reverse("admin:claims_account_change", args=[hanoi.us_account.pk])
    data = form_data(admin_client.get(url), "account_form")
    data.update(party=str(hanoi.nk.pk), summary="Edited summary.")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    refresh(hanoi.us_account)
    assert (hanoi.us_account.party, hanoi.us_account.summary) == (hanoi.us, "Edited summary.")


def test_adding_a_dispute_with_its_accounts_inline(admin_client, admin_user, hanoi):
    response = admin_client.post(
        reverse("admin:claims_dispute_add"),
        {
            "slug": "singapore-summit",
            "title": "What was agreed in Singapore?",
            "status": "open",
            "accounts-TOTAL_FORMS": "2",
            "accounts-INITIAL_FORMS": "0",
            "accounts-0-party": str(hanoi.us.pk),
            "accounts-1-party": str(hanoi.nk.pk),
        },
    )

    assert response.status_code == 302
    dispute = Dispute.objects.get(slug="singapore-summit")
    parties = set(dispute.accounts.values_list("party__slug", flat=True))
    assert parties == {"united-states", "north-korea"}
    created = Change.objects.filter(object_type="account", action="created", actor=admin_user)
    assert created.count() == 2


def test_adding_a_claim_to_an_account_inline_rescores_the_account(admin_client, hanoi, form_data):
    url = reverse("admin:claims_account_change", args=[hanoi.nk_account.pk])
    data = form_data(admin_client.get(url), "account_form")
    fill_blank_row(data, "claims", text="The talks will go on.", speaker=hanoi.choe.pk)
    before = hanoi.nk_account.score

    response = admin_client.post(url, data)

    assert response.status_code == 302
    claim = Claim.objects.get(text="The talks will go on.")
    assert (claim.account, claim.speaker, claim.score) == (hanoi.nk_account, hanoi.choe, 0.5)
    refresh(hanoi.nk_account)
    assert hanoi.nk_account.score != before  # an untested claim pulls the account towards 0.5


def test_recompute_action_corrects_drifted_scores(admin_client, admin_user, hanoi):
    right = hanoi.us_claim.score
    Claim.objects.filter(pk=hanoi.us_claim.pk).update(score=0.99, verdict="corroborated")

    response = admin_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "recompute_scores", "_selected_action": [hanoi.us_claim.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 score(s) had drifted and were corrected" in response.text
    refresh(hanoi.us_claim)
    assert hanoi.us_claim.score == pytest.approx(right)
    assert hanoi.us_claim.snapshots.latest("at").cause == "recomputed in the admin by admin"


def test_recompute_action_on_a_healthy_dispute_changes_nothing(admin_client, hanoi):
    before = snapshot_of_database()

    response = admin_client.post(
        reverse("admin:claims_dispute_changelist"),
        {"action": "recompute_scores", "_selected_action": [hanoi.dispute.pk]},
        follow=True,
    )

    assert "Recomputed 4 claim(s) and their accounts: 0 score(s) had drifted" in response.text
    assert snapshot_of_database() == before


def test_history_page_shows_who_changed_the_claim(admin_client, hanoi, form_data):
    url = reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    data["appearance"] = "https://www.whitehouse.gov/hanoi-press-conference"
    admin_client.post(url, data)

    response = admin_client.get(reverse("admin:claims_claim_history", args=[hanoi.us_claim.pk]))

    assert response.status_code == 200
    assert ">admin</a>" in response.text
    assert "whitehouse.gov/hanoi-press-conference" in response.text


def test_a_stale_claim_edit_is_refused_and_the_other_edit_survives(admin_client, hanoi, form_data):
    url = reverse("admin:claims_claim_change", args=[hanoi.us_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    services.update_claim(claim=hanoi.us_claim, by=None, appearance="https://example.org/first")
    data["appearance"] = "https://example.org/second"
    before = snapshot_of_database()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "has changed since you loaded it" in response.text
    assert snapshot_of_database() == before
    refresh(hanoi.us_claim)
    assert hanoi.us_claim.appearance == "https://example.org/first"


def test_a_stale_evidence_row_is_refused(admin_client, hanoi, form_data):
    ap_item = Corroboration.objects.get(claim=hanoi.nk_claim, source=hanoi.ap)
    url = reverse("admin:claims_claim_change", args=[hanoi.nk_claim.pk])
    data = form_data(admin_client.get(url), "claim_form")
    services.update_corroboration(corroboration=ap_item, by=None, url="https://apnews.com/a")
    data[f"{inline_row(data, 'corroborations-', ap_item.pk)}-stance"] = "contradicts"
    before = snapshot_of_database()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "has changed since you loaded it" in response.text
    assert snapshot_of_database() == before


def test_deleting_a_claim_in_the_admin_rescores_its_account_and_logs_it(
    admin_client, admin_user, hanoi
):
    claim = hanoi.claims["lost_will"]
    before = hanoi.nk_account.score
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    refresh(hanoi.nk_account)
    assert hanoi.nk_account.score != before
    logged = [(c.action, c.object_type, c.object_id, c.actor) for c in changes_since(last)]
    assert ("deleted", "claim", claim.pk, admin_user) in logged
    assert ("updated", "account", hanoi.nk_account.pk, admin_user) in logged


def test_score_snapshots_are_read_only(admin_client, hanoi):
    snapshot = ScoreSnapshot.objects.order_by("pk").first()
    count = ScoreSnapshot.objects.count()

    assert admin_client.get(reverse("admin:claims_scoresnapshot_add")).status_code == 403
    edit = admin_client.post(
        reverse("admin:claims_scoresnapshot_change", args=[snapshot.pk]), {"score": "0.99"}
    )
    delete = admin_client.post(
        reverse("admin:claims_scoresnapshot_delete", args=[snapshot.pk]), {"post": "yes"}
    )

    assert (edit.status_code, delete.status_code) == (403, 403)
    snapshot.refresh_from_db()
    assert snapshot.score != 0.99
    assert ScoreSnapshot.objects.count() == count


def test_deleting_a_dispute_in_the_admin_logs_everything_it_took_with_it(
    admin_client, admin_user, hanoi
):
    last = Change.latest_id()

    response = admin_client.post(
        reverse("admin:claims_dispute_delete", args=[hanoi.dispute.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Dispute.objects.exists()
    assert not Claim.objects.exists()
    assert not Corroboration.objects.exists()
    deleted = {(c.object_type, c.object_id) for c in changes_since(last) if c.action == "deleted"}
    assert ("dispute", hanoi.dispute.pk) in deleted
    assert ("claim", hanoi.us_claim.pk) in deleted
    evidence = [kind for kind, _ in deleted if kind == "corroboration"]
    assert len(evidence) == hanoi.corroboration_count


def test_adding_a_claim_with_its_first_evidence_on_one_page(admin_client, hanoi):
    response = admin_client.post(
        reverse("admin:claims_claim_add"),
        {
            "account": hanoi.nk_account.pk,
            "text": "Kim is ready to meet again.",
            "speaker": hanoi.choe.pk,
            "corroborations-TOTAL_FORMS": "1",
            "corroborations-INITIAL_FORMS": "0",
            "corroborations-0-source": hanoi.ap.pk,
            "corroborations-0-stance": "supports",
            "corroborations-0-quote": "Both sides said they would keep talking.",
        },
    )

    assert response.status_code == 302
    claim = Claim.objects.get(text="Kim is ready to meet again.")
    assert claim.corroborations.get().source == hanoi.ap
    assert claim.score > 0.5
    assert claim.verdict != "unverified"
