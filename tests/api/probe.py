"""
A tiny API used only by tests: parties through the shared access and
conditional-request machinery, so that the machinery is tested apart from
the real resources (which have their own contract tests).
"""

from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from api.conditional import ConditionalRequestsMixin
from changelog.models import Change
from sources import services
from sources.models import Party


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "name", "slug", "description", "version"]
        read_only_fields = ["version"]


class PartyViewSet(ConditionalRequestsMixin, viewsets.ModelViewSet):
    serializer_class = PartySerializer

    def get_queryset(self):
        return Party.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.create_party(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_party(
            party=serializer.instance,
            by=self.request.user,
            expected_version=self.expected_version(),
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.delete_party(party=instance, by=self.request.user)


class HeadView(ConditionalRequestsMixin, APIView):
    """Not about one model, like the changes feed."""

    def get(self, request):
        return Response({"head": Change.latest_id()})


router = SimpleRouter()
router.register("parties", PartyViewSet, basename="probe-party")

urlpatterns = [
    path("probe/", include(router.urls)),
    path("probe/head/", HeadView.as_view()),
]
