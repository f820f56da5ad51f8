"""The sources directory, a source's page, and adding or editing a source."""

import re

import factory
import pytest
from django.urls import reverse

from changelog.models import Change
from claims import services as claim_services
from sources.models import Source, duplicate_name_key
from tests.factories import CorroborationFactory, PartyFactory, SourceFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def results(client, **params):
    return client.get(
        reverse("dashboard:sources"), params, headers={**HTMX, "HX-Target": "source-results"}
    )


def source_row_names(html: str) -> list[str]:
    return [
        name for name in Source.objects.values_list("name", flat=True) if f">{name}</a>" in html
    ]


def source_fields(source: Source, **changes) -> dict:
    """The edit form's fields as a browser would post them, with some changed."""
    fields = {
        "name": source.name,
        "kind": source.kind,
        "affiliation": source.affiliation_id or "",
        "reliability": source.reliability,
        "url": source.url,
        "origin": source.origin.name if source.origin else "",
        "notes": source.notes,
        "version": source.version,
    }
    if source.is_anonymous:
        fields["is_anonymous"] = "on"
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def snapshot(source: Source) -> tuple:
    source.refresh_from_db()
    return (
        source.name,
        source.kind,
        source.reliability,
        source.affiliation_id,
        source.is_anonymous,
        source.version,
    )


# The list


def test_sources_page_lists_each_source_with_its_grade_and_evidence_count(as_user, viewer, hanoi):
    response = as_user(viewer).get(reverse("dashboard:sources"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="source-results"' in html
    ap_row = html[html.index(">The Associated Press</a>") :]
    ap_row = ap_row[: ap_row.index("</tr>")]
    assert "Wire service" in ap_row and "Independent" in ap_row
    assert 'title="B · usually reliable">B</abbr>' in ap_row
    assert '<td data-label="Evidence" class="sp-num">2</td>' in ap_row


def test_anonymous_sources_are_marked(as_user, viewer, hanoi):
    html = as_user(viewer).get(reverse("dashboard:sources")).content.decode()

    official_row = html[html.index(">Senior U.S. official (unnamed)</a>") :]
    assert "Anonymous</span>" in official_row[: official_row.index("</tr>")]
    trump_row = html[html.index(">Donald Trump</a>") :]
    assert "Anonymous</span>" not in trump_row[: trump_row.index("</tr>")]


def test_htmx_search_answers_with_the_results_fragment_only(as_user, viewer, hanoi):
    response = results(as_user(viewer), q="Choe")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="source-results"')
    assert "<html" not in html and 'role="search"' not in html
    assert source_row_names(html) == ["Choe Sun Hui"]


def test_search_without_javascript_is_a_plain_get_form_of_the_same_url(as_user, viewer, hanoi):
    response = as_user(viewer).get(reverse("dashboard:sources"), {"q": "Choe"})

    html = response.content.decode()
    assert '<form class="sp-filters" method="get" action="/sources/"' in html
    assert 'hx-get="/sources/"' in html and 'hx-push-url="true"' in html
    assert 'value="Choe"' in html
    assert source_row_names(html) == ["Choe Sun Hui"]


def test_list_responses_vary_on_htmx(as_user, viewer, hanoi):
    response = as_user(viewer).get(reverse("dashboard:sources"))

    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"party": "north-korea"}, ["Choe Sun Hui", "Ri Yong Ho"]),
        ({"party": "independent"}, ["The Associated Press"]),
        ({"grade": "B"}, ["Senior U.S. official (unnamed)", "The Associated Press"]),
        ({"kind": "official", "party": "united-states"}, ["Donald Trump"]),
        ({"q": "foreign minister"}, ["Choe Sun Hui", "Ri Yong Ho"]),
    ],
)
def test_filters_narrow_the_list(as_user, viewer, hanoi, params, expected):
    html = results(as_user(viewer), **params).content.decode()

    assert sorted(source_row_names(html)) == expected


def test_an_unknown_filter_value_is_an_error_on_its_field_not_a_crash(as_user, viewer, hanoi):
    response = as_user(viewer).get(reverse("dashboard:sources"), {"grade": "Z"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. Z is not one of the available choices." in html
    assert len(source_row_names(html)) == len(hanoi.sources)


def test_nothing_found_says_so(as_user, viewer, hanoi):
    html = results(as_user(viewer), q="nobody at all").content.decode()

    assert "No source matches" in html


def test_the_list_is_paginated_with_links_that_work_with_and_without_htmx(as_user, viewer, db):
    SourceFactory.create_batch(30)

    client = as_user(viewer)
    first = client.get(reverse("dashboard:sources"), {"kind": "news_outlet"}).content.decode()
    second = results(client, kind="news_outlet", page=2).content.decode()

    assert (
        '<a id="source-results-next" rel="next" href="?kind=news_outlet&amp;page=2" hx-get="?kind=news_outlet&amp;page=2">'
        in first
    )
    assert "page 1 of 2" in first and "page 2 of 2" in second
    assert len(source_row_names(second)) == 5


def test_a_page_number_out_of_range_shows_the_last_page(as_user, viewer, hanoi):
    response = as_user(viewer).get(reverse("dashboard:sources"), {"page": "99"})

    assert response.status_code == 200
    assert len(source_row_names(response.content.decode())) == len(hanoi.sources)


@pytest.mark.parametrize("extra_sources", [1, 40])
def test_the_list_runs_a_fixed_number_of_queries(
    as_user, editor, db, django_assert_max_num_queries, extra_sources
):
    party = PartyFactory()
    for source in SourceFactory.create_batch(extra_sources, affiliation=party):
        CorroborationFactory(source=source)
    client = as_user(editor)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("dashboard:sources"))

    assert response.status_code == 200


# A source's page


def test_source_page_shows_what_it_corroborated_and_contradicted(as_user, viewer, hanoi):
    response = as_user(viewer).get(reverse("dashboard:source", args=[hanoi.ap.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>The Associated Press</h1>" in html
    assert (
        "So who&#x27;s telling the truth? In this case, it seems that the North Koreans are."
        in html
    )
    assert 'class="sp-stance s-contradicts">Contradicts</span>' in html
    assert 'class="sp-stance s-supports">Supports</span>' in html
    assert f'href="{hanoi.us_claim.get_absolute_url()}"' in html
    assert f'href="{hanoi.dispute.get_absolute_url()}"' in html
    assert '<time datetime="2019-03-01T06:00:00+00:00">1 Mar 2019, 06:00 UTC</time>' in html


def test_track_record_counts_the_claims_it_backed_by_their_current_verdict(as_user, viewer, hanoi):
    hanoi.us_claim.refresh_from_db()
    hanoi.nk_claim.refresh_from_db()

    html = as_user(viewer).get(reverse("dashboard:source", args=[hanoi.ap.pk])).content.decode()

    track = html[html.index('id="track-title"') : html.index('id="source-evidence"')]
    supported, contradicted = track.split("Claims it contradicted")
    assert "<strong>1 of 1</strong>" in supported
    assert f"{hanoi.nk_claim.verdict_label} <strong>1</strong>" in supported
    assert f"{hanoi.us_claim.verdict_label} <strong>1</strong>" in contradicted


def test_track_record_follows_a_sources_latest_word_on_a_claim(as_user, viewer, hanoi):
    # The unnamed U.S. official first partly supported the U.S. claim, then
    # partly contradicted it: he counts once, as contradicting.
    html = (
        as_user(viewer)
        .get(reverse("dashboard:source", args=[hanoi.us_official.pk]))
        .content.decode()
    )

    track = html[html.index('id="track-title"') : html.index('id="source-evidence"')]
    supported, contradicted = track.split("Claims it contradicted")
    assert "of 1</strong>" in supported  # only the North Korean claim
    assert "of 1</strong>" in contradicted


def test_source_page_lists_the_claims_it_made_as_a_speaker(as_user, viewer, hanoi):
    html = as_user(viewer).get(reverse("dashboard:source", args=[hanoi.ri.pk])).content.decode()

    spoken = html[html.index('id="spoken-title"') :]
    assert f'href="{hanoi.nk_claim.get_absolute_url()}"' in spoken
    assert 'sp-count-inline">2</span>' in spoken


def test_source_page_of_a_missing_source_is_404(as_user, viewer, db):
    assert as_user(viewer).get(reverse("dashboard:source", args=[999999])).status_code == 404


def test_evidence_pages_come_as_a_fragment_for_htmx(as_user, viewer, db):
    source = SourceFactory()
    CorroborationFactory.create_batch(25, source=source)

    response = as_user(viewer).get(
        reverse("dashboard:source", args=[source.pk]),
        {"page": 2},
        headers={**HTMX, "HX-Target": "source-evidence"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="source-evidence"')
    assert "<html" not in html
    assert html.count('<article class="sp-evidence">') == 5
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("evidence", [1, 30])
def test_source_page_runs_a_fixed_number_of_queries(
    as_user, editor, db, django_assert_max_num_queries, evidence
):
    source = SourceFactory(affiliation=PartyFactory(), origin=SourceFactory())
    CorroborationFactory.create_batch(evidence, source=source)
    for _ in range(evidence):
        claim_services.create_claim(
            by=None,
            account=CorroborationFactory().claim.account,
            text="Said by the source.",
            speaker=source,
        )
    client = as_user(editor)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("dashboard:source", args=[source.pk]))

    assert response.status_code == 200


# Who sees the controls


def test_editors_see_the_add_and_edit_controls(as_user, editor, hanoi):
    client = as_user(editor)

    assert (
        reverse("dashboard:source_add") in client.get(reverse("dashboard:sources")).content.decode()
    )
    page = client.get(reverse("dashboard:source", args=[hanoi.ap.pk])).content.decode()
    assert reverse("dashboard:source_edit", args=[hanoi.ap.pk]) in page


@pytest.mark.parametrize("role", ["reporter", "viewer"])
def test_reporters_and_viewers_do_not_see_the_controls(as_user, request, hanoi, role):
    client = as_user(request.getfixturevalue(role))

    assert (
        reverse("dashboard:source_add")
        not in client.get(reverse("dashboard:sources")).content.decode()
    )
    page = client.get(reverse("dashboard:source", args=[hanoi.ap.pk])).content.decode()
    assert reverse("dashboard:source_edit", args=[hanoi.ap.pk]) not in page


# Adding a source


def test_editor_adds_a_source(as_user, editor, hanoi):
    response = as_user(editor).post(
        reverse("dashboard:source_add"),
        {
            "name": "Yonhap",
            "kind": "news_outlet",
            "reliability": "B",
            "origin": hanoi.ap.name,
            "url": "https://en.yna.co.kr/",
            "notes": "South Korean wire.",
        },
    )

    source = Source.objects.get(name="Yonhap")
    assert response.status_code == 302
    assert response["Location"] == source.get_absolute_url()
    assert (source.kind, source.reliability, source.origin, source.affiliation) == (
        "news_outlet",
        "B",
        hanoi.ap,
        None,
    )


def test_an_added_source_is_announced_on_its_page(as_user, editor, hanoi):
    response = as_user(editor).post(
        reverse("dashboard:source_add"),
        {"name": "Yonhap", "kind": "news_outlet", "reliability": "B"},
        follow=True,
    )

    assert "Source “Yonhap” added." in response.content.decode()


def test_adding_through_htmx_sends_the_browser_to_the_new_source(as_user, editor, hanoi):
    response = as_user(editor).post(
        reverse("dashboard:source_add"),
        {"name": "Yonhap", "kind": "news_outlet", "reliability": "B"},
        headers={**HTMX, "HX-Target": "source-form"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == Source.objects.get(name="Yonhap").get_absolute_url()


def test_a_source_without_a_name_is_refused_beside_the_field(as_user, editor, hanoi):
    before = Source.objects.count()

    response = as_user(editor).post(
        reverse("dashboard:source_add"),
        {"name": "", "kind": "news_outlet", "reliability": "B", "url": "not a url"},
        headers={**HTMX, "HX-Target": "source-form"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="source-form"')
    name_field = html[html.index("sp-field-name") : html.index("sp-field-kind")]
    assert "sp-invalid" in name_field and "This field is required." in name_field
    url_field = html[html.index("sp-field-url") : html.index("sp-field-origin")]
    assert "Enter a valid URL." in url_field
    assert 'role="alert"' in html
    assert Source.objects.count() == before


def test_an_unknown_grade_is_refused(as_user, editor, hanoi):
    before = Source.objects.count()

    response = as_user(editor).post(
        reverse("dashboard:source_add"), {"name": "X", "kind": "news_outlet", "reliability": "Q"}
    )

    assert response.status_code == 200
    assert (
        "Select a valid choice. Q is not one of the available choices." in response.content.decode()
    )
    assert Source.objects.count() == before


@pytest.mark.parametrize("role", ["reporter", "viewer"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_reporters_and_viewers_cannot_add_a_source(as_user, request, hanoi, role, htmx):
    client = as_user(request.getfixturevalue(role))
    headers = {**HTMX, "HX-Target": "source-form"} if htmx else {}
    before = Source.objects.count()

    page = client.get(reverse("dashboard:source_add"), headers=headers)
    post = client.post(
        reverse("dashboard:source_add"),
        {"name": "Sneaky", "kind": "other", "reliability": "A"},
        headers=headers,
    )

    assert (page.status_code, post.status_code) == (403, 403)
    assert Source.objects.count() == before


# Editing a source


def test_editor_sees_the_edit_form_filled_in_with_its_version(as_user, editor, hanoi):
    html = (
        as_user(editor).get(reverse("dashboard:source_edit", args=[hanoi.ap.pk])).content.decode()
    )

    assert 'value="The Associated Press"' in html
    assert f'<input type="hidden" name="version" value="{hanoi.ap.version}"' in html
    assert '<label for="id_reliability">Grade</label>' in html


def test_editor_raises_a_grade_and_the_claims_it_backs_are_rescored(as_user, editor, hanoi):
    hanoi.nk_claim.refresh_from_db()
    before = hanoi.nk_claim.score

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]),
        source_fields(hanoi.ap, reliability="A"),
    )

    assert response.status_code == 302
    hanoi.ap.refresh_from_db()
    hanoi.nk_claim.refresh_from_db()
    assert hanoi.ap.reliability == "A"
    assert hanoi.nk_claim.score > before


def test_editor_changes_affiliation_and_anonymity(as_user, editor, hanoi):
    fields = source_fields(
        hanoi.trump, affiliation="", is_anonymous="on", name="A White House aide"
    )

    as_user(editor).post(reverse("dashboard:source_edit", args=[hanoi.trump.pk]), fields)

    hanoi.trump.refresh_from_db()
    assert (hanoi.trump.name, hanoi.trump.affiliation, hanoi.trump.is_anonymous) == (
        "A White House aide",
        None,
        True,
    )


def test_saving_an_untouched_form_changes_nothing(as_user, editor, hanoi):
    before = snapshot(hanoi.ap)
    changes = Change.objects.count()

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]), source_fields(hanoi.ap), follow=True
    )

    assert "Nothing to save: the source is unchanged." in response.content.decode()
    assert snapshot(hanoi.ap) == before
    assert Change.objects.count() == changes


def test_an_edit_through_htmx_with_errors_returns_the_form_and_saves_nothing(
    as_user, editor, hanoi
):
    before = snapshot(hanoi.ap)

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]),
        source_fields(hanoi.ap, name="", reliability="B"),
        headers={**HTMX, "HX-Target": "source-form"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="source-form"')
    assert "This field is required." in html
    assert snapshot(hanoi.ap) == before


def test_an_origin_loop_is_refused_on_the_origin_field(as_user, editor, hanoi):
    copy = SourceFactory(name="Reprint", origin=hanoi.ap)
    before = snapshot(hanoi.ap)

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]),
        source_fields(hanoi.ap, origin=copy.name),
    )

    html = response.content.decode()
    origin_field = html[html.index("sp-field-origin") : html.index("sp-field-notes")]
    assert response.status_code == 200
    assert "This origin would make a loop of sources." in origin_field
    assert snapshot(hanoi.ap) == before


def test_a_concurrent_edit_is_not_overwritten_unseen(as_user, editor, hanoi):
    loaded = source_fields(hanoi.ap, reliability="A")
    claim_services.update_source(source=hanoi.ap, by=None, notes="Edited by someone else.")
    after_their_edit = snapshot(hanoi.ap)

    response = as_user(editor).post(reverse("dashboard:source_edit", args=[hanoi.ap.pk]), loaded)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this source while you were editing it." in html
    assert "differ from yours in: Grade, Notes." in html
    assert snapshot(hanoi.ap) == after_their_edit
    # The form now carries the saved version: saving again is a deliberate overwrite.
    assert f'name="version" value="{hanoi.ap.version}"' in html


def test_saving_again_after_a_conflict_overwrites(as_user, editor, hanoi):
    loaded = source_fields(hanoi.ap, reliability="A")
    claim_services.update_source(source=hanoi.ap, by=None, notes="Edited by someone else.")
    client = as_user(editor)
    client.post(reverse("dashboard:source_edit", args=[hanoi.ap.pk]), loaded)

    hanoi.ap.refresh_from_db()
    response = client.post(
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]),
        {**loaded, "version": hanoi.ap.version},
    )

    assert response.status_code == 302
    hanoi.ap.refresh_from_db()
    assert hanoi.ap.reliability == "A"


def test_an_edit_without_a_version_is_refused(as_user, editor, hanoi):
    fields = source_fields(hanoi.ap, reliability="A")
    del fields["version"]
    before = snapshot(hanoi.ap)

    response = as_user(editor).post(reverse("dashboard:source_edit", args=[hanoi.ap.pk]), fields)

    assert response.status_code == 200
    assert "Version: This field is required." in response.content.decode()
    assert snapshot(hanoi.ap) == before


@pytest.mark.parametrize("role", ["reporter", "viewer"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_reporters_and_viewers_cannot_edit_a_source(as_user, request, hanoi, role, htmx):
    client = as_user(request.getfixturevalue(role))
    headers = {**HTMX, "HX-Target": "source-form"} if htmx else {}
    before = snapshot(hanoi.ap)
    url = reverse("dashboard:source_edit", args=[hanoi.ap.pk])

    page = client.get(url, headers=headers)
    post = client.post(url, source_fields(hanoi.ap, reliability="E"), headers=headers)

    assert (page.status_code, post.status_code) == (403, 403)
    assert snapshot(hanoi.ap) == before


# Picking the origin: by name, from a list the server fills as the editor types


def test_the_origin_is_a_name_picked_as_you_type_not_a_list_of_every_source(as_user, editor, hanoi):
    SourceFactory.create_batch(30)

    html = (
        as_user(editor).get(reverse("dashboard:source_edit", args=[hanoi.ap.pk])).content.decode()
    )

    origin = re.search(r'<input type="text" name="origin"[^>]*>', html).group()
    assert 'list="source-options"' in origin
    assert f'hx-get="{reverse("dashboard:source_options")}"' in origin
    assert '<label for="id_origin">Repeats (origin)</label>' in html
    assert '<datalist id="source-options">' in html
    assert "<option" not in html[html.index("sp-field-origin") : html.index("sp-field-notes")]


def test_the_edit_form_shows_the_current_origin_by_name(as_user, editor, hanoi):
    copy = SourceFactory(name="Reprint", origin=hanoi.ap)

    html = as_user(editor).get(reverse("dashboard:source_edit", args=[copy.pk])).content.decode()

    origin = re.search(r'<input type="text" name="origin"[^>]*>', html).group()
    assert 'value="The Associated Press"' in origin


def test_the_origin_picker_offers_sources_matching_what_was_typed(as_user, editor, hanoi):
    SourceFactory(name="Associated Newspapers")

    response = as_user(editor).get(
        reverse("dashboard:source_options"), {"origin": "associated"}, headers=HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<datalist id="source-options">')
    # Names that start with what was typed come first.
    assert html.index('value="Associated Newspapers"') < html.index('value="The Associated Press"')
    assert "Donald Trump" not in html


@pytest.mark.parametrize("typed", ["Ri  Yong-ho", "ri yong ho", "Rì Yong Ho", "RI YONG", "yong ri"])
@pytest.mark.parametrize("field", ["source", "speaker", "origin"])
def test_the_pickers_ignore_case_spacing_accents_and_hyphens(as_user, editor, hanoi, typed, field):
    response = as_user(editor).get(
        reverse("dashboard:source_options"), {field: typed}, headers=HTMX
    )

    assert re.findall(r'<option value="([^"]*)"', response.text) == ["Ri Yong Ho"]


def test_a_name_with_accents_or_hyphens_is_found_by_its_plain_spelling(as_user, editor, db):
    SourceFactory(name="Agence France-Presse")
    SourceFactory(name="Le Monde Diplomatique")

    client = as_user(editor)
    for typed in ("agence france presse", "france-presse", "  FRANCE   presse "):
        html = client.get(reverse("dashboard:source_options"), {"source": typed}).text
        assert '<option value="Agence France-Presse">' in html, typed
    html = client.get(reverse("dashboard:source_options"), {"source": "Le Mônde"}).text
    assert '<option value="Le Monde Diplomatique">' in html


def test_the_picker_compares_the_stored_name_key_not_a_function_of_every_name(
    as_user, editor, hanoi
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(editor)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("dashboard:source_options"), {"source": "Rì Yong"})

    (search,) = [q["sql"] for q in queries if "sources_source" in q["sql"]]
    # The typed words, normalised once in Python, against the stored key:
    # no function (UPPER, unaccent …) applied to every row's name (PostgreSQL
    # writes the column as ::text, a no-op for a varchar).
    for word in ("ri", "yong"):
        assert re.search(rf"\"sources_source\"\.\"name_key\"(::text)? LIKE '%{word}%'", search)
    assert '"sources_source"."name"' not in search.split(" WHERE ")[1].split(" ORDER BY ")[0]


def test_the_picker_offers_a_bounded_number_of_sources(as_user, editor, db):
    SourceFactory.create_batch(30, name=factory.Sequence(lambda n: f"Wire {n}"))

    html = (
        as_user(editor)
        .get(reverse("dashboard:source_options"), {"origin": "wire"})
        .content.decode()
    )

    assert html.count("<option") == 20


def test_the_picker_offers_nothing_before_anything_is_typed(
    as_user, editor, hanoi, django_assert_max_num_queries
):
    client = as_user(editor)

    # The session and its user: no look-up of sources at all.
    with django_assert_max_num_queries(2):
        response = client.get(reverse("dashboard:source_options"), {"origin": "  "})

    assert "<option" not in response.content.decode()


def test_an_origin_typed_in_full_without_javascript_is_saved(as_user, editor, hanoi):
    copy = SourceFactory(name="Reprint")

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[copy.pk]),
        source_fields(copy, origin="the associated press"),
    )

    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.origin == hanoi.ap


def test_clearing_the_origin_makes_the_source_original(as_user, editor, hanoi):
    copy = SourceFactory(name="Reprint", origin=hanoi.ap)

    as_user(editor).post(
        reverse("dashboard:source_edit", args=[copy.pk]), source_fields(copy, origin="")
    )

    copy.refresh_from_db()
    assert copy.origin is None


def test_an_unknown_origin_is_refused_beside_the_origin_field(as_user, editor, hanoi):
    before = snapshot(hanoi.ap)

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[hanoi.ap.pk]),
        source_fields(hanoi.ap, origin="Nobody Wire"),
    )

    html = response.content.decode()
    origin_field = html[html.index("sp-field-origin") : html.index("sp-field-notes")]
    assert response.status_code == 200
    assert "No source is called “Nobody Wire”. Pick one from the list." in origin_field
    assert snapshot(hanoi.ap) == before
    assert hanoi.ap.origin is None


def test_an_origin_whose_name_is_shared_is_refused_until_an_editor_renames_one(
    as_user, editor, hanoi
):
    # Two sources can share a name only as the upgrade to unique names left them.
    SourceFactory(name="Daily Courier")
    twin = SourceFactory(name="Daily courier (2)")
    Source.objects.filter(pk=twin.pk).update(
        name="Daily Courier", name_key=duplicate_name_key("Daily Courier", twin.pk)
    )
    copy = SourceFactory(name="Reprint")

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[copy.pk]),
        source_fields(copy, origin="Daily Courier"),
    )

    assert "Several sources are called “Daily Courier”" in response.content.decode()
    copy.refresh_from_db()
    assert copy.origin is None


def test_an_origin_keeps_counting_after_another_source_takes_its_name(as_user, editor, hanoi):
    copy = SourceFactory(name="Reprint", origin=hanoi.ap)
    # Two sources can share a name only as the upgrade to unique names left them.
    twin = SourceFactory(name="The Associated Press (2)")
    Source.objects.filter(pk=twin.pk).update(
        name="The Associated Press", name_key=duplicate_name_key("The Associated Press", twin.pk)
    )

    response = as_user(editor).post(
        reverse("dashboard:source_edit", args=[copy.pk]), source_fields(copy, notes="Checked.")
    )

    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.origin, copy.notes) == (hanoi.ap, "Checked.")


@pytest.mark.parametrize("extra_sources", [1, 40])
def test_the_edit_form_runs_a_fixed_number_of_queries(
    as_user, editor, hanoi, django_assert_max_num_queries, extra_sources
):
    SourceFactory.create_batch(extra_sources)
    copy = SourceFactory(name="Reprint", origin=hanoi.ap)
    client = as_user(editor)

    # session, user, two for permissions, the source with its origin, the parties.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("dashboard:source_edit", args=[copy.pk]))

    assert response.status_code == 200


def test_a_much_repeated_source_names_the_first_copies_and_counts_the_rest(as_user, viewer, hanoi):
    SourceFactory.create_batch(
        25, origin=hanoi.ap, name=factory.Sequence(lambda n: f"Reprint {n:02}")
    )

    html = as_user(viewer).get(reverse("dashboard:source", args=[hanoi.ap.pk])).content.decode()

    repeated_by = html[html.index("<dt>Repeated by</dt>") :]
    assert repeated_by.count('<a href="/sources/') == 20
    assert "and 5 more" in repeated_by


def test_a_prolific_speaker_shows_the_latest_claims_and_counts_them_all(as_user, viewer, hanoi):
    for n in range(22):
        claim_services.create_claim(
            by=None, account=hanoi.us_account, text=f"Statement {n}.", speaker=hanoi.trump
        )
    total = hanoi.trump.claims.count()

    html = as_user(viewer).get(reverse("dashboard:source", args=[hanoi.trump.pk])).content.decode()

    spoken = html[html.index('id="spoken-title"') :]
    assert f'<span class="sp-count-inline">{total}</span>' in spoken
    assert spoken.count('<span class="sp-claim-verdict">') == 20
    assert f"the dispute pages have the other {total - 20}." in spoken
