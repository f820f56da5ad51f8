"""
Webhook endpoints in a real Chromium: an editor opens Webhooks from the
header, has a registration refused beside its fields, registers an endpoint
on a local receiver and is shown its secret once, sends a test ping and sees
the receiver's answer and the ping join the deliveries without a reload,
switches the endpoint off and on in place, rotates its secret and resends a
delivery; no console error, nothing refused by the Content Security Policy.
Then axe-core on every webhooks page, allowing no serious or critical
violation.
"""

import re

import pytest
from django.urls import reverse
from rest_framework_api_key.models import APIKey

from tests.dashboard.test_accessibility import (  # noqa: F401 (fixtures)
    axe_violations,
    chromium,
    needs_axe,
    needs_browser,
)
from tests.dashboard.test_browser import Watched, log_in
from tests.webhooks.conftest import Answer, Receiver
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint, EventType, Message

pytestmark = [pytest.mark.browser, needs_browser]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def desk(transactional_db, django_db_serialized_rollback, live_server, editor, reporter, settings):
    # The receiver runs on 127.0.0.1 over plain HTTP, as development allows.
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    partner, _ = APIKey.objects.create_key(name="Example Times")
    return partner


def test_an_editor_registers_pings_switches_rotates_and_resends(
    chromium,  # noqa: F811
    desk,
    live_server,
    receiver,
):
    from playwright.sync_api import expect

    receiver.script("/hook", [Answer(status=200, body="pong from the Times")])
    watched = Watched(
        chromium.new_context(viewport={"width": 1280, "height": 900}), live_server.url
    )
    page = watched.page
    log_in(page, live_server.url, "editor")

    page.click("nav[aria-label=Main] >> text=Webhooks")
    page.wait_for_url(live_server.url + reverse("dashboard:webhooks"))
    page.click("#webhook-add")

    # Nothing chosen, nothing typed: refused beside each field, nothing saved.
    page.click("#endpoint-form-submit")
    expect(page.locator("#id_partner_key_error")).to_contain_text("Choose the partner key")
    expect(page.locator("#id_url_error")).to_contain_text("Enter the URL")
    assert not Endpoint.objects.exists()
    watched.shot("webhooks-refused")

    page.select_option("#id_partner_key", desk.prefix)
    page.fill("#id_url", receiver.url("/hook"))
    page.check("text=Dispute published")
    page.click("#endpoint-form-submit")
    secret_box = page.locator("#endpoint-secret-value")
    expect(secret_box).to_have_value(re.compile("^whsec_"))
    assert secret_box.input_value() == services.current_secrets(Endpoint.objects.get())[0]
    expect(page.locator("#endpoint-secret-heading")).to_be_focused()
    watched.shot("webhooks-secret-once")

    page.click("#endpoint-secret >> text=Go to the endpoint")
    endpoint = Endpoint.objects.get()
    page.wait_for_url(live_server.url + reverse("dashboard:webhook", args=[endpoint.pk]))
    assert secret_box.count() == 0
    page.evaluate("window.notReloaded = true")

    # The ping: the receiver's answer swapped in, and the ping in the deliveries.
    page.click("#send-ping")
    expect(page.locator("#ping-result")).to_contain_text("The endpoint answered 200")
    expect(page.locator("#ping-result")).to_contain_text("pong from the Times")
    expect(page.locator("#deliveries tbody tr")).to_have_count(1)
    expect(page.locator("#deliveries")).to_contain_text("ping")
    assert receiver.at("/hook")[0].payload["type"] == "ping"
    watched.shot("webhooks-pinged")

    # Off and on in place; the button keeps the focus.
    page.focus("#endpoint-switch")
    page.keyboard.press("Enter")
    expect(page.locator("#endpoint-status")).to_contain_text("Switched off")
    expect(page.locator("#endpoint-switch")).to_have_text("Activate")
    expect(page.locator("#endpoint-switch")).to_be_focused()
    page.click("#endpoint-switch")
    expect(page.locator("#endpoint-switch")).to_have_text("Deactivate")
    assert page.evaluate("window.notReloaded") is True
    endpoint.refresh_from_db()
    assert endpoint.is_active

    # A delivery that failed for good, resent from its row.
    message = Message.objects.create(
        webhook_id="msg_failedforgood", type=EventType.PUBLISHED, body='{"type": "x"}'
    )
    failed = Delivery.objects.create(
        message=message, endpoint=endpoint, state="failed", attempts=10, last_status=503
    )
    Attempt.objects.create(delivery=failed, status=503, response_excerpt="Service Unavailable")
    page.reload()
    page.click(f"#resend-{failed.pk}")
    expect(page.locator("#messages")).to_contain_text("will be resent")
    failed.refresh_from_db()
    assert failed.state in ("pending", "succeeded")  # the worker may already have sent it
    watched.shot("webhooks-resent")

    # Rotating: confirmed, then the new secret once.
    old = services.current_secrets(endpoint)[0]
    page.click("#webhook-rotate")
    page.click("#webhook-confirm-submit")
    expect(page.locator("#endpoint-secret-grace")).to_contain_text(
        "The old secret stays valid until"
    )
    new = page.locator("#endpoint-secret-value").input_value()
    assert new != old and services.current_secrets(endpoint) == [new, old]

    assert watched.problems() == []
    assert watched.foreign == []


@needs_axe
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_axe_violation_on_the_webhooks_pages(
    chromium,  # noqa: F811
    desk,
    live_server,
    receiver,
    editor,
    width,
):
    endpoint, _ = services.register_endpoint(
        partner_key=desk, url=receiver.url("/hook"), event_types=["dispute.published"], by=editor
    )
    gone, _ = services.register_endpoint(
        partner_key=desk, url=receiver.url("/gone"), event_types=["dispute.published"], by=editor
    )
    Endpoint.objects.filter(pk=gone.pk).update(
        is_active=False, disabled_reason="It answered 410 Gone."
    )
    services.send_ping(endpoint, by=editor)
    delivery = Delivery.objects.get(endpoint=endpoint)
    page = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "editor")
    found = axe_violations(page)  # the overview, with the notice
    for path in [
        reverse("dashboard:webhooks"),
        reverse("dashboard:webhook_add"),
        reverse("dashboard:webhook", args=[endpoint.pk]),
        reverse("dashboard:webhook", args=[gone.pk]),
        reverse("dashboard:webhook_edit", args=[endpoint.pk]),
        reverse("dashboard:webhook_rotate", args=[endpoint.pk]),
        reverse("dashboard:webhook_delete", args=[endpoint.pk]),
        reverse("dashboard:webhook_delivery", args=[delivery.pk]),
    ]:
        page.goto(live_server.url + path)
        found += axe_violations(page)
    # The form with its errors, the secret shown once, a ping's answer.
    page.goto(live_server.url + reverse("dashboard:webhook_add"))
    page.click("#endpoint-form-submit")
    page.wait_for_selector("#endpoint-form-errors")
    found += axe_violations(page)
    page.select_option("#id_partner_key", desk.prefix)
    page.fill("#id_url", receiver.url("/other"))
    page.check("text=Dispute corrected")
    page.click("#endpoint-form-submit")
    page.wait_for_selector("#endpoint-secret")
    found += axe_violations(page)
    page.goto(live_server.url + reverse("dashboard:webhook", args=[endpoint.pk]))
    page.click("#send-ping")
    page.wait_for_selector("#ping-result p")
    found += axe_violations(page)
    assert found == [], "axe found:\n" + "\n".join(found)
