"""
Two baselines for `make bench`, mounted only when CLAIMDESK_BENCH_ENDPOINTS=1
(bench/urls.py):

- hello: a tiny JSON answer that never touches the database — the limit of
  the stack itself (gunicorn, WSGI, Django's middleware);
- hand-written: the first page of the claims list (50 claims with speaker,
  party, credibility and their evidence's source and stance) built with
  .values() and JsonResponse — what the API would cost with no framework.
"""

from collections import defaultdict

from django.http import HttpRequest, JsonResponse

from claims.models import Claim, Corroboration

PAGE = 50


def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"hello": "world"})


def hand_written_claims(request: HttpRequest) -> JsonResponse:
    claims = list(
        Claim.objects.order_by("id").values(
            "id",
            "text",
            "score",
            "verdict",
            "evidence_weight",
            "updated_at",
            "speaker_id",
            "speaker__name",
            "account_id",
            "account__party__slug",
            "account__party__name",
        )[:PAGE]
    )
    evidence = defaultdict(list)
    for row in Corroboration.objects.filter(claim_id__in=[c["id"] for c in claims]).values(
        "id", "claim_id", "stance", "source_id", "source__name", "source__reliability"
    ):
        evidence[row["claim_id"]].append(
            {
                "id": row["id"],
                "stance": row["stance"],
                "source": {
                    "id": row["source_id"],
                    "name": row["source__name"],
                    "reliability": row["source__reliability"],
                },
            }
        )
    results = [
        {
            "id": c["id"],
            "text": c["text"],
            "speaker": {"id": c["speaker_id"], "name": c["speaker__name"]},
            "party": {"slug": c["account__party__slug"], "name": c["account__party__name"]},
            "account": c["account_id"],
            "credibility": {
                "score": c["score"],
                "verdict": c["verdict"],
                "evidence_weight": c["evidence_weight"],
            },
            "corroborations": evidence[c["id"]],
            "updated_at": c["updated_at"],
        }
        for c in claims
    ]
    return JsonResponse({"count": Claim.objects.count(), "results": results})
