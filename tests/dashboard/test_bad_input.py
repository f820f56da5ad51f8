"""
Input no database can take, on the pages (dashboard, admin, sign-in): a
clean 4xx or the admin's own "invalid lookup" answer, never a 500.
"""

import pytest
from django.urls import reverse

from changelog.models import Change


@pytest.mark.parametrize(
    "path",
    [
        "/evidence/source-options/?source=%00",
        "/sources/?search=Reut%00ers",
        "/disputes/hanoi-summit-sanctions/?search=%00",
        "/admin/autocomplete/?app_label=claims&model_name=claim&field_name=speaker&term=%00",
        "/admin/sources/source/?q=%00",
    ],
)
def test_a_nul_character_in_the_address_is_a_400(admin_client, hanoi, path):
    response = admin_client.get(path)

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["at__year=99999999999", "at__year=2019&at__month=99999999999", "at__year=x"]
)
def test_a_date_drilldown_that_is_no_date_goes_back_to_the_list(admin_client, hanoi, query):
    url = reverse("admin:changelog_change_changelist")

    response = admin_client.get(f"{url}?{query}")

    assert response.status_code == 302
    assert response["Location"] == f"{url}?e=1"


def test_a_real_date_drilldown_still_lists_the_changes(admin_client, hanoi):
    year = Change.objects.first().at.year
    url = reverse("admin:changelog_change_changelist")

    assert admin_client.get(f"{url}?at__year={year}").status_code == 200


def test_there_is_no_password_reset_by_email(client, db):
    assert client.get("/accounts/password_reset/").status_code == 404
    assert "password_reset" not in client.get(reverse("login")).content.decode()
