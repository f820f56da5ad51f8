from django.urls import path

from .views import activity, disputes, sources

app_name = "dashboard"

urlpatterns = [
    path("", disputes.overview, name="overview"),
    path("disputes/<slug:slug>/", disputes.dispute, name="dispute"),
    path("claims/<int:claim_id>/", disputes.claim, name="claim"),
    path("claims/<int:claim_id>/evidence/", disputes.add_corroboration, name="add_corroboration"),
    path(
        "evidence/<int:corroboration_id>/edit/",
        disputes.edit_corroboration,
        name="edit_corroboration",
    ),
    path(
        "evidence/<int:corroboration_id>/delete/",
        disputes.delete_corroboration,
        name="delete_corroboration",
    ),
    path("evidence/source-options/", disputes.source_options, name="source_options"),
    path("sources/", sources.source_list, name="sources"),
    path("sources/new/", sources.add_source, name="source_add"),
    path("sources/<int:source_id>/", sources.source, name="source"),
    path("sources/<int:source_id>/edit/", sources.edit_source, name="source_edit"),
    path("activity/", activity.activity, name="activity"),
]
