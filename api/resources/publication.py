"""
A dispute's publication, for staff: where it stands in the workflow, what
republishing it would change for partners, and the transitions (submit,
publish, pause, resume, retract), each a POST under the dispute
(`/api/v1/disputes/{slug}/publish/` …) that calls publishing.services.

The transitions honour If-Match with the publication's object tag,
`"publication-<dispute id>-v<version>"` (a dispute never submitted is at
version 1), which GET .../publication/ and every transition answer with:
two editors cannot both publish what only one of them checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from claims.models import Dispute, Verdict
from publishing import services
from publishing.models import Publication, PubStatus, Revision
from publishing.representation import iso
from publishing.selectors import PartnerDiff, corrections, partner_diff, publication_of

from ..auth import StaffOnly
from ..conditional import PreconditionFailed, if_match_names
from ..inputs import InputSerializer

State = Publication.State

if TYPE_CHECKING:
    # For the type checker the mixin is the viewset it is mixed into.
    from rest_framework.viewsets import GenericViewSet as _MixedInto
else:
    _MixedInto = object


def publication_tag(publication: Publication) -> str:
    """The publication's object tag: its dispute's id, so that a draft (no row yet) has one too."""
    return f"publication-{publication.dispute_key}-v{publication.version}"


IF_MATCH_PUBLICATION = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The publication's ETag as you last read it (GET .../publication/, or the "
    "answer of the last transition), or its object tag `publication-<dispute id>-v<version>`: "
    "the transition is refused with 412 if the publication moved since.",
)


# Representations


class CorrectionSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the correction reached partners.")
    note = serializers.CharField(help_text="What was corrected, as partners show it.")


class PendingRevisionSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField(help_text="When the editor published it.")
    embargoed_until = serializers.DateTimeField(help_text="When it will be released to partners.")


class PublicationSerializer(serializers.Serializer):
    """Where a dispute stands between the desk and its partners."""

    dispute = serializers.SlugField(help_text="The dispute's slug on the desk.")
    state = serializers.ChoiceField(choices=State.choices)
    version = serializers.IntegerField(
        help_text="The publication's version: what If-Match names (1 for a dispute never submitted)."
    )
    pub_status = serializers.ChoiceField(
        choices=PubStatus.choices,
        allow_null=True,
        help_text="What partners are told; null while they have been shown nothing.",
    )
    released_version = serializers.IntegerField(
        allow_null=True, help_text="The number of the revision partners read; null if none yet."
    )
    first_published_at = serializers.DateTimeField(allow_null=True)
    released_at = serializers.DateTimeField(
        allow_null=True, help_text="When the revision partners read was released."
    )
    pending = PendingRevisionSerializer(
        allow_null=True, help_text="A revision published under an embargo that has not ended."
    )
    corrections = CorrectionSerializer(many=True)
    retraction = CorrectionSerializer(allow_null=True)


def publication_representation(publication: Publication) -> dict[str, Any]:
    released = publication.released
    pending: Revision | None = None
    given: list[dict[str, Any]] = []
    if publication.pk is not None:
        pending = publication.revisions.filter(state=Revision.State.PENDING).order_by("-id").first()
        given = [item.as_dict() for item in corrections(publication)]
    dispute = publication.dispute
    return {
        "dispute": dispute.slug if dispute is not None else publication.slug,
        "state": publication.state,
        "version": publication.version,
        "pub_status": publication.pub_status,
        "released_version": released.number if released is not None else None,
        "first_published_at": iso(publication.first_published_at),
        "released_at": iso(released.released_at) if released is not None else None,
        "pending": (
            {"created_at": iso(pending.created_at), "embargoed_until": iso(pending.embargoed_until)}
            if pending is not None
            else None
        ),
        "corrections": given,
        "retraction": (
            {"at": iso(publication.retracted_at), "note": publication.retraction_note}
            if publication.retracted_at is not None
            else None
        ),
    }


class MoveSerializer(serializers.Serializer):
    object_type = serializers.ChoiceField(choices=["claim", "account"])
    object_id = serializers.IntegerField()
    # A declared field, which DRF's metaclass moves off the class: it does not
    # shadow Field.label at runtime, but the stubs cannot tell.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="The claim's text or the account's party, shortened."
    )
    verdict_before = serializers.ChoiceField(choices=Verdict.choices, help_text="As released.")
    verdict_after = serializers.ChoiceField(choices=Verdict.choices, help_text="On the desk now.")
    score_before = serializers.FloatField()
    score_after = serializers.FloatField()
    verdict_moved = serializers.BooleanField()


class ChangedObjectSerializer(serializers.Serializer):
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()


class PartnerDiffSerializer(serializers.Serializer):
    """What partners would see change if the dispute were republished now."""

    released_version = serializers.IntegerField(
        allow_null=True, help_text="The revision partners have; null: nothing yet, all is new."
    )
    changes_anything = serializers.BooleanField(
        help_text="False: republishing now would show partners nothing new."
    )
    needs_correction = serializers.BooleanField(
        help_text="A verdict partners were given reads otherwise now (or its claim is gone): "
        "republishing needs a `note`."
    )
    moves = MoveSerializer(many=True, help_text="Claims and accounts whose credibility moves.")
    new_claims = serializers.ListField(child=serializers.IntegerField())
    gone_claims = serializers.ListField(child=serializers.IntegerField())
    new_evidence = serializers.ListField(child=serializers.IntegerField())
    gone_evidence = serializers.ListField(child=serializers.IntegerField())
    changed_evidence = serializers.ListField(child=serializers.IntegerField())
    changed = ChangedObjectSerializer(
        many=True, help_text="Every object partners have that would read otherwise."
    )


def diff_representation(diff: PartnerDiff) -> dict[str, Any]:
    return {
        "released_version": diff.released_version,
        "changes_anything": bool(diff),
        "needs_correction": diff.needs_correction,
        "moves": [
            {
                "object_type": move.object_type,
                "object_id": move.object_id,
                "label": move.label,
                "verdict_before": move.verdict_before,
                "verdict_after": move.verdict_after,
                "score_before": move.score_before,
                "score_after": move.score_after,
                "verdict_moved": move.verdict_moved,
            }
            for move in diff.moves
        ],
        "new_claims": diff.new_claims,
        "gone_claims": diff.gone_claims,
        "new_evidence": diff.new_evidence,
        "gone_evidence": diff.gone_evidence,
        "changed_evidence": diff.changed_evidence,
        "changed": [
            {"object_type": object_type, "object_id": object_id}
            for object_type, object_id in diff.changed
        ],
    }


# The bodies of the transitions


class ZonedDateTimeField(serializers.DateTimeField):
    """A time that must say its time zone: an embargo read in the wrong one would end early."""

    def enforce_timezone(self, value: Any) -> Any:
        if timezone.is_naive(value):
            raise serializers.ValidationError(
                "Give the time zone (e.g. 2026-03-01T09:00:00Z): an embargo read in another "
                "one than meant would end early."
            )
        return super().enforce_timezone(value)


NOTE_HELP = (
    "What partners show their readers: on a republish, the correction (required when a verdict "
    "partners were given changes); on a pause, why it is withheld; on a retraction, why "
    "(required)."
)


class PublishInput(InputSerializer):
    embargo_until = ZonedDateTimeField(
        required=False,
        allow_null=True,
        help_text="Release to partners at this time (ISO 8601 with a zone, in the future), "
        "not at once. Until then they see nothing of this revision.",
    )
    note = serializers.CharField(required=False, allow_blank=True, help_text=NOTE_HELP)


class NoteInput(InputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, help_text=NOTE_HELP)


class NoInput(InputSerializer):
    pass


# The endpoints, on DisputeViewSet


def transition_schema(summary: str, body: type[serializers.Serializer] | None) -> Any:
    return extend_schema(
        summary=summary,
        request=body,
        parameters=[IF_MATCH_PUBLICATION],
        responses={200: PublicationSerializer},
    )


class ActionOptions(TypedDict):
    """@action's arguments for the publication endpoints: staff only, no filters, no pages."""

    detail: bool
    methods: list[Literal["get", "post"]]
    permission_classes: list[type[BasePermission]]
    filter_backends: list[type]
    pagination_class: None


TRANSITION: ActionOptions = {
    "detail": True,
    "methods": ["post"],
    "permission_classes": [StaffOnly],
    "filter_backends": [],
    "pagination_class": None,
}
READ: ActionOptions = {**TRANSITION, "methods": ["get"]}


class PublicationActions(_MixedInto):
    """The publication endpoints of the disputes resource (staff only; the services check roles)."""

    # What the schema adds If-Match and its 412 to (api/schema.py).
    if_match_actions = ("submit", "publish", "pause", "resume", "retract")

    _object_tag: str | None

    @extend_schema(
        summary="Where the dispute stands between the desk and its partners (staff)",
        responses={200: PublicationSerializer},
    )
    @action(url_path="publication", **READ)
    def publication(self, request: Request, slug: str) -> Response:
        return self.answer(self.live_dispute(slug))

    @extend_schema(
        summary="What republishing the dispute now would change for partners (staff)",
        responses={200: PartnerDiffSerializer},
    )
    @action(url_path="partner-diff", **READ)
    def partner_diff(self, request: Request, slug: str) -> Response:
        return Response(diff_representation(partner_diff(self.live_dispute(slug))))

    @transition_schema("Submit a draft for review (reporters and editors)", None)
    @action(url_path="submit", **TRANSITION)
    def submit(self, request: Request, slug: str) -> Response:
        dispute, expected, _ = self.prepare(slug, NoInput)
        services.submit_for_review(dispute=dispute, by=request.user, expected_version=expected)
        return self.answer(dispute)

    @transition_schema(
        "Publish the dispute, or republish what changed since (editors): at once, or when "
        "`embargo_until` comes",
        PublishInput,
    )
    @action(url_path="publish", **TRANSITION)
    def publish(self, request: Request, slug: str) -> Response:
        dispute, expected, fields = self.prepare(slug, PublishInput)
        note, embargo = fields.get("note", ""), fields.get("embargo_until")
        if publication_of(dispute).state == State.PUBLISHED:
            services.republish(
                dispute=dispute,
                by=request.user,
                note=note,
                embargo_until=embargo,
                expected_version=expected,
            )
        else:
            if note.strip():
                raise ValidationError(
                    {
                        "note": "Partners have seen nothing of this dispute yet: there is "
                        "nothing to correct."
                    }
                )
            services.publish(
                dispute=dispute, by=request.user, embargo_until=embargo, expected_version=expected
            )
        return self.answer(dispute)

    @transition_schema("Withhold the published dispute from partners (editors)", NoteInput)
    @action(url_path="pause", **TRANSITION)
    def pause(self, request: Request, slug: str) -> Response:
        dispute, expected, fields = self.prepare(slug, NoteInput)
        services.pause(
            dispute=dispute, by=request.user, note=fields.get("note", ""), expected_version=expected
        )
        return self.answer(dispute)

    @transition_schema("Show partners the paused dispute again (editors)", None)
    @action(url_path="resume", **TRANSITION)
    def resume(self, request: Request, slug: str) -> Response:
        dispute, expected, _ = self.prepare(slug, NoInput)
        services.resume(dispute=dispute, by=request.user, expected_version=expected)
        return self.answer(dispute)

    @transition_schema(
        "Retract the dispute for good: partners are told it is canceled, with `note` (editors)",
        NoteInput,
    )
    @action(url_path="retract", **TRANSITION)
    def retract(self, request: Request, slug: str) -> Response:
        dispute, expected, fields = self.prepare(slug, NoteInput)
        services.retract(
            dispute=dispute, by=request.user, note=fields.get("note", ""), expected_version=expected
        )
        return self.answer(dispute)

    # Steps the endpoints share

    def live_dispute(self, slug: str) -> Dispute:
        return get_object_or_404(Dispute.objects.all(), slug=slug)

    def prepare(
        self, slug: str, body: type[InputSerializer]
    ) -> tuple[Dispute, int | None, dict[str, Any]]:
        """The dispute, the version If-Match names (checked now, and again under the lock), the body."""
        dispute = self.live_dispute(slug)
        serializer = body(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        expected = None
        if "HTTP_IF_MATCH" in self.request.META:
            publication = publication_of(dispute)
            if not if_match_names(self.request, publication_tag(publication)):
                raise PreconditionFailed(
                    "The dispute's publication has moved since the ETag sent in If-Match "
                    "(another transition, or a release). Read it again: GET .../publication/."
                )
            expected = publication.version
        return dispute, expected, dict(serializer.validated_data)

    def answer(self, dispute: Dispute) -> Response:
        """The publication as it stands now, tagged for the next If-Match."""
        publication = publication_of(dispute)
        publication.dispute = dispute
        self._object_tag = publication_tag(publication)
        return Response(publication_representation(publication))
