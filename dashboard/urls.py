from django.urls import path

from .views import activity, disputes, sources

app_name = "dashboard"

urlpatterns = [
    path("", disputes.overview, name="overview"),
    path("disputes/<slug:slug>/", disputes.dispute, name="dispute"),
    path("claims/<int:claim_id>/", disputes.claim, name="claim"),
    path("sources/", sources.source_list, name="sources"),
    path("sources/<int:source_id>/", sources.source, name="source"),
    path("activity/", activity.activity, name="activity"),
]
