"""The fixed cast every test can call on: users per role, clients, the Hanoi story."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import call_command

from claims.models import Account, Claim, Corroboration, Dispute
from claims.tooling import hanoi as hanoi_data
from dashboard.roles import EDITORS, REPORTERS, VIEWERS
from sources.models import Party, Source


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    # Throttles and cached representations live in the cache; no test may
    # see another's.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def jobs_run_at_once(settings):
    # Background jobs run in the test's process as they are enqueued (after
    # the write commits), where production queues them for a worker;
    # tests/publishing/test_worker.py runs a real worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_user(username: str, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="correct horse battery staple", **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(db):
    return make_user("editor", EDITORS)


@pytest.fixture
def reporter(db):
    return make_user("reporter", REPORTERS)


@pytest.fixture
def viewer(db):
    return make_user("viewer", VIEWERS)


@pytest.fixture
def admin_user(db):
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def hanoi(db):
    """The shipped Hanoi story, loaded by its command, with its records by name."""
    call_command("load_hanoi", stdout=open("/dev/null", "w"))
    dispute = Dispute.objects.get(slug=hanoi_data.DISPUTE["slug"])
    sources = {key: Source.objects.get(name=row[0]) for key, row in hanoi_data.SOURCES.items()}
    claims = {key: Claim.objects.get(text=row[2]) for key, row in hanoi_data.CLAIMS.items()}
    return SimpleNamespace(
        dispute=dispute,
        us=Party.objects.get(slug="united-states"),
        nk=Party.objects.get(slug="north-korea"),
        us_account=Account.objects.get(dispute=dispute, party__slug="united-states"),
        nk_account=Account.objects.get(dispute=dispute, party__slug="north-korea"),
        us_claim=claims["all_sanctions"],
        nk_claim=claims["partial_relief"],
        claims=claims,
        sources=sources,
        trump=sources["trump"],
        ri=sources["ri"],
        choe=sources["choe"],
        us_official=sources["us_official"],
        ap=sources["ap"],
        corroboration_count=Corroboration.objects.count(),
    )


# API callers: a partner with a real key, staff with their personal tokens.


@pytest.fixture
def partner_key(db) -> str:
    """A partner outlet's API key, as the partner sends it."""
    from rest_framework_api_key.models import APIKey

    _, key = APIKey.objects.create_key(name="Example Times")
    return key


@pytest.fixture
def partner_client(partner_key):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    return client


def token_client(user):
    from rest_framework.test import APIClient

    from api.models import StaffToken

    _, token = StaffToken.objects.create_key(user=user, name=f"token of {user.username}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def editor_client(editor):
    return token_client(editor)


@pytest.fixture
def reporter_client(reporter):
    return token_client(reporter)


@pytest.fixture
def viewer_client(viewer):
    return token_client(viewer)


@pytest.fixture
def form_data():
    """
    Read a rendered HTML form the way a browser would submit it: every named
    input, select and textarea with its current value (checked boxes only,
    selected options only), so that a test can change a field and post.
    """
    from html.parser import HTMLParser

    class FormReader(HTMLParser):
        def __init__(self, form_id):
            super().__init__(convert_charrefs=True)
            self.form_id, self.inside, self.data = form_id, False, {}
            self.select, self.select_first, self.textarea = None, None, None

        def add(self, name, value):
            if "__prefix__" not in name:  # the admin's template rows for "add another"
                self.data.setdefault(name, []).append(value)

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                self.inside = self.form_id is None or attrs.get("id") == self.form_id
            if not self.inside or "name" in attrs and "disabled" in attrs:
                return
            name = attrs.get("name")
            if tag == "input" and name:
                kind = attrs.get("type", "text")
                if kind in {"submit", "button", "image", "file", "reset"}:
                    return
                if kind in {"checkbox", "radio"} and "checked" not in attrs:
                    return
                self.add(name, attrs.get("value", "on" if kind in {"checkbox", "radio"} else ""))
            elif tag == "select" and name:
                self.select, self.select_first = name, None
                self.selected = False
            elif tag == "option" and self.select:
                value = attrs.get("value", "")
                if self.select_first is None:
                    self.select_first = value
                if "selected" in attrs:
                    self.add(self.select, value)
                    self.selected = True
            elif tag == "textarea" and name:
                self.textarea, self.text = name, ""

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False
            elif tag == "select" and self.select:
                if not self.selected:
                    self.add(self.select, self.select_first or "")
                self.select = None
            elif tag == "textarea" and self.textarea:
                self.add(self.textarea, self.text.removeprefix("\n"))
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.text += data

    def read(response, form_id=None) -> dict[str, str | list[str]]:
        reader = FormReader(form_id)
        reader.feed(response.content.decode())
        return {
            name: values[0] if len(values) == 1 else values for name, values in reader.data.items()
        }

    return read


@pytest.fixture
def api_as():
    """
    An APIClient signed in as a given user, for tests about the API's
    resources rather than about how a caller proves who it is.
    """
    from rest_framework.test import APIClient

    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for
