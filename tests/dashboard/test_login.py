"""Signing in and out of the dashboard, and that no dashboard page opens without it."""

from urllib.parse import quote

from django.urls import reverse

PASSWORD = "correct horse battery staple"  # tests/conftest.py make_user


def test_login_page_has_labelled_fields_and_focuses_the_username(client, db):
    response = client.get(reverse("login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    username_input = html[html.index('name="username"') - 200 : html.index('name="username"') + 200]
    assert "autofocus" in username_input


def test_login_with_the_right_password_opens_the_overview(client, reporter):
    response = client.post(reverse("login"), {"username": "reporter", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:overview")
    assert client.get(reverse("dashboard:sources")).status_code == 200


def test_login_with_a_wrong_password_says_so_and_signs_nobody_in(client, reporter):
    response = client.post(reverse("login"), {"username": "reporter", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Please enter a correct username and password" in html
    assert "_auth_user_id" not in client.session


def test_login_returns_to_the_page_that_asked_for_it(client, reporter):
    wanted = reverse("dashboard:activity")

    page = client.get(f"{reverse('login')}?next={wanted}")
    response = client.post(
        reverse("login"), {"username": "reporter", "password": PASSWORD, "next": wanted}
    )

    assert "Sign in to see that page." in page.content.decode()
    assert response["Location"] == wanted


def test_logout_signs_out_and_says_so_on_the_login_page(client, reporter):
    client.force_login(reporter)

    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have been logged out." in response.content.decode()
    assert client.get(reverse("dashboard:sources")).status_code == 302


def test_logout_by_a_plain_link_is_refused(client, reporter):
    # Logging out changes state: a GET (a prefetch, an <img>) must not do it.
    client.force_login(reporter)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert client.get(reverse("dashboard:sources")).status_code == 200


def dashboard_urls(hanoi) -> list[str]:
    return [
        reverse("dashboard:overview"),
        reverse("dashboard:dispute", args=[hanoi.dispute.slug]),
        reverse("dashboard:claim", args=[hanoi.us_claim.pk]),
        reverse("dashboard:sources"),
        reverse("dashboard:source", args=[hanoi.ap.pk]),
        reverse("dashboard:source_add"),
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]),
        reverse("dashboard:activity"),
    ]


def test_every_dashboard_page_sends_anonymous_visitors_to_the_login(client, hanoi):
    for url in dashboard_urls(hanoi):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={quote(url)}", url


def test_every_htmx_request_without_a_session_loads_the_login_as_a_whole_page(client, hanoi):
    # A redirect would be followed by htmx itself, and the login page
    # swapped into the fragment (a poll would put it inside the overview).
    for url in dashboard_urls(hanoi):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        assert response["HX-Redirect"].startswith(f"{reverse('login')}?next="), url
        assert response.content == b"", url
        assert "HX-Request" in response["Vary"], url


def test_an_expired_sessions_poll_returns_to_the_page_the_user_was_on_after_login(client, hanoi):
    page = f"{reverse('dashboard:overview')}?page=2"

    response = client.get(
        reverse("dashboard:overview"),
        {"page": 2, "since": 1},
        headers={
            "HX-Request": "true",
            "HX-Target": "overview",
            "HX-Current-URL": f"http://testserver{page}",
        },
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={quote(page)}"
    assert "<html" not in response.content.decode()


def test_an_htmx_request_from_another_site_is_not_sent_back_there_after_login(client, hanoi):
    response = client.get(
        reverse("dashboard:sources"),
        headers={"HX-Request": "true", "HX-Current-URL": "https://elsewhere.example/"},
    )

    assert (
        response["HX-Redirect"] == f"{reverse('login')}?next={quote(reverse('dashboard:sources'))}"
    )


def test_an_anonymous_htmx_post_changes_nothing(client, hanoi):
    from claims.models import Corroboration

    before = Corroboration.objects.count()

    response = client.post(
        reverse("dashboard:add_corroboration", args=[hanoi.us_claim.pk]),
        {"source": "The Associated Press", "stance": "supports", "quote": "All of them."},
        headers={"HX-Request": "true", "HX-Target": "corroboration-form"},
    )

    assert response["HX-Redirect"].startswith(f"{reverse('login')}?next=")
    assert Corroboration.objects.count() == before


def test_anonymous_post_to_add_a_source_changes_nothing(client, hanoi):
    from sources.models import Source

    before = Source.objects.count()

    response = client.post(
        reverse("dashboard:source_add"), {"name": "Intruder", "kind": "other", "reliability": "A"}
    )

    assert response.status_code == 302
    assert Source.objects.count() == before
