from django.urls import path

from .views import activity, authoring, disputes, publication, scoring, similar, sources, webhooks

app_name = "dashboard"

urlpatterns = [
    path("", disputes.overview, name="overview"),
    # Before the dispute page, whose slug would otherwise read "new".
    path("disputes/new/", authoring.new_dispute, name="dispute_add"),
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
    path("how-scores-work/", scoring.how_scores_work, name="how_scores_work"),
    path("sources/<int:source_id>/merge/", sources.merge_source, name="source_merge"),
    path("sources/merge-options/", sources.merge_options, name="source_merge_options"),
    # Authoring: disputes and accounts (editors), claims (reporters and editors).
    path("disputes/<slug:slug>/edit/", authoring.edit_dispute, name="dispute_edit"),
    path("disputes/<slug:slug>/delete/", authoring.delete_dispute, name="dispute_delete"),
    path("disputes/<slug:slug>/accounts/new/", authoring.new_account, name="account_add"),
    path("accounts/<int:account_id>/edit/", authoring.edit_account, name="account_edit"),
    path("accounts/<int:account_id>/delete/", authoring.delete_account, name="account_delete"),
    path("accounts/<int:account_id>/claims/new/", authoring.new_claim, name="claim_add"),
    path("claims/<int:claim_id>/edit/", authoring.edit_claim, name="claim_edit"),
    # The "Similar claims" box of the claim forms (reads only).
    path("claims/similar/", similar.similar_claims, name="claim_similar"),
    path("claims/<int:claim_id>/delete/", authoring.delete_claim, name="claim_delete"),
    # Publishing to partners: reporters submit for review, editors do the rest.
    path("disputes/<slug:slug>/submit/", publication.submit_for_review, name="dispute_submit"),
    path("disputes/<slug:slug>/publish/", publication.publish, name="dispute_publish"),
    path("disputes/<slug:slug>/republish/", publication.republish, name="dispute_republish"),
    path("disputes/<slug:slug>/pause/", publication.pause, name="dispute_pause"),
    path("disputes/<slug:slug>/resume/", publication.resume, name="dispute_resume"),
    path("disputes/<slug:slug>/retract/", publication.retract, name="dispute_retract"),
    # Webhook endpoints that push to partners (editors only).
    path("webhooks/", webhooks.endpoints, name="webhooks"),
    path("webhooks/new/", webhooks.new_endpoint, name="webhook_add"),
    path("webhooks/<int:endpoint_id>/", webhooks.endpoint, name="webhook"),
    path("webhooks/<int:endpoint_id>/edit/", webhooks.edit_endpoint, name="webhook_edit"),
    path("webhooks/<int:endpoint_id>/switch/", webhooks.switch_endpoint, name="webhook_switch"),
    path("webhooks/<int:endpoint_id>/rotate/", webhooks.rotate_secret, name="webhook_rotate"),
    path("webhooks/<int:endpoint_id>/delete/", webhooks.delete_endpoint, name="webhook_delete"),
    path("webhooks/<int:endpoint_id>/ping/", webhooks.send_ping, name="webhook_ping"),
    path("webhooks/deliveries/<int:delivery_id>/", webhooks.delivery, name="webhook_delivery"),
    path(
        "webhooks/deliveries/<int:delivery_id>/resend/",
        webhooks.resend,
        name="webhook_resend",
    ),
]
