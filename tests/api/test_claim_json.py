"""
The desk's claims list serves each claim's JSON from the cache: what staff
read must still be the claim as it is now, after any write that shows in it.
(Partners read the released revisions instead: tests/api/test_partner_reads.py.)
"""

import hashlib
import json

from api.resources import claim_json
from api.resources.claims import ClaimSerializer
from claims import services
from claims.models import Claim
from sources import services as source_services


def listed(client, claim):
    """The claim as the (cached) claims list shows it."""
    results = client.get(
        f"/api/v1/claims/?dispute={claim.account.dispute.slug}&page_size=100"
    ).json()["results"]
    [found] = [item for item in results if item["id"] == claim.pk]
    return found


def as_serialized(claim):
    claim = Claim.objects.with_related().get(pk=claim.pk)
    return json.loads(json.dumps(ClaimSerializer(claim).data))


def test_a_warm_list_is_the_same_json_as_a_cold_one(viewer_client, hanoi):
    cold = viewer_client.get("/api/v1/claims/?page_size=100")
    warm = viewer_client.get("/api/v1/claims/?page_size=100")

    assert warm.content == cold.content
    assert warm.json()["results"] == [
        as_serialized(claim) for claim in Claim.objects.order_by("id")
    ]


def test_new_evidence_shows_even_when_the_score_does_not_move(viewer_client, hanoi, reporter):
    claim = hanoi.us_claim
    before = listed(viewer_client, claim)
    # The same source saying the same again: only its latest word counts,
    # so the score stays where it was, but the evidence list grows.
    repeated = claim.corroborations.order_by("id").first()
    services.record_corroboration(
        claim=claim,
        by=reporter,
        source=repeated.source,
        stance=repeated.stance,
        quote="Said again.",
    )
    claim.refresh_from_db()

    after = listed(viewer_client, claim)

    assert after["credibility"] == before["credibility"]
    assert len(after["corroborations"]) == len(before["corroborations"]) + 1
    assert after["version"] == before["version"] + 1
    assert after == as_serialized(claim)


def test_removed_and_edited_evidence_show(viewer_client, hanoi, reporter):
    claim = hanoi.us_claim
    listed(viewer_client, claim)
    first, second = claim.corroborations.order_by("id")[:2]
    services.remove_corroboration(corroboration=first, by=reporter)
    services.update_corroboration(corroboration=second, by=reporter, quote="Reworded.")

    after = listed(viewer_client, claim)

    assert first.pk not in [item["id"] for item in after["corroborations"]]
    assert [item["quote"] for item in after["corroborations"] if item["id"] == second.pk] == [
        "Reworded."
    ]
    assert after == as_serialized(claim)


def test_an_edited_claim_shows(viewer_client, hanoi, reporter):
    claim = hanoi.us_claim
    listed(viewer_client, claim)
    services.update_claim(claim=claim, by=reporter, text="Reworded claim.")

    assert listed(viewer_client, claim)["text"] == "Reworded claim."


def test_a_renamed_source_shows_in_every_claim_citing_it(viewer_client, hanoi, editor):
    cited = hanoi.nk_claim.corroborations.order_by("id").first().source
    listed(viewer_client, hanoi.nk_claim)
    services.update_source(source=cited, by=editor, name="Renamed source")

    names = [
        item["source"]["name"] for item in listed(viewer_client, hanoi.nk_claim)["corroborations"]
    ]

    assert "Renamed source" in names


def test_a_regraded_speaker_shows(viewer_client, hanoi, editor):
    claim = hanoi.us_claim
    listed(viewer_client, claim)
    grade = "F" if claim.speaker.reliability != "F" else "E"
    services.update_source(source=claim.speaker, by=editor, reliability=grade)

    assert listed(viewer_client, claim)["speaker"]["reliability"] == grade


def test_a_renamed_party_and_a_new_dispute_slug_show(viewer_client, hanoi, editor):
    claim = hanoi.us_claim
    listed(viewer_client, claim)
    source_services.update_party(party=hanoi.us, by=editor, name="USA")
    services.update_dispute(dispute=hanoi.dispute, by=editor, slug="hanoi-2019")
    claim.refresh_from_db()

    after = listed(viewer_client, claim)

    assert after["party"]["name"] == "USA"
    assert after["dispute"] == "hanoi-2019"
    assert after == as_serialized(claim)


def test_the_format_version_moves_with_the_representations_shape(hanoi):
    # A deploy that changes what a claim's JSON holds must bump
    # claim_json.FORMAT, or the cache would serve the old shape: this pins
    # the shape (every key path) to the format version.
    def paths(value, prefix=""):
        if isinstance(value, dict):
            return {p for key, item in value.items() for p in paths(item, f"{prefix}/{key}")} | {
                prefix
            }
        if isinstance(value, list):
            return {p for item in value for p in paths(item, f"{prefix}[]")}
        return {prefix}

    shape = sorted(set().union(*(paths(as_serialized(claim)) for claim in Claim.objects.all())))
    digest = hashlib.sha256("\n".join(shape).encode()).hexdigest()[:12]

    assert (claim_json.FORMAT, digest) == (1, "9c0d0699fb93"), (
        "the shape changed: bump claim_json.FORMAT, then pin the new digest"
    )
