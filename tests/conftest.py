"""The fixed cast every test can call on: users per role, clients, the Hanoi story."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import call_command

from claims import hanoi as hanoi_data
from claims.models import Account, Claim, Corroboration, Dispute
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
    claims = {
        key: Claim.objects.get(text=row[2]) for key, row in hanoi_data.CLAIMS.items()
    }
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
