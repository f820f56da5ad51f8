"""
The workflow: draft → in review → published ⇄ paused, retracted for good;
reporters submit, editors do the rest. Every refusal changes nothing.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from changelog.models import Change
from changelog.writes import StaleObjectError
from publishing import services
from publishing.models import FeedEvent, Publication, Revision
from tests.publishing.conftest import state_of

# Some tests ask for their fixtures by name (request.getfixturevalue): the
# mark tells pytest-django they use the database, so that they run before
# the tests that flush it.
pytestmark = pytest.mark.django_db

CALLS = {
    "submit": lambda dispute, by: services.submit_for_review(dispute=dispute, by=by),
    "publish": lambda dispute, by: services.publish(dispute=dispute, by=by),
    "republish": lambda dispute, by: services.republish(
        dispute=dispute, by=by, note="Checked again."
    ),
    "pause": lambda dispute, by: services.pause(dispute=dispute, by=by),
    "resume": lambda dispute, by: services.resume(dispute=dispute, by=by),
    "retract": lambda dispute, by: services.retract(
        dispute=dispute, by=by, note="We could not stand behind it."
    ),
}
STATES = ["draft", "in_review", "published", "paused", "retracted"]
# (state, action) → the state it leads to; every other pair is refused.
ALLOWED = {
    ("draft", "submit"): "in_review",
    ("in_review", "publish"): "published",
    ("published", "republish"): "published",
    ("published", "pause"): "paused",
    ("published", "retract"): "retracted",
    ("paused", "resume"): "published",
    ("paused", "retract"): "retracted",
}


def everything(dispute):
    """What a refused transition must leave as it was."""
    publication = Publication.objects.filter(dispute=dispute).first()
    return {
        "publication": (publication.state, publication.version) if publication else None,
        "revisions": list(Revision.objects.values_list("pk", "state", "number")),
        "changes": Change.latest_id(),
        "feed": FeedEvent.objects.count(),
    }


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(CALLS))
def test_each_transition_is_allowed_only_from_its_states(request, state, action, editor):
    dispute = request.getfixturevalue(state)
    assert state_of(dispute) == state
    before = everything(dispute)

    if (state, action) in ALLOWED:
        CALLS[action](dispute, editor)
        assert state_of(dispute) == ALLOWED[state, action]
    else:
        with pytest.raises(ValidationError) as refused:
            CALLS[action](dispute, editor)
        message = " ".join(refused.value.messages)
        assert dispute.title in message
        assert f"is {Publication.State(state).label.lower()}" in message
        assert everything(dispute) == before


def test_publishing_a_retracted_dispute_says_it_stays_retracted(retracted, editor):
    with pytest.raises(ValidationError, match="A retracted dispute stays retracted"):
        services.republish(dispute=retracted, by=editor)


def test_publishing_a_draft_says_to_submit_it_first(draft, editor):
    with pytest.raises(ValidationError, match="Submit it for review first"):
        services.publish(dispute=draft, by=editor)


# Roles

EDITOR_ACTIONS = [
    ("in_review", "publish"),
    ("published", "republish"),
    ("published", "pause"),
    ("paused", "resume"),
    ("published", "retract"),
]


@pytest.mark.parametrize(("state", "action"), EDITOR_ACTIONS)
@pytest.mark.parametrize("role", ["reporter", "viewer", "anonymous"])
def test_only_editors_publish_pause_resume_retract_and_republish(request, state, action, role):
    dispute = request.getfixturevalue(state)
    user = request.getfixturevalue(role)
    before = everything(dispute)

    with pytest.raises(PermissionDenied, match="Only editors may"):
        CALLS[action](dispute, user)

    assert everything(dispute) == before


def test_a_reporter_submits_a_draft_for_review(draft, reporter):
    services.submit_for_review(dispute=draft, by=reporter)
    assert state_of(draft) == "in_review"


@pytest.mark.parametrize("role", ["viewer", "anonymous"])
def test_a_viewer_cannot_submit_for_review(request, draft, role):
    with pytest.raises(PermissionDenied, match="Only reporters and editors may submit"):
        services.submit_for_review(dispute=draft, by=request.getfixturevalue(role))
    assert state_of(draft) == "draft"
    assert not Publication.objects.exists()


def test_the_role_is_checked_before_the_state(retracted, reporter):
    # A reporter asking for something no state allows is still told it is not theirs to do.
    with pytest.raises(PermissionDenied):
        services.republish(dispute=retracted, by=reporter)


# The record of who did what, when


def test_every_transition_is_in_the_change_log_and_the_history_with_who(draft, reporter, editor):
    first = Change.latest_id()
    services.submit_for_review(dispute=draft, by=reporter)
    services.publish(dispute=draft, by=editor)
    services.pause(dispute=draft, by=editor)
    services.resume(dispute=draft, by=editor)
    services.retract(dispute=draft, by=editor, note="Wrong.")

    logged = list(
        Change.objects.filter(pk__gt=first, object_type="dispute", object_id=draft.pk)
        .order_by("pk")
        .values_list("summary", "actor__username")
    )
    assert [(summary.split("” ", 1)[1].split(":")[0], who) for summary, who in logged] == [
        ("submitted for review", "reporter"),
        ("published", "editor"),
        ("paused", "editor"),
        ("resumed", "editor"),
        ("retracted", "editor"),
    ]
    history = Publication.objects.get(dispute=draft).history.order_by("history_id")
    assert [(row.state, row.history_user.username) for row in history] == [
        ("in_review", "reporter"),
        ("published", "editor"),
        ("paused", "editor"),
        ("published", "editor"),
        ("retracted", "editor"),
    ]
    assert all(row.history_date is not None for row in history)


def test_a_stale_version_is_refused_and_changes_nothing(published, editor):
    publication = Publication.objects.get(dispute=published)
    seen = publication.version
    services.pause(dispute=published, by=editor, expected_version=seen)
    before = everything(published)

    with pytest.raises(StaleObjectError):
        services.resume(dispute=published, by=editor, expected_version=seen)

    assert everything(published) == before


def test_the_current_version_is_accepted(published, editor):
    version = Publication.objects.get(dispute=published).version
    services.pause(dispute=published, by=editor, expected_version=version)
    assert state_of(published) == "paused"


def test_a_draft_with_no_publication_yet_is_at_version_one(draft, reporter):
    services.submit_for_review(dispute=draft, by=reporter, expected_version=1)
    assert Publication.objects.get(dispute=draft).version == 2


def test_retracting_needs_a_note_for_partners(published, editor):
    before = everything(published)
    with pytest.raises(ValidationError) as refused:
        services.retract(dispute=published, by=editor, note="  ")
    assert "note" in refused.value.message_dict
    assert everything(published) == before


def test_new_disputes_start_as_drafts(draft):
    assert not Publication.objects.filter(dispute=draft).exists()
    assert state_of(draft) == "draft"


def test_a_deleted_dispute_stays_released_until_retracted_through_its_publication(
    published, editor
):
    from claims import services as claim_services

    dispute_id = published.pk
    claim_services.delete_dispute(dispute=published, by=editor)
    publication = Publication.objects.get(dispute_key=dispute_id)
    assert publication.dispute is None and publication.pub_status == "usable"

    with pytest.raises(ValidationError, match="no longer exists"):
        services.pause(dispute=published, by=editor)
    services.retract(publication=publication, by=editor, note="Removed from the desk.")

    publication.refresh_from_db()
    assert publication.pub_status == "canceled"
    assert FeedEvent.objects.filter(object_type="dispute", event="canceled").count() == 1
