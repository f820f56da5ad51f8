"""The admin shows where each dispute stands and runs the transitions through the services."""

import pytest
from django.urls import reverse

from publishing.models import Publication, Revision
from tests.conftest import make_user


@pytest.fixture
def editor_admin(client, db):
    user = make_user("desk-editor", "Editors", is_staff=True)
    client.force_login(user)
    return client


def run(client, url, action, ids, **fields):
    return client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in ids], **fields}, follow=True
    )


def test_the_disputes_list_shows_their_publication_state(admin_client, hanoi, draft):
    page = admin_client.get(reverse("admin:claims_dispute_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Published" in text and "Draft" in text


def test_the_publication_page_lists_its_revisions(admin_client, hanoi):
    publication = Publication.objects.get(dispute=hanoi.dispute)
    page = admin_client.get(reverse("admin:publishing_publication_change", args=[publication.pk]))
    assert page.status_code == 200
    assert "Released" in page.content.decode()
    history = admin_client.get(
        reverse("admin:publishing_publication_history", args=[publication.pk])
    )
    assert history.status_code == 200


def test_an_editor_submits_and_publishes_from_the_disputes_list(editor_admin, draft):
    url = reverse("admin:claims_dispute_changelist")
    run(editor_admin, url, "transition_submit", [draft.pk])
    assert Publication.objects.get(dispute=draft).state == "in_review"

    asked = run(editor_admin, url, "transition_publish", [draft.pk])
    assert "embargo_until" in asked.content.decode()
    assert Publication.objects.get(dispute=draft).state == "in_review"

    run(editor_admin, url, "transition_publish", [draft.pk], apply="1", embargo_until="")
    assert Publication.objects.get(dispute=draft).state == "published"
    assert Revision.objects.get(publication__dispute=draft).state == "released"


def test_a_refused_transition_says_why_and_changes_nothing(editor_admin, draft):
    url = reverse("admin:claims_dispute_changelist")
    answer = run(editor_admin, url, "transition_resume", [draft.pk])
    assert "it cannot be resumed" in answer.content.decode()
    assert not Publication.objects.filter(dispute=draft).exists()


def test_retracting_in_the_admin_asks_for_the_note(editor_admin, published):
    url = reverse("admin:claims_dispute_changelist")
    answer = run(editor_admin, url, "transition_retract", [published.pk], apply="1", note="")
    assert "Say why it is retracted" in answer.content.decode()
    assert Publication.objects.get(dispute=published).state == "published"

    run(editor_admin, url, "transition_retract", [published.pk], apply="1", note="Wrong.")
    assert Publication.objects.get(dispute=published).state == "retracted"


def test_republishing_in_the_admin_shows_what_would_change_for_partners(
    editor_admin, published, reporter
):
    from claims import services as claim_services
    from claims.models import Claim
    from tests.factories import SourceFactory

    claim = Claim.objects.filter(account__dispute=published).first()
    claim_services.record_corroboration(
        claim=claim, by=reporter, source=SourceFactory(), stance="supports", quote="Yes."
    )
    url = reverse("admin:publishing_publication_changelist")
    publication = Publication.objects.get(dispute=published)
    page = run(editor_admin, url, "transition_republish", [publication.pk])
    assert "What partners would see change" in page.content.decode()
    assert "New evidence" in page.content.decode()


def test_a_reporter_is_offered_submitting_and_nothing_an_editor_does(client, draft):
    reporter = make_user("desk-reporter", "Reporters", is_staff=True)
    client.force_login(reporter)
    page = client.get(reverse("admin:claims_dispute_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "transition_submit" in text
    assert "transition_publish" not in text and "transition_retract" not in text
