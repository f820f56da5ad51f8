"""
Who may do what, everywhere: every API endpoint and verb, and every dashboard
action, for each caller (DESIGN.md §4 and §5).

- anonymous: 401 with WWW-Authenticate on the API, the login page on the dashboard;
- partner key: reads the API, every write 403; the dashboard does not know it;
- viewer: reads;
- reporter: adds, changes and deletes claims, adds, changes and removes corroborations;
- editor: everything.

The schema and the interactive docs are public: they describe the contract,
and reveal no data.

Every forbidden cell, and every read, leaves the database exactly as it was:
the same rows in every table, value for value. Every allowed write changes it
and leaves its entry in the change log.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from api.models import StaffToken
from changelog.models import Change
from claims.models import Claim, Corroboration, Dispute
from claims.tooling import hanoi as hanoi_data
from dashboard.roles import EDITORS, REPORTERS, VIEWERS
from dashboard.selectors.publication import partner_changes
from publishing import services as publishing_services
from publishing.selectors import publication_of
from sources import services as source_services
from sources.models import Party, Source
from tests.conftest import make_user
from tests.factories import build_dispute

CALLERS = ("anonymous", "partner", "viewer", "reporter", "editor")
LOGIN = "login"  # sent to the login page
ROLES = {"viewer": VIEWERS, "reporter": REPORTERS, "editor": EDITORS}

# The API, under /api/v1/. {party} and the like name the object a call is about.
API = [
    # method and path                          anonymous partner viewer reporter editor
    ("GET    parties/", 401, 200, 200, 200, 200),
    # Partners read only what a released revision names: the spare party
    # and source (no dispute cites them) are not there for them.
    ("GET    parties/{party}/", 401, 404, 200, 200, 200),
    ("POST   parties/", 401, 403, 403, 403, 201),
    ("PUT    parties/{party}/", 401, 403, 403, 403, 200),
    ("PATCH  parties/{party}/", 401, 403, 403, 403, 200),
    ("DELETE parties/{party}/", 401, 403, 403, 403, 204),
    ("GET    sources/", 401, 200, 200, 200, 200),
    ("GET    sources/{source}/", 401, 404, 200, 200, 200),
    ("POST   sources/", 401, 403, 403, 403, 201),
    ("PUT    sources/{source}/", 401, 403, 403, 403, 200),
    ("PATCH  sources/{source}/", 401, 403, 403, 403, 200),
    ("DELETE sources/{source}/", 401, 403, 403, 403, 204),
    ("GET    disputes/", 401, 200, 200, 200, 200),
    ("GET    disputes/{dispute}/", 401, 200, 200, 200, 200),
    ("GET    disputes/{dispute}/claimreview/", 401, 200, 200, 200, 200),
    ("POST   disputes/", 401, 403, 403, 403, 201),
    ("PUT    disputes/{dispute}/", 401, 403, 403, 403, 200),
    ("PATCH  disputes/{dispute}/", 401, 403, 403, 403, 200),
    ("DELETE disputes/{dispute}/", 401, 403, 403, 403, 204),
    ("GET    disputes/{dispute}/publication/", 401, 403, 200, 200, 200),
    ("GET    disputes/{dispute}/partner-diff/", 401, 403, 200, 200, 200),
    ("POST   disputes/{dispute}/pause/", 401, 403, 403, 403, 200),
    ("GET    accounts/", 401, 200, 200, 200, 200),
    ("GET    accounts/{account}/", 401, 200, 200, 200, 200),
    ("POST   accounts/", 401, 403, 403, 403, 201),
    ("PUT    accounts/{account}/", 401, 403, 403, 403, 200),
    ("PATCH  accounts/{account}/", 401, 403, 403, 403, 200),
    ("DELETE accounts/{account}/", 401, 403, 403, 403, 204),
    ("GET    claims/", 401, 200, 200, 200, 200),
    ("GET    claims/{claim}/", 401, 200, 200, 200, 200),
    ("GET    claims/{claim}/claimreview/", 401, 200, 200, 200, 200),
    ("POST   claims/", 401, 403, 403, 201, 201),
    ("PUT    claims/{claim}/", 401, 403, 403, 200, 200),
    ("PATCH  claims/{claim}/", 401, 403, 403, 200, 200),
    ("DELETE claims/{claim}/", 401, 403, 403, 204, 204),
    ("GET    corroborations/", 401, 200, 200, 200, 200),
    ("GET    corroborations/{corroboration}/", 401, 200, 200, 200, 200),
    ("POST   corroborations/", 401, 403, 403, 201, 201),
    ("PUT    corroborations/{corroboration}/", 401, 403, 403, 200, 200),
    ("PATCH  corroborations/{corroboration}/", 401, 403, 403, 200, 200),
    ("DELETE corroborations/{corroboration}/", 401, 403, 403, 204, 204),
    ("GET    changes/", 401, 200, 200, 200, 200),
    ("GET    schema/", 200, 200, 200, 200, 200),
    ("GET    docs/", 200, 200, 200, 200, 200),
]

# The dashboard's views, by URL name; writes are sent as htmx sends them,
# so that a success answers 200 rather than a redirect like the login's.
DASHBOARD = [
    # method and view                          anonymous partner viewer reporter editor
    ("GET  overview", LOGIN, LOGIN, 200, 200, 200),
    ("GET  overview, unchanged poll", LOGIN, LOGIN, 204, 204, 204),
    ("GET  dispute", LOGIN, LOGIN, 200, 200, 200),
    ("GET  dispute, unchanged poll", LOGIN, LOGIN, 204, 204, 204),
    ("GET  claim", LOGIN, LOGIN, 200, 200, 200),
    ("GET  claim, unchanged poll", LOGIN, LOGIN, 204, 204, 204),
    ("GET  claim, evidence form", LOGIN, LOGIN, 403, 200, 200),
    ("GET  source_options", LOGIN, LOGIN, 200, 200, 200),
    ("POST add_corroboration", LOGIN, LOGIN, 403, 200, 200),
    ("GET  edit_corroboration", LOGIN, LOGIN, 403, 200, 200),
    ("POST edit_corroboration", LOGIN, LOGIN, 403, 200, 200),
    ("GET  delete_corroboration", LOGIN, LOGIN, 403, 200, 200),
    ("POST delete_corroboration", LOGIN, LOGIN, 403, 200, 200),
    ("GET  sources", LOGIN, LOGIN, 200, 200, 200),
    ("GET  source", LOGIN, LOGIN, 200, 200, 200),
    ("GET  source_add", LOGIN, LOGIN, 403, 403, 200),
    ("POST source_add", LOGIN, LOGIN, 403, 403, 200),
    ("GET  source_edit", LOGIN, LOGIN, 403, 403, 200),
    ("POST source_edit", LOGIN, LOGIN, 403, 403, 200),
    ("GET  activity", LOGIN, LOGIN, 200, 200, 200),
    ("GET  how_scores_work", LOGIN, LOGIN, 200, 200, 200),
    # Publishing to partners (DESIGN.md §8): reporters submit, editors do the rest.
    ("POST dispute_submit", LOGIN, LOGIN, 403, 200, 200),
    ("GET  dispute_publish", LOGIN, LOGIN, 403, 403, 200),
    ("POST dispute_publish", LOGIN, LOGIN, 403, 403, 200),
    ("GET  dispute_republish", LOGIN, LOGIN, 403, 403, 200),
    ("POST dispute_republish", LOGIN, LOGIN, 403, 403, 200),
    ("POST dispute_pause", LOGIN, LOGIN, 403, 403, 200),
    ("POST dispute_resume", LOGIN, LOGIN, 403, 403, 200),
    ("GET  dispute_retract", LOGIN, LOGIN, 403, 403, 200),
    ("POST dispute_retract", LOGIN, LOGIN, 403, 403, 200),
]


# What each call is about: the Hanoi story, a party with no account and a
# source that has said nothing yet (the only kinds an editor may delete), and
# the callers' users and keys.
#
# Loading all that takes longer than most calls in the matrix, so it is done
# once for the module, in a transaction rolled back at the module's end; each
# test runs in a savepoint inside it (pytest-django's `db`), so every cell
# still starts from the same database.


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_hanoi", stdout=io.StringIO())
        hanoi = SimpleNamespace(
            dispute=Dispute.objects.get(slug=hanoi_data.DISPUTE["slug"]),
            us=Party.objects.get(slug="united-states"),
            trump=Source.objects.get(name=hanoi_data.SOURCES["trump"][0]),
            ri=Source.objects.get(name=hanoi_data.SOURCES["ri"][0]),
            ap=Source.objects.get(name=hanoi_data.SOURCES["ap"][0]),
            us_claim=Claim.objects.get(text=hanoi_data.CLAIMS["all_sanctions"][2]),
            nk_claim=Claim.objects.get(text=hanoi_data.CLAIMS["partial_relief"][2]),
        )
        hanoi.us_account = hanoi.us_claim.account
        users = {role: make_user(role, group) for role, group in ROLES.items()}
        yield SimpleNamespace(
            **vars(hanoi),
            spare_party=source_services.create_party(by=None, name="Observers", slug="observers"),
            spare_source=source_services.create_source(
                by=None, name="Reuters", kind="wire_service", reliability="B"
            ),
            evidence=Corroboration.objects.select_related("source")
            .filter(claim=hanoi.nk_claim)
            .exclude(source=hanoi.ri)
            .first(),
            users=users,
            tokens={
                role: StaffToken.objects.create_key(user=user, name=role)[1]
                for role, user in users.items()
            },
            partner_key=APIKey.objects.create_key(name="Example Times")[1],
            # The Hanoi story is published (load_hanoi); one dispute in each other state.
            **disputes_to_publish(users["editor"], users["reporter"]),
        )
        transaction.set_rollback(True)


def disputes_to_publish(editor: Any, reporter: Any) -> dict[str, Dispute]:
    """A draft, a dispute in review and a paused one, brought there through the services."""
    draft, in_review, paused = (build_dispute(parties=2, claims_per_account=1) for _ in range(3))
    for dispute in (in_review, paused):
        publishing_services.submit_for_review(dispute=dispute, by=reporter)
    publishing_services.publish(dispute=paused, by=editor)
    publishing_services.pause(dispute=paused, by=editor)
    return {"draft": draft, "in_review": in_review, "paused": paused}


def release_form(dispute: Dispute) -> dict[str, Any]:
    """The publish step's form as the editor confirms it, for what would change now."""
    changes = partner_changes(dispute)
    return {"version": changes.publication.version, "seen": changes.seen, "embargo_until": ""}


def api_path(path: str, w: SimpleNamespace) -> str:
    return "/api/v1/" + path.format(
        party=w.spare_party.slug,
        source=w.spare_source.pk,
        dispute=w.dispute.slug,
        account=w.us_account.pk,
        claim=w.us_claim.pk,
        corroboration=w.evidence.pk,
    )


API_BODIES: dict[str, Callable[[SimpleNamespace], dict[str, Any]]] = {
    "POST parties/": lambda w: {"name": "South Korea", "slug": "south-korea"},
    "PUT parties/{party}/": lambda w: {
        "name": "Observers",
        "slug": "observers",
        "description": "Neutral.",
    },
    "PATCH parties/{party}/": lambda w: {"description": "Neutral."},
    "POST sources/": lambda w: {"name": "Yonhap", "kind": "wire_service", "reliability": "B"},
    "PUT sources/{source}/": lambda w: {
        "name": "Reuters",
        "kind": "wire_service",
        "reliability": "A",
    },
    "PATCH sources/{source}/": lambda w: {"notes": "Wire service."},
    "POST disputes/": lambda w: {
        "slug": "singapore-summit",
        "title": "What was agreed in Singapore?",
    },
    "PUT disputes/{dispute}/": lambda w: {
        "slug": w.dispute.slug,
        "title": w.dispute.title,
        "summary": "Rewritten.",
        "status": "open",
    },
    "PATCH disputes/{dispute}/": lambda w: {"status": "settled"},
    "POST accounts/": lambda w: {"dispute": w.dispute.slug, "party": w.spare_party.slug},
    "PUT accounts/{account}/": lambda w: {
        "dispute": w.dispute.slug,
        "party": w.us.slug,
        "summary": "Rewritten.",
    },
    "PATCH accounts/{account}/": lambda w: {"summary": "Rewritten."},
    "POST claims/": lambda w: {
        "account": w.us_account.pk,
        "speaker": w.trump.pk,
        "text": "We were ready to walk away.",
    },
    "PUT claims/{claim}/": lambda w: {
        "account": w.us_account.pk,
        "speaker": w.us_claim.speaker_id,
        "text": "Rewritten.",
    },
    "PATCH claims/{claim}/": lambda w: {"text": "Rewritten."},
    "POST corroborations/": lambda w: {
        "claim": w.nk_claim.pk,
        "source": w.spare_source.pk,
        "stance": "supports",
        "quote": "North Korea sought partial relief.",
    },
    "PUT corroborations/{corroboration}/": lambda w: {
        "claim": w.evidence.claim_id,
        "source": w.evidence.source_id,
        "stance": w.evidence.stance,
        "quote": "Rewritten.",
    },
    "PATCH corroborations/{corroboration}/": lambda w: {"quote": "Rewritten."},
}


@dataclass(frozen=True)
class Page:
    url_name: str
    args: Callable[[SimpleNamespace], list[Any]] = lambda w: []
    query: Callable[[SimpleNamespace], dict[str, Any]] = lambda w: {}
    data: Callable[[SimpleNamespace], dict[str, Any]] = lambda w: {}
    htmx_target: str = ""


def evidence_form(w: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    return {
        "source": w.evidence.source.name,
        "stance": w.evidence.stance,
        "quote": w.evidence.quote,
        "url": "",
        "observed_at": "",
        "version": w.evidence.version,
        **changes,
    }


def source_form(w: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Reuters",
        "kind": "wire_service",
        "affiliation": "",
        "reliability": "B",
        "url": "",
        "origin": "",
        "notes": "",
        **changes,
    }


DASHBOARD_PAGES: dict[str, Page] = {
    "overview": Page("dashboard:overview"),
    "overview, unchanged poll": Page(
        "dashboard:overview",
        query=lambda w: {"since": Change.latest_id()},
        htmx_target="overview-poll",
    ),
    "dispute": Page("dashboard:dispute", args=lambda w: [w.dispute.slug]),
    "dispute, unchanged poll": Page(
        "dashboard:dispute",
        args=lambda w: [w.dispute.slug],
        query=lambda w: {"since": Change.latest_id()},
        htmx_target="accounts-poll",
    ),
    "claim": Page("dashboard:claim", args=lambda w: [w.nk_claim.pk]),
    "claim, unchanged poll": Page(
        "dashboard:claim",
        args=lambda w: [w.nk_claim.pk],
        query=lambda w: {"since": Change.latest_id()},
        htmx_target="claim-poll",
    ),
    "claim, evidence form": Page(
        "dashboard:claim", args=lambda w: [w.nk_claim.pk], htmx_target="corroboration-form"
    ),
    "source_options": Page("dashboard:source_options", query=lambda w: {"source": "Reu"}),
    "add_corroboration": Page(
        "dashboard:add_corroboration",
        args=lambda w: [w.nk_claim.pk],
        data=lambda w: {"source": "Reuters", "stance": "supports", "quote": "Partial relief only."},
        htmx_target="corroboration-form",
    ),
    "edit_corroboration": Page(
        "dashboard:edit_corroboration",
        args=lambda w: [w.evidence.pk],
        data=lambda w: evidence_form(w, quote="Rewritten."),
        htmx_target="corroboration-form",
    ),
    "delete_corroboration": Page(
        "dashboard:delete_corroboration",
        args=lambda w: [w.evidence.pk],
        data=lambda w: {"version": w.evidence.version},
        htmx_target="corroboration-form",
    ),
    "sources": Page("dashboard:sources"),
    "source": Page("dashboard:source", args=lambda w: [w.ap.pk]),
    "source_add": Page(
        "dashboard:source_add",
        data=lambda w: source_form(w, name="Yonhap"),
        htmx_target="source-form",
    ),
    "source_edit": Page(
        "dashboard:source_edit",
        args=lambda w: [w.spare_source.pk],
        data=lambda w: source_form(w, notes="Wire service.", version=w.spare_source.version),
        htmx_target="source-form",
    ),
    "activity": Page("dashboard:activity"),
    "how_scores_work": Page("dashboard:how_scores_work"),
    "dispute_submit": Page(
        "dashboard:dispute_submit",
        args=lambda w: [w.draft.slug],
        data=lambda w: {"version": 1},
        htmx_target="publication",
    ),
    "dispute_publish": Page(
        "dashboard:dispute_publish",
        args=lambda w: [w.in_review.slug],
        data=lambda w: release_form(w.in_review),
        htmx_target="publication-confirm",
    ),
    "dispute_republish": Page(
        "dashboard:dispute_republish",
        args=lambda w: [w.dispute.slug],
        data=lambda w: release_form(w.dispute),
        htmx_target="publication-confirm",
    ),
    "dispute_pause": Page(
        "dashboard:dispute_pause",
        args=lambda w: [w.dispute.slug],
        data=lambda w: {"version": publication_of(w.dispute).version},
        htmx_target="publication",
    ),
    "dispute_resume": Page(
        "dashboard:dispute_resume",
        args=lambda w: [w.paused.slug],
        data=lambda w: {"version": publication_of(w.paused).version},
        htmx_target="publication",
    ),
    "dispute_retract": Page(
        "dashboard:dispute_retract",
        args=lambda w: [w.dispute.slug],
        data=lambda w: {
            "version": publication_of(w.dispute).version,
            "note": "We could not stand behind it.",
        },
        htmx_target="publication-confirm",
    ),
}


# The database, whole: every row of every table.


def database_state() -> dict[str, str]:
    state = {}
    for model in apps.get_models():
        rows = model._base_manager.order_by("pk").values_list()
        state[model._meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# The callers


def api_caller(caller: str, w: SimpleNamespace) -> APIClient:
    client = APIClient()
    if caller == "partner":
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {w.partner_key}")
    elif caller != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {w.tokens[caller]}")
    return client


def dashboard_caller(caller: str, w: SimpleNamespace) -> Client:
    if caller == "anonymous":
        return Client()
    if caller == "partner":
        # A partner key is an API credential: the dashboard must not honour it.
        return Client(HTTP_AUTHORIZATION=f"Api-Key {w.partner_key}")
    client = Client()
    client.force_login(w.users[caller])
    return client


def assert_sent_to_login(response: Any) -> None:
    # htmx is told to load the login page as the whole page (HX-Redirect)
    # rather than be redirected itself, which would swap it into a fragment.
    if response.wsgi_request.headers.get("HX-Request"):
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def cells() -> list[Any]:
    params = []
    for door, table in (("api", API), ("dashboard", DASHBOARD)):
        for action, *expected in table:
            method, target = action.split(None, 1)
            for caller, answer in zip(CALLERS, expected, strict=True):
                params.append(
                    pytest.param(
                        door,
                        method,
                        target,
                        caller,
                        answer,
                        id=f"{door}:{method} {target}:{caller}",
                    )
                )
    return params


def prepared_call(
    door: str, method: str, target: str, caller: str, w: SimpleNamespace
) -> Callable[[], Any]:
    """The request, ready to send: the caller is signed in, the body built."""
    if door == "api":
        client = api_caller(caller, w)
        body = API_BODIES.get(f"{method} {target}")
        kwargs = {"data": body(w), "format": "json"} if body else {}
        return lambda: getattr(client, method.lower())(api_path(target, w), **kwargs)
    client = dashboard_caller(caller, w)
    page = DASHBOARD_PAGES[target]
    url = reverse(page.url_name, args=page.args(w))
    headers = {"HX-Request": "true", "HX-Target": page.htmx_target} if page.htmx_target else {}
    data = page.data(w) if method == "POST" else page.query(w)
    return lambda: getattr(client, method.lower())(url, data, headers=headers)


@pytest.mark.parametrize("door, method, target, caller, expected", cells())
def test_each_caller_may_do_exactly_what_its_role_allows(
    door, method, target, caller, expected, world, db
):
    send = prepared_call(door, method, target, caller, world)
    changes_before = Change.objects.count()
    before = database_state()

    response = send()

    if expected == LOGIN:
        assert_sent_to_login(response)
    else:
        assert response.status_code == expected, response.content[:500]
    if expected == 401:
        assert response["WWW-Authenticate"]
    if method != "GET" and expected not in (LOGIN, 401, 403):
        # Written through a service: something changed, and the log says so.
        assert Change.objects.count() > changes_before
    else:
        assert changed_tables(before, database_state()) == []
