"""The whole API, v1, at a glance: one router, every route registered here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .resources.accounts import AccountViewSet
from .resources.changes import ChangesView
from .resources.claims import ClaimViewSet
from .resources.corroborations import CorroborationViewSet
from .resources.disputes import DisputeViewSet
from .resources.parties import PartyViewSet
from .resources.sources import SourceViewSet

router = DefaultRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("accounts", AccountViewSet, basename="account")
router.register("claims", ClaimViewSet, basename="claim")
router.register("corroborations", CorroborationViewSet, basename="corroboration")
router.register("sources", SourceViewSet, basename="source")
router.register("parties", PartyViewSet, basename="party")

urlpatterns = [
    path("changes/", ChangesView.as_view(), name="changes"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file, not inline: the CSP allows only 'self'.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
