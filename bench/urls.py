"""
The URLconf `make bench` serves (CLAIMDESK_BENCH_ENDPOINTS=1): its two
baseline views, then the whole app as config/urls.py mounts it.
"""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/hello/", views.hello),
    path("bench/claims/", views.hand_written_claims),
    path("", include("config.urls")),
]
