"""The desk's activity page: the latest changes, who made them, when."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from changelog.models import Change
from claims import services as claim_services
from sources import services as source_services
from tests.factories import ClaimFactory, CorroborationFactory, SourceFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def activity(client, **params):
    return client.get(reverse("dashboard:activity"), params)


def cap(text: str) -> str:
    """A summary as the page shows it, first letter capitalised."""
    return text[:1].upper() + text[1:]


def summaries(html: str) -> list[str]:
    """The change summaries in the order the page shows them."""
    shown = re.findall(r'<p class="sp-change-summary">(?:<a [^>]*>|<span>)([^<]*)<', html)
    return [unescape(summary) for summary in shown]


def change_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="sp-change" id="change-(\d+)">', html)]


def test_activity_lists_the_latest_changes_newest_first(as_user, viewer, hanoi):
    html = activity(as_user(viewer)).content.decode()

    assert change_ids(html) == list(Change.objects.order_by("-id").values_list("id", flat=True))
    newest = Change.objects.order_by("-id").first()
    # Its summary, with the claim it cites named by its words.
    assert summaries(html)[0] == cap(
        newest.summary.replace(
            f"claim {hanoi.nk_claim.pk}",
            "claim “Kim asked only for partial sanctions relief in…” (North Korea)",
        )
    )


def test_each_change_names_who_made_it(as_user, editor, viewer, hanoi):
    source_services.create_source(by=editor, name="Yonhap", kind="news_outlet", reliability="B")

    html = activity(as_user(viewer)).content.decode()

    entry = html[html.index(">Source Yonhap added<") :]
    entry = entry[: entry.index("</li>")]
    assert '<span class="sp-actor">editor</span>' in entry


def test_changes_made_by_no_one_are_credited_to_the_system(as_user, viewer, hanoi):
    html = activity(as_user(viewer)).content.decode()

    assert "the system</span>" in html  # the Hanoi story is loaded by a command


def test_a_change_links_to_its_object_while_it_exists(as_user, editor, viewer, hanoi):
    source = source_services.create_source(by=editor, name="Short-lived", kind="other")
    kept = source_services.create_source(by=editor, name="Kept", kind="other")
    source_services.delete_source(source=source, by=editor)

    html = activity(as_user(viewer)).content.decode()

    assert f'<a href="{kept.get_absolute_url()}">Source Kept added</a>' in html
    assert f'href="{reverse("dashboard:source", args=[source.pk])}"' not in html
    assert ">Source Short-lived deleted<" in html


def test_evidence_and_score_moves_link_to_their_claim(as_user, viewer, hanoi):
    html = activity(as_user(viewer)).content.decode()

    claim_url = hanoi.nk_claim.get_absolute_url()
    assert (
        f'<a href="{claim_url}">Choe Sun Hui supports claim '
        "“Kim asked only for partial sanctions relief in…” (North Korea)</a>"
    ) in html
    assert f'<a href="{claim_url}">Score 0.73 → 0.74: evidence recorded: Choe Sun Hui' in html


@pytest.mark.parametrize(
    "kind, shown, hidden",
    [
        ("scores", ">Score 0.73 → 0.74", ">Choe Sun Hui supports claim"),
        ("evidence", ">Choe Sun Hui supports claim", ">Score 0.73 → 0.74"),
        ("sources", ">Source The Associated Press added", ">Claim by Ri Yong Ho recorded"),
        ("claims", ">Claim by Ri Yong Ho recorded", ">Score 0.73 → 0.74"),
        ("disputes", ">Account of North Korea added", ">Source The Associated Press added"),
    ],
)
def test_activity_can_be_narrowed_to_one_kind_of_change(
    as_user, viewer, hanoi, kind, shown, hidden
):
    html = activity(as_user(viewer), kind=kind).content.decode()

    assert shown in html
    assert hidden not in html


def test_a_score_move_is_told_by_its_flag_not_by_its_wording(as_user, viewer, hanoi):
    claim = hanoi.nk_claim
    for summary, is_score_move in (("score sheet attached", False), ("rescored in bulk", True)):
        Change.objects.create(
            object_type="claim",
            object_id=claim.pk,
            action=Change.Action.UPDATED,
            summary=summary,
            is_score_move=is_score_move,
        )
    client = as_user(viewer)

    scores = activity(client, kind="scores").content.decode()
    claims = activity(client, kind="claims").content.decode()

    assert ">Rescored in bulk<" in scores and ">Score sheet attached<" not in scores
    assert ">Score sheet attached<" in claims and ">Rescored in bulk<" not in claims


def test_an_unknown_kind_is_an_error_on_the_filter_not_a_crash(as_user, viewer, hanoi):
    response = activity(as_user(viewer), kind="everything")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. everything is not one of the available choices." in html
    assert "Source The Associated Press added" in html


def test_htmx_filtering_answers_with_the_list_fragment_only(as_user, viewer, hanoi):
    response = as_user(viewer).get(
        reverse("dashboard:activity"),
        {"kind": "scores"},
        headers={**HTMX, "HX-Target": "activity-list"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="activity-list"')
    assert "<html" not in html and 'aria-label="Filter activity"' not in html
    assert "HX-Request" in response["Vary"]


def test_a_full_page_for_an_htmx_request_aimed_elsewhere(as_user, viewer, hanoi):
    # A boosted link or a history restore targets the body: it needs the page.
    response = as_user(viewer).get(reverse("dashboard:activity"), headers=HTMX)

    assert "<html" in response.content.decode()


def list_fragment(client, **params):
    return client.get(
        reverse("dashboard:activity"), params, headers={**HTMX, "HX-Target": "activity-list"}
    ).content.decode()


@pytest.fixture
def long_log(db):
    """Over three pages of changes (CHANGES_PER_PAGE = 50), newest first."""
    SourceFactory.create_batch(3)
    claim = ClaimFactory()
    CorroborationFactory.create_batch(60, claim=claim)
    ids = list(Change.objects.order_by("-id").values_list("id", flat=True))
    assert len(ids) > 150
    return ids


def test_activity_is_paginated_newest_first_by_cursor(as_user, viewer, long_log):
    client = as_user(viewer)

    first = activity(client).content.decode()
    second = list_fragment(client, before=long_log[49])

    assert change_ids(first) == long_log[:50]
    assert (
        f'<a id="activity-list-next" rel="next" href="?before={long_log[49]}" hx-get="?before={long_log[49]}">'
        in first
    )
    assert 'id="activity-list-previous"' not in first
    assert change_ids(second) == long_log[50:100]
    assert (
        f'<a id="activity-list-previous" rel="prev" href="?after={long_log[50]}" hx-get="?after={long_log[50]}">'
        in second
    )


def test_newer_goes_back_to_the_page_before(as_user, viewer, long_log):
    client = as_user(viewer)

    third = list_fragment(client, before=long_log[99])
    back = list_fragment(client, after=long_log[100])

    assert change_ids(back) == long_log[50:100]
    assert f'href="?after={long_log[50]}"' in back and f'href="?before={long_log[99]}"' in back
    assert change_ids(third) == long_log[100:150]


def test_newer_from_near_the_top_gives_the_latest_page_in_full(as_user, viewer, long_log):
    html = list_fragment(as_user(viewer), after=long_log[10])

    assert change_ids(html) == long_log[:50]
    assert 'id="activity-list-previous"' not in html


def test_the_last_page_has_no_older_link(as_user, viewer, long_log):
    html = list_fragment(as_user(viewer), before=long_log[-5])

    assert change_ids(html) == long_log[-4:]
    assert 'id="activity-list-next"' not in html


def test_pages_of_one_kind_follow_that_kind(as_user, viewer, long_log):
    client = as_user(viewer)
    evidence = list(
        Change.objects.filter(object_type="corroboration")
        .order_by("-id")
        .values_list("id", flat=True)
    )

    first = list_fragment(client, kind="evidence", before=evidence[9])

    assert change_ids(first) == evidence[10:]
    assert f'href="?kind=evidence&amp;after={evidence[10]}"' in first


@pytest.mark.parametrize("cursor", [{"before": "soon"}, {"after": "-3"}, {"before": ""}])
def test_a_bad_cursor_shows_the_latest_changes_not_an_error(as_user, viewer, long_log, cursor):
    response = activity(as_user(viewer), **cursor)

    assert response.status_code == 200
    assert change_ids(response.content.decode()) == long_log[:50]


def test_a_page_never_counts_the_whole_log(as_user, viewer, long_log):
    client = as_user(viewer)

    with CaptureQueriesContext(connection) as queries:
        activity(client, before=long_log[60])

    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q for q in queries.captured_queries if "OFFSET" in q["sql"].upper()]


@pytest.mark.parametrize("rounds", [1, 15])
def test_activity_runs_a_fixed_number_of_queries(
    as_user, editor, hanoi, django_assert_max_num_queries, rounds
):
    # Every kind of object on one page, some of them since deleted.
    for _ in range(rounds):
        source = source_services.create_source(by=editor, name="Passing source", kind="other")
        CorroborationFactory(claim=hanoi.nk_claim, source=SourceFactory())
        claim_services.update_source(source=hanoi.ap, by=editor, notes="Checked again.")
        source_services.delete_source(source=source, by=editor)
    client = as_user(editor)

    # What the page reads, and two for the permissions that decide the header's Webhooks link.
    with django_assert_max_num_queries(10 + 2):
        response = activity(client)

    assert response.status_code == 200


def test_activity_answers_only_reads(as_user, editor, hanoi):
    before = Change.objects.count()

    response = as_user(editor).post(reverse("dashboard:activity"))

    assert response.status_code == 405
    assert Change.objects.count() == before
