"""
Webhook endpoints from the dashboard (DESIGN.md §10): only editors see
them; registering shows the secret once and refuses bad input beside its
field with nothing saved; edits carry the version the editor saw; rotating
shows the new secret once and keeps the old one valid meanwhile; a test
ping shows what the receiver answered; each delivery's attempt log can be
read and any delivery resent; editors are told on the overview when the
desk disabled an endpoint. Every form works as a plain POST and via htmx.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from changelog.models import Change
from tests.conftest import make_user
from tests.webhooks.conftest import Answer
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, EndpointSecret, EventType, Message

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{20,}")


def htmx(target: str | None = None) -> dict[str, str]:
    headers = {"HX-Request": "true"}
    if target:
        headers["HX-Target"] = target
    return headers


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    # The receiver runs on 127.0.0.1 over plain HTTP, as development allows.
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True


@pytest.fixture
def login(client, request):
    def as_role(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return as_role


@pytest.fixture
def endpoint(endpoint_on):
    """An endpoint on the receiver's /hook, which answers 200 unless scripted otherwise."""
    return endpoint_on("/hook")


def delivery_of(endpoint, *, state="failed", attempts=10, event=EventType.PUBLISHED, n=0, **extra):
    """A delivery as the worker would have left it (test setup only)."""
    message = Message.objects.create(
        webhook_id=f"msg_test{endpoint.pk}x{n}x{state}",
        type=event,
        dispute_key=extra.pop("dispute_key", None),
        version=1,
        body=json.dumps({"type": event}),
    )
    return Delivery.objects.create(
        message=message,
        endpoint=endpoint,
        state=state,
        attempts=attempts,
        last_status=extra.pop("last_status", 503 if state != "succeeded" else 200),
        last_error=extra.pop("last_error", ""),
        **extra,
    )


def the_database():
    """What a refused write must leave as it was."""
    return {
        "endpoints": list(Endpoint.objects.values_list("pk", "url", "version", "is_active")),
        "secrets": list(EndpointSecret.objects.values_list("pk", "secret", "expires_at")),
        "deliveries": list(Delivery.objects.values_list("pk", "state", "attempts")),
        "changes": Change.latest_id(),
    }


# Who may open what

PAGES = [
    ("webhooks", False),
    ("webhook_add", False),
    ("webhook", True),
    ("webhook_edit", True),
    ("webhook_rotate", True),
    ("webhook_delete", True),
]


@pytest.mark.parametrize(("name", "about_endpoint"), PAGES)
@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("viewer", 403), ("reporter", 403), ("editor", 200)]
)
def test_only_editors_open_the_webhooks_pages(login, endpoint, name, about_endpoint, role, status):
    url = reverse(f"dashboard:{name}", args=[endpoint.pk] if about_endpoint else [])

    response = login(role).get(url)

    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["anonymous", "viewer", "reporter", "editor"])
def test_only_editors_open_a_deliverys_page(login, endpoint, role):
    delivery = delivery_of(endpoint)

    response = login(role).get(reverse("dashboard:webhook_delivery", args=[delivery.pk]))

    assert response.status_code == {"anonymous": 302, "editor": 200}.get(role, 403)


@pytest.mark.parametrize("role", ["viewer", "reporter"])
def test_nobody_but_editors_can_change_an_endpoint_or_read_its_secret(
    login, endpoint, partner, role
):
    delivery = delivery_of(endpoint)
    before = the_database()
    web = login(role)
    posts = [
        (
            reverse("dashboard:webhook_add"),
            {"partner_key": partner.prefix, "url": "http://x.test/"},
        ),
        (reverse("dashboard:webhook_edit", args=[endpoint.pk]), {"url": "http://x.test/"}),
        (reverse("dashboard:webhook_switch", args=[endpoint.pk]), {"active": "0", "version": 1}),
        (reverse("dashboard:webhook_rotate", args=[endpoint.pk]), {}),
        (reverse("dashboard:webhook_delete", args=[endpoint.pk]), {}),
        (reverse("dashboard:webhook_ping", args=[endpoint.pk]), {}),
        (reverse("dashboard:webhook_resend", args=[delivery.pk]), {}),
    ]

    for url, data in posts:
        response = web.post(url, data)
        assert response.status_code == 403, url
        assert "whsec_" not in response.content.decode()

    assert the_database() == before


def test_the_webhooks_link_is_in_the_header_for_editors_only(login, db):
    link = f'href="{reverse("dashboard:webhooks")}"'
    web = login("editor")
    assert link in web.get(reverse("dashboard:overview")).content.decode()

    web = login("reporter")
    assert link not in web.get(reverse("dashboard:overview")).content.decode()


# The list


def test_the_list_shows_each_endpoint_with_its_partner_events_state_and_counts(
    login, endpoint_on, partner
):
    live = endpoint_on("/live", event_types=[EventType.PUBLISHED, EventType.CORRECTED])
    gone = endpoint_on("/gone")
    services.update_endpoint(gone, expected_version=gone.version, by=None, is_active=False)
    Endpoint.objects.filter(pk=gone.pk).update(disabled_reason="It answered 410 Gone.")
    delivery_of(live, state="succeeded", attempts=1, n=1)
    delivery_of(live, state="succeeded", attempts=2, n=2)
    delivery_of(live, state="pending", attempts=3, n=3)
    delivery_of(live, state="failed", attempts=10, n=4)
    # Older than a week: not counted.
    delivery_of(live, state="failed", n=5, created_at=timezone.now() - timedelta(days=8))

    html = login("editor").get(reverse("dashboard:webhooks")).content.decode()

    row = html[html.index(f'id="endpoint-{live.pk}"') :]
    row = row[: row.index("</tr>")]
    assert live.url in row and partner.name in row
    assert "<code>dispute.published</code>, <code>dispute.corrected</code>" in row
    assert "Active" in row
    assert re.findall(r'<td class="sp-num">(\d+)</td>', row) == ["2", "1", "1"]
    gone_row = html[html.index(f'id="endpoint-{gone.pk}"') :]
    assert "Disabled by the desk" in gone_row[: gone_row.index("</tr>")]
    assert "It answered 410 Gone." in gone_row[: gone_row.index("</tr>")]
    # The notice, on this page too.
    assert 'id="webhook-notice"' in html


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    login, partner, editor, count, django_assert_max_num_queries
):
    for n in range(count):
        endpoint, _ = services.register_endpoint(
            partner_key=partner,
            url=f"http://127.0.0.1:9/hook/{n}",
            event_types=[EventType.PUBLISHED],
            by=editor,
        )
        delivery_of(endpoint)
    web = login("editor")

    # session, user, two for the editor's permissions, the count, the page's
    # endpoints with their partner keys and delivery counts, the notice.
    with django_assert_max_num_queries(7):
        response = web.get(reverse("dashboard:webhooks"))

    assert response.content.decode().count('<tr id="endpoint-') == count


# Registering


def test_registering_shows_the_secret_once_then_only_its_prefix(login, partner, receiver):
    web = login("editor")
    form = web.get(reverse("dashboard:webhook_add")).content.decode()
    assert (
        f'<option value="{partner.prefix}">Example Times (key {partner.prefix}…)</option>' in form
    )
    # A key's primary key holds its hash, which the page never shows.
    assert partner.pk not in form

    response = web.post(
        reverse("dashboard:webhook_add"),
        {
            "partner_key": partner.prefix,
            "url": receiver.url("/new"),
            "event_types": [EventType.PUBLISHED, EventType.WITHHELD],
            "description": "The Times' CMS",
        },
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = Endpoint.objects.get()
    secret = EndpointSecret.objects.get(endpoint=endpoint).secret
    html = response.content.decode()
    assert f'value="{secret}"' in html
    assert "It is shown this once" in html
    assert endpoint.event_types == [EventType.PUBLISHED, EventType.WITHHELD]
    assert endpoint.partner_key == partner and endpoint.description == "The Times' CMS"
    # Never again: the endpoint's page shows its first characters only.
    page = web.get(reverse("dashboard:webhook", args=[endpoint.pk])).content.decode()
    assert secret not in page
    assert f"<code>{secret[:9]}…</code>" in page
    assert SECRET.search(page) is None


def test_registering_through_htmx_swaps_the_secret_in_for_the_form(login, partner, receiver):
    response = login("editor").post(
        reverse("dashboard:webhook_add"),
        {
            "partner_key": partner.prefix,
            "url": receiver.url("/new"),
            "event_types": ["dispute.published"],
        },
        headers=htmx("endpoint-form"),
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="endpoint-secret"')
    assert "<html" not in html
    assert f'value="{EndpointSecret.objects.get().secret}"' in html


def test_registering_refuses_each_mistake_beside_its_field_and_saves_nothing(
    login, partner, settings
):
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = False
    before = the_database()

    response = login("editor").post(
        reverse("dashboard:webhook_add"),
        {"partner_key": partner.prefix, "url": "http://example.com/hook"},
        headers=htmx("endpoint-form"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="endpoint-form"')
    assert "Nothing was saved: please correct the marked fields." in html
    url_field = html[html.index("sp-field-url") : html.index("sp-field-event_types")]
    assert 'id="id_url_error"' in url_field and "must start with https://" in url_field
    events_field = html[html.index("sp-field-event_types") : html.index("sp-field-description")]
    assert "Choose at least one event type." in events_field
    # What was typed stays in the form.
    assert 'value="http://example.com/hook"' in url_field
    assert the_database() == before


def test_a_revoked_partner_key_is_not_offered_and_is_refused(login, partner, receiver):
    revoked, _ = APIKey.objects.create_key(name="Gone Gazette", revoked=True)
    web = login("editor")
    assert "Gone Gazette" not in web.get(reverse("dashboard:webhook_add")).content.decode()

    response = web.post(
        reverse("dashboard:webhook_add"),
        {
            "partner_key": revoked.prefix,
            "url": receiver.url(),
            "event_types": ["dispute.published"],
        },
    )

    html = response.content.decode()
    key_field = html[html.index("sp-field-partner_key") : html.index("sp-field-url")]
    assert "That partner key is not available" in key_field
    assert not Endpoint.objects.exists()


def test_a_url_that_is_not_a_url_is_refused_beside_its_field(login, partner):
    response = login("editor").post(
        reverse("dashboard:webhook_add"),
        {
            "partner_key": partner.prefix,
            "url": "not a url\x00",
            "event_types": ["dispute.published"],
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_url_error"' in html
    assert not Endpoint.objects.exists()


# Editing


def test_an_edit_saves_through_the_service_and_goes_back_to_the_endpoint(
    login, endpoint, receiver, form_data
):
    web = login("editor")
    data = form_data(
        web.get(reverse("dashboard:webhook_edit", args=[endpoint.pk])), "endpoint-form"
    )
    data |= {"url": receiver.url("/moved"), "event_types": ["dispute.canceled"]}

    response = web.post(reverse("dashboard:webhook_edit", args=[endpoint.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:webhook", args=[endpoint.pk])
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url("/moved")
    assert endpoint.event_types == ["dispute.canceled"]
    assert endpoint.version == 2


def test_a_stale_edit_is_refused_inline_and_can_be_saved_again(
    login, endpoint, receiver, editor, form_data
):
    web = login("editor")
    data = form_data(
        web.get(reverse("dashboard:webhook_edit", args=[endpoint.pk])), "endpoint-form"
    )
    # Someone else saves the endpoint meanwhile.
    services.update_endpoint(
        endpoint, expected_version=endpoint.version, by=editor, description="Theirs"
    )
    data |= {"url": receiver.url("/mine")}
    before = the_database()

    response = web.post(
        reverse("dashboard:webhook_edit", args=[endpoint.pk]), data, headers=htmx("endpoint-form")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this endpoint after you opened the page" in html
    assert the_database() == before
    # The form keeps what was typed, at the version the endpoint has now.
    again = form_data(response, "endpoint-form")
    assert again["url"] == receiver.url("/mine")
    assert again["version"] == "2"
    saved = web.post(
        reverse("dashboard:webhook_edit", args=[endpoint.pk]), again, headers=htmx("endpoint-form")
    )
    assert saved["HX-Redirect"] == reverse("dashboard:webhook", args=[endpoint.pk])
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url("/mine")


# Switching on and off


def test_deactivating_and_activating_swaps_the_status_in_place(login, endpoint):
    web = login("editor")
    url = reverse("dashboard:webhook_switch", args=[endpoint.pk])

    off = web.post(
        url, {"active": "0", "version": endpoint.version}, headers=htmx("endpoint-status")
    )

    html = off.content.decode()
    assert html.lstrip().startswith('<section id="endpoint-status"')
    assert "Switched off" in html and ">Activate</button>" in html
    assert "is disabled: it is sent nothing." in html  # the message, out of band
    endpoint.refresh_from_db()
    assert not endpoint.is_active

    Endpoint.objects.filter(pk=endpoint.pk).update(disabled_reason="It answered 410 Gone.")
    on = web.post(url, {"active": "1", "version": endpoint.version})

    assert on.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_a_stale_switch_changes_nothing_and_says_why(login, endpoint, editor):
    services.update_endpoint(endpoint, expected_version=1, by=editor, description="Theirs")
    before = the_database()

    response = login("editor").post(
        reverse("dashboard:webhook_switch", args=[endpoint.pk]),
        {"active": "0", "version": 1},
        headers=htmx("endpoint-status"),
    )

    assert "Someone else changed this endpoint" in response.content.decode()
    assert the_database() == before


# Rotating


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_valid(login, endpoint, receiver):
    old = EndpointSecret.objects.get(endpoint=endpoint).secret
    web = login("editor")
    confirm = web.get(reverse("dashboard:webhook_rotate", args=[endpoint.pk])).content.decode()
    assert f"<code>{old[:9]}…</code>" in confirm and old not in confirm

    response = web.post(
        reverse("dashboard:webhook_rotate", args=[endpoint.pk]), headers=htmx("webhook-confirm")
    )

    html = response.content.decode()
    new = services.current_secrets(endpoint)[0]
    assert new != old
    assert services.current_secrets(endpoint) == [new, old]
    assert f'value="{new}"' in html and old not in html
    until = EndpointSecret.objects.get(secret=old).expires_at
    assert f'The old secret stays valid until\n    <time datetime="{until:%Y-%m-%d}' in html
    # The endpoint's page shows the new prefix, and until when the old one signs.
    page = web.get(reverse("dashboard:webhook", args=[endpoint.pk])).content.decode()
    assert f"<code>{new[:9]}…</code>" in page and new not in page
    assert "The previous one also signs until" in page
    # A ping now carries both signatures: the receiver verifies it with either.
    receiver.secrets["/hook"] = [new]
    web.post(reverse("dashboard:webhook_ping", args=[endpoint.pk]))
    assert receiver.at("/hook")[-1].verified_with == [new]


# Deleting


def test_deleting_names_what_goes_then_deletes_it(login, endpoint):
    delivery_of(endpoint, n=1)
    delivery_of(endpoint, n=2)
    web = login("editor")

    confirm = web.get(reverse("dashboard:webhook_delete", args=[endpoint.pk])).content.decode()
    assert endpoint.url in confirm
    assert "also deletes its 2 deliveries" in " ".join(confirm.split())

    response = web.post(reverse("dashboard:webhook_delete", args=[endpoint.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:webhooks")
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()


# Test ping


def test_a_ping_shows_the_receivers_status_latency_and_first_bytes(login, endpoint, receiver):
    receiver.script("/hook", [Answer(status=200, body="pong from the Times")])

    response = login("editor").post(
        reverse("dashboard:webhook_ping", args=[endpoint.pk]), headers=htmx("ping-result")
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ping-result">')
    assert "The endpoint answered 200" in html
    assert re.search(r"in \d+ ms", html)
    assert "pong from the Times" in html
    # The deliveries list, which the ping joined, is told to refresh itself.
    assert "deliveries-changed" in json.loads(response["HX-Trigger"])
    [ping] = receiver.at("/hook")
    assert ping.payload["type"] == "ping"
    assert Attempt.objects.get().status == 200


def test_a_ping_answered_500_says_so(login, endpoint, receiver):
    receiver.script("/hook", [Answer(status=500, body="database down")])

    response = login("editor").post(reverse("dashboard:webhook_ping", args=[endpoint.pk]))

    html = response.content.decode()
    assert response.status_code == 200  # the whole page, for a plain POST
    assert "The endpoint answered 500" in html and "database down" in html
    assert "<h1>" in html


def test_a_ping_nobody_answers_shows_the_error(login, partner, editor):
    endpoint, _ = services.register_endpoint(
        partner_key=partner,
        url="http://127.0.0.1:9/nobody",
        event_types=["dispute.published"],
        by=editor,
    )

    html = (
        login("editor").post(reverse("dashboard:webhook_ping", args=[endpoint.pk])).content.decode()
    )

    assert "No answer" in html
    assert Attempt.objects.get().error in html


# Deliveries


def test_the_endpoint_page_lists_deliveries_newest_first_twenty_a_page(login, endpoint):
    made = [delivery_of(endpoint, n=n, state="succeeded", attempts=1) for n in range(25)]
    web = login("editor")

    first = web.get(reverse("dashboard:webhook", args=[endpoint.pk])).content.decode()
    ids = [int(pk) for pk in re.findall(r'<tr id="delivery-(\d+)">', first)]
    assert ids == [d.pk for d in reversed(made)][:20]
    assert "25 deliveries, the newest first" in first

    second = web.get(
        reverse("dashboard:webhook", args=[endpoint.pk]), {"page": 2}, headers=htmx("deliveries")
    )
    html = second.content.decode()
    assert html.lstrip().startswith('<div id="deliveries"')
    assert [int(pk) for pk in re.findall(r'<tr id="delivery-(\d+)">', html)] == [
        d.pk for d in reversed(made[:5])
    ]


def test_each_delivery_row_shows_its_event_id_dispute_state_and_last_answer(login, endpoint, hanoi):
    from publishing.models import Publication

    publication = Publication.objects.get(dispute=hanoi.dispute)
    pending = delivery_of(
        endpoint,
        state="pending",
        attempts=2,
        last_status=None,
        last_error="Connection refused",
        dispute_key=hanoi.dispute.pk,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )

    html = login("editor").get(reverse("dashboard:webhook", args=[endpoint.pk])).content.decode()

    row = html[html.index(f'<tr id="delivery-{pending.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "<code>dispute.published</code>" in row
    assert pending.message.webhook_id in row
    assert f'href="{hanoi.dispute.get_absolute_url()}">{publication.title}</a>' in row
    assert "Failing, retrying" in row and "Connection refused" in row
    assert f"{pending.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC" in row
    assert f'id="resend-{pending.pk}"' in row


def test_failing_only_shows_what_has_not_gone_through(login, endpoint):
    ok = delivery_of(endpoint, state="succeeded", attempts=1, n=1)
    waiting = delivery_of(endpoint, state="pending", attempts=0, n=2)
    failing = delivery_of(endpoint, state="pending", attempts=3, n=3)
    failed = delivery_of(endpoint, state="failed", attempts=10, n=4)

    response = login("editor").get(
        reverse("dashboard:webhook", args=[endpoint.pk]),
        {"failing": "on"},
        headers=htmx("deliveries"),
    )

    shown = {int(pk) for pk in re.findall(r'<tr id="delivery-(\d+)">', response.content.decode())}
    assert shown == {failing.pk, failed.pk}
    assert ok.pk not in shown and waiting.pk not in shown


def test_a_deliverys_page_shows_its_attempt_log(login, endpoint):
    delivery = delivery_of(endpoint, state="failed", attempts=2)
    earlier = timezone.now() - timedelta(minutes=5)
    Attempt.objects.create(delivery=delivery, at=earlier, error="Connection refused", latency_ms=3)
    Attempt.objects.create(
        delivery=delivery, status=503, latency_ms=41, response_excerpt="Service Unavailable"
    )

    html = (
        login("editor")
        .get(reverse("dashboard:webhook_delivery", args=[delivery.pk]))
        .content.decode()
    )

    log = html[html.index('id="attempt-log"') :]
    assert log.index("503") < log.index("Connection refused")  # the latest first
    assert "41 ms" in log and "Service Unavailable" in log and "3 ms" in log
    assert delivery.message.body.replace('"', "&quot;") in html


@pytest.mark.parametrize("count", [1, 25])
def test_the_endpoint_page_runs_a_fixed_number_of_queries(
    login, endpoint, hanoi, count, django_assert_max_num_queries
):
    for n in range(count):
        delivery_of(endpoint, n=n, dispute_key=hanoi.dispute.pk)
    web = login("editor")

    # session, user, two for the editor's permissions, the endpoint with its
    # partner key and secret prefix, the deliveries' count, the page of
    # them with their messages and disputes.
    with django_assert_max_num_queries(7):
        response = web.get(reverse("dashboard:webhook", args=[endpoint.pk]))

    assert response.content.decode().count('<tr id="delivery-') == min(count, 20)


def test_a_deliverys_page_runs_a_fixed_number_of_queries(
    login, endpoint, django_assert_max_num_queries
):
    delivery = delivery_of(endpoint)
    for n in range(10):
        Attempt.objects.create(delivery=delivery, status=500 + n)
    web = login("editor")

    # session, user, two for the permissions, the delivery with its message,
    # endpoint and dispute, its attempts.
    with django_assert_max_num_queries(6):
        response = web.get(reverse("dashboard:webhook_delivery", args=[delivery.pk]))

    assert response.content.decode().count("<time datetime=") >= 10


# Resending


def test_resending_makes_the_delivery_pending_again_and_swaps_its_row(login, endpoint):
    delivery = delivery_of(endpoint, state="failed", attempts=10)

    response = login("editor").post(
        reverse("dashboard:webhook_resend", args=[delivery.pk]),
        headers=htmx(f"delivery-{delivery.pk}"),
    )

    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="delivery-{delivery.pk}">')
    assert ">Pending</span>" in html
    assert "will be resent" in html  # the message, out of band
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 0)


def test_resending_without_htmx_goes_back_to_where_it_was_asked(login, endpoint):
    delivery = delivery_of(endpoint, state="failed", attempts=10)
    web = login("editor")

    back = web.post(reverse("dashboard:webhook_resend", args=[delivery.pk]))
    assert back["Location"] == reverse("dashboard:webhook", args=[endpoint.pk])

    back = web.post(reverse("dashboard:webhook_resend", args=[delivery.pk]), {"back": "delivery"})
    assert back["Location"] == reverse("dashboard:webhook_delivery", args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == "pending"


def test_resending_to_a_switched_off_endpoint_is_refused(login, endpoint, editor):
    delivery = delivery_of(endpoint, state="failed", attempts=10)
    services.update_endpoint(
        endpoint, expected_version=endpoint.version, by=editor, is_active=False
    )
    before = the_database()

    response = login("editor").post(
        reverse("dashboard:webhook_resend", args=[delivery.pk]),
        headers=htmx(f"delivery-{delivery.pk}"),
    )

    assert "Not resent: The endpoint" in response.content.decode()
    assert the_database() == before


# The notice


@pytest.fixture
def disabled(endpoint):
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False,
        disabled_reason="It answered 410 Gone: it wants no more deliveries.",
        disabled_at=timezone.now(),
    )
    return endpoint


def test_editors_are_told_on_the_overview_which_endpoint_the_desk_disabled_and_why(login, disabled):
    html = login("editor").get(reverse("dashboard:overview")).content.decode()

    notice = html[html.index('id="webhook-notice"') :]
    notice = notice[: notice.index("</section>")]
    assert "A webhook endpoint was disabled by the desk" in notice
    assert f'href="{reverse("dashboard:webhook", args=[disabled.pk])}">{disabled.url}</a>' in notice
    assert "It answered 410 Gone: it wants no more deliveries." in notice


@pytest.mark.parametrize("role", ["viewer", "reporter"])
def test_nobody_else_is_told(login, disabled, role):
    html = login(role).get(reverse("dashboard:overview")).content.decode()

    assert 'id="webhook-notice"' not in html and disabled.url not in html


def test_an_endpoint_an_editor_switched_off_is_no_news(login, endpoint, editor):
    services.update_endpoint(endpoint, expected_version=1, by=editor, is_active=False)

    html = login("editor").get(reverse("dashboard:overview")).content.decode()

    assert 'id="webhook-notice"' not in html


def test_the_notice_costs_the_overview_one_query(
    login, disabled, endpoint_on, django_assert_max_num_queries
):
    for n in range(7):
        extra = endpoint_on(f"/more/{n}")
        Endpoint.objects.filter(pk=extra.pk).update(is_active=False, disabled_reason="Failing.")
    web = login("editor")

    # The overview's 12 (tests/dashboard/test_overview.py), and the notice.
    with django_assert_max_num_queries(13):
        response = web.get(reverse("dashboard:overview"))

    html = response.content.decode()
    notice = html[html.index('id="webhook-notice"') :]
    assert notice[: notice.index("</section>")].count("<li>") == 5
    assert "see every endpoint" in notice


def test_the_overviews_poll_does_not_read_the_notice(
    login, disabled, django_assert_max_num_queries
):
    web = login("editor")
    latest = Change.latest_id()

    with django_assert_max_num_queries(3):
        response = web.get(
            reverse("dashboard:overview"), {"since": latest}, headers=htmx("overview-poll")
        )

    assert response.status_code == 204


def test_a_staff_member_without_the_role_cannot_open_the_pages(client, db):
    somebody = make_user("somebody")
    client.force_login(somebody)

    assert client.get(reverse("dashboard:webhooks")).status_code == 403
