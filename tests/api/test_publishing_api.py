"""
Publishing through the staff API (docs/api.md, "Publishing"): the
transitions under /api/v1/disputes/{slug}/, with If-Match on the
publication's tag, and the issue's check end to end as a partner's CMS and
the desk would live it.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from changelog.models import Change
from claims.models import Claim
from publishing import services
from publishing.models import FeedEvent, Publication, Revision
from tests.api.test_claims import assert_error
from tests.factories import SourceFactory, build_dispute


def url(dispute, verb=""):
    return f"/api/v1/disputes/{dispute.slug}/{verb + '/' if verb else ''}"


@pytest.fixture
def draft(db):
    return build_dispute(parties=2, claims_per_account=2, evidence_per_claim=1)


@pytest.fixture
def in_review(draft, reporter):
    services.submit_for_review(dispute=draft, by=reporter)
    return draft


@pytest.fixture
def published(in_review, editor):
    services.publish(dispute=in_review, by=editor)
    return in_review


def first_claim(dispute):
    return Claim.objects.filter(account__dispute=dispute).order_by("id").first()


def overturn(claim, reporter_client):
    """Reliable sources contradicting the claim, through the API, until its verdict changes."""
    before = Claim.objects.get(pk=claim.pk).verdict
    while Claim.objects.get(pk=claim.pk).verdict == before:
        source = SourceFactory(reliability="A")
        response = reporter_client.post(
            "/api/v1/corroborations/",
            {
                "claim": claim.pk,
                "source": source.pk,
                "stance": "contradicts",
                "quote": "It did not happen.",
            },
            format="json",
        )
        assert response.status_code == 201
    return Claim.objects.get(pk=claim.pk)


def everything(dispute):
    """What a refused transition must leave as it was."""
    publication = Publication.objects.filter(dispute=dispute).first()
    return {
        "publication": (publication.state, publication.version) if publication else None,
        "revisions": list(Revision.objects.values_list("pk", "state", "number")),
        "changes": Change.latest_id(),
        "feed": FeedEvent.objects.count(),
    }


class Partner:
    """A partner's CMS: follows the feed with its cursor, and reads what the events name."""

    def __init__(self, client):
        self.client = client
        self.cursor = 0
        self.events = []

    def poll(self):
        new = []
        while True:
            page = self.client.get(f"/api/v1/changes/?since={self.cursor}&limit=5").json()
            new += page["results"]
            self.cursor = page["next"]
            if not page["has_more"]:
                break
        self.events += new
        return new

    def claim(self, claim):
        return self.client.get(f"/api/v1/claims/{claim.pk}/")


# The check


def test_a_partner_syncing_from_zero_sees_only_what_editors_released_and_when(
    partner_client, reporter_client, editor_client, draft
):
    partner = Partner(partner_client)
    claim = first_claim(draft)

    # A reporter drafts a claim: partners see nothing of it.
    edited = reporter_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"text": "A half-checked claim."}, format="json"
    )
    assert edited.status_code == 200
    assert partner.poll() == []
    assert partner.claim(claim).status_code == 404
    assert partner_client.get("/api/v1/claims/").json()["count"] == 0

    # Submitted, then published under a 60-second embargo.
    assert reporter_client.post(url(draft, "submit")).status_code == 200
    ends = timezone.now() + timedelta(seconds=60)
    response = editor_client.post(
        url(draft, "publish"),
        {"embargo_until": ends.isoformat().replace("+00:00", "Z")},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["pending"]["embargoed_until"] is not None
    assert response.json()["pub_status"] is None

    # Until it ends, nothing anywhere: not even when the sweep runs early.
    assert services.release_embargoed(now=ends - timedelta(seconds=1)) == []
    assert partner.poll() == []
    assert partner.claim(claim).status_code == 404
    assert partner_client.get(url(draft)).status_code == 404
    assert partner_client.get("/api/v1/claims/?search=half-checked").json()["results"] == []
    assert partner_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 404

    # At its end the job (or the sweep) releases it: in the feed exactly once, in order.
    assert len(services.release_embargoed(now=ends)) == 1
    released = partner.poll()
    assert (released[0]["object_type"], released[0]["event"]) == ("dispute", "published")
    assert released[0]["url"] == f"http://testserver{url(draft)}"
    assert [event["id"] for event in released] == sorted(event["id"] for event in released)
    assert ("claim", claim.pk, "created") in {
        (e["object_type"], e["object_id"], e["action"]) for e in released
    }
    assert services.release_embargoed(now=ends + timedelta(seconds=5)) == []
    assert partner.poll() == []
    given = partner.claim(claim).json()
    assert given["text"] == "A half-checked claim."
    assert given["pub_status"] == "usable" and given["version"] == 1
    assert given["embargoed_until"] is not None

    # New contradicting evidence on the desk: partners unchanged.
    before = given["credibility"]["verdict"]
    live = overturn(claim, reporter_client)
    assert partner.poll() == []
    assert partner.claim(claim).json() == given
    assert partner_client.get(f"/api/v1/claims/?verdict={live.verdict}").json()["count"] == 0
    diff = editor_client.get(url(draft, "partner-diff")).json()
    assert diff["needs_correction"] is True
    assert {(m["object_id"], m["verdict_before"], m["verdict_after"]) for m in diff["moves"]} >= {
        (claim.pk, before, live.verdict)
    }

    # Republished with a correction: the new verdict and the note, in the API and ClaimReview.
    note = "New reporting contradicts the claim."
    republished = editor_client.post(url(draft, "publish"), {"note": note}, format="json")
    assert republished.status_code == 200
    corrected = partner.poll()
    assert (corrected[0]["object_type"], corrected[0]["event"], corrected[0]["note"]) == (
        "dispute",
        "corrected",
        note,
    )
    now = partner.claim(claim).json()
    assert now["credibility"]["verdict"] == live.verdict != before
    assert now["version"] == 2
    assert [c["note"] for c in now["corrections"]] == [note]
    assert [c["note"] for c in partner_client.get(url(draft)).json()["corrections"]] == [note]
    review = partner_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert review["reviewRating"]["alternateName"] == live.verdict_label
    assert [(c["@type"], c["text"]) for c in review["correction"]] == [("CorrectionComment", note)]
    assert [e["event"] for e in partner.events if e["object_type"] == "dispute"] == [
        "published",
        "corrected",
    ]
    cursors = [event["id"] for event in partner.events]
    assert cursors == sorted(set(cursors))


# Who may do what


def test_a_reporter_submits_and_an_editor_publishes(reporter_client, editor_client, draft):
    submitted = reporter_client.post(url(draft, "submit"))
    assert submitted.status_code == 200
    assert submitted.json()["state"] == "in_review"

    published = editor_client.post(url(draft, "publish"))

    assert published.status_code == 200
    body = published.json()
    assert (body["state"], body["pub_status"], body["released_version"]) == (
        "published",
        "usable",
        1,
    )
    assert published["ETag"] == f'"publication-{draft.pk}-v{body["version"]}"'


def test_a_reporter_publishing_is_403_and_changes_nothing(reporter_client, in_review):
    before = everything(in_review)
    response = reporter_client.post(url(in_review, "publish"))
    assert_error(response, 403)
    assert "editors" in response.json()["error"]["message"]
    assert everything(in_review) == before


def test_a_partner_key_may_not_publish_or_read_the_publication(partner_client, in_review):
    before = everything(in_review)
    for verb in ("publish", "submit", "pause", "resume", "retract"):
        assert partner_client.post(url(in_review, verb)).status_code == 403
    for verb in ("publication", "partner-diff"):
        assert partner_client.get(url(in_review, verb)).status_code == 403
    assert everything(in_review) == before


@pytest.mark.parametrize(
    "state, verb",
    [("published", "submit"), ("retracted", "publish"), ("draft", "publish"), ("draft", "pause")],
)
def test_a_transition_the_state_does_not_allow_is_400_and_changes_nothing(
    request, editor, editor_client, state, verb
):
    dispute = request.getfixturevalue("published" if state == "retracted" else state)
    if state == "retracted":
        services.retract(dispute=dispute, by=editor, note="Wrong.")
    before = everything(dispute)

    response = editor_client.post(url(dispute, verb))

    assert_error(response, 400)
    error = response.json()["error"]
    assert error["code"] == "transition_not_allowed"
    assert "cannot be" in error["message"]
    assert everything(dispute) == before


def test_a_missing_dispute_is_404(editor_client, db):
    assert editor_client.post("/api/v1/disputes/no-such-dispute/publish/").status_code == 404


# Bad bodies


@pytest.mark.parametrize(
    "embargo, says",
    [
        ("2020-01-01T00:00:00Z", "not in the future"),
        ("tomorrow at nine", "format"),
        ((datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None).isoformat(), "time zone"),
        (12, "string"),
    ],
    ids=["past", "malformed", "no time zone", "not a string"],
)
def test_a_bad_embargo_is_400_naming_embargo_until(editor_client, in_review, embargo, says):
    before = everything(in_review)
    response = editor_client.post(
        url(in_review, "publish"), {"embargo_until": embargo}, format="json"
    )
    assert_error(response, 400, "embargo_until")
    assert says in response.json()["error"]["fields"]["embargo_until"][0]
    assert everything(in_review) == before


def test_republishing_changed_verdicts_without_a_note_is_400_naming_note(
    editor_client, reporter_client, published
):
    overturn(first_claim(published), reporter_client)
    before = everything(published)

    response = editor_client.post(url(published, "publish"), {}, format="json")

    assert_error(response, 400, "note")
    assert "say what was corrected" in response.json()["error"]["fields"]["note"][0]
    assert everything(published) == before


def test_a_note_on_a_first_publication_is_400(editor_client, in_review):
    response = editor_client.post(url(in_review, "publish"), {"note": "Fixed."}, format="json")
    assert_error(response, 400, "note")
    assert Publication.objects.get(dispute=in_review).state == "in_review"


def test_retracting_without_a_note_is_400_naming_note(editor_client, published):
    response = editor_client.post(url(published, "retract"), {"note": "  "}, format="json")
    assert_error(response, 400, "note")
    assert Publication.objects.get(dispute=published).state == "published"


# If-Match


def test_a_stale_if_match_is_412_and_changes_nothing(editor_client, editor, published):
    seen = editor_client.get(url(published, "publication"))["ETag"]
    services.pause(dispute=published, by=editor)
    services.resume(dispute=published, by=editor)
    before = everything(published)

    response = editor_client.post(
        url(published, "retract"), {"note": "Wrong."}, format="json", HTTP_IF_MATCH=seen
    )

    assert_error(response, 412)
    assert everything(published) == before


def test_the_etag_of_a_read_or_a_transition_lets_the_next_one_through(editor_client, published):
    read = editor_client.get(url(published, "publication"))
    assert read["ETag"].startswith(f'"publication-{published.pk}-v')
    paused = editor_client.post(url(published, "pause"), HTTP_IF_MATCH=read["ETag"])
    assert paused.status_code == 200
    resumed = editor_client.post(url(published, "resume"), HTTP_IF_MATCH=paused["ETag"])
    assert resumed.status_code == 200
    assert resumed.json()["state"] == "published"


def test_a_draft_is_at_version_1(editor_client, reporter_client, draft):
    read = editor_client.get(url(draft, "publication")).json()
    assert (read["state"], read["version"], read["pub_status"]) == ("draft", 1, None)
    response = reporter_client.post(
        url(draft, "submit"), HTTP_IF_MATCH=f'"publication-{draft.pk}-v1"'
    )
    assert response.status_code == 200


# Pausing, resuming, retracting: what partners get


def test_pause_resume_and_retract_reach_partners_through_the_feed_and_the_tombstone(
    editor_client, partner_client, published
):
    cursor = partner_client.get("/api/v1/changes/?limit=1000").json()["next"]

    paused = editor_client.post(url(published, "pause"), {"note": "Checking."}, format="json")
    assert paused.status_code == 200
    withheld = partner_client.get(url(published)).json()
    assert (withheld["pub_status"], withheld["retraction"], withheld["version"]) == (
        "withheld",
        None,
        1,
    )
    assert "title" not in withheld and "accounts" not in withheld

    assert editor_client.post(url(published, "resume")).status_code == 200
    assert partner_client.get(url(published)).json()["pub_status"] == "usable"

    response = editor_client.post(
        url(published, "retract"), {"note": "We were wrong."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["retraction"]["note"] == "We were wrong."
    canceled = partner_client.get(url(published)).json()
    assert canceled["pub_status"] == "canceled"
    assert canceled["retraction"]["note"] == "We were wrong."

    events = partner_client.get(f"/api/v1/changes/?since={cursor}&limit=1000").json()["results"]
    disputes = [(e["event"], e["note"]) for e in events if e["object_type"] == "dispute"]
    assert disputes == [
        ("withheld", "Checking."),
        ("published", ""),
        ("canceled", "We were wrong."),
    ]


def test_the_partner_diff_lists_what_republishing_would_change(
    editor_client, reporter_client, published
):
    assert editor_client.get(url(published, "partner-diff")).json()["changes_anything"] is False
    claim = first_claim(published)
    live = overturn(claim, reporter_client)

    diff = editor_client.get(url(published, "partner-diff")).json()

    assert diff["released_version"] == 1
    assert diff["changes_anything"] and diff["needs_correction"]
    move = next(m for m in diff["moves"] if m["object_type"] == "claim")
    assert (move["object_id"], move["verdict_after"], move["verdict_moved"]) == (
        claim.pk,
        live.verdict,
        True,
    )
    assert set(diff["new_evidence"]) == set(claim.corroborations.values_list("id", flat=True)) - {
        item["id"] for item in json.loads(first_released_claim(claim))["corroborations"]
    }


def first_released_claim(claim):
    from publishing.models import RevisionObject

    return RevisionObject.objects.get(object_type="claim", object_id=claim.pk, visible=True).data
