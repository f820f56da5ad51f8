from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import bench_views
from dashboard.views import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api")),
    # Before auth's own logout, so that signing out says it worked.
    path("accounts/logout/", accounts.logout, name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("dashboard.urls")),
]

if settings.CLAIMDESK_BENCH_ENDPOINTS:
    # The baselines `make bench` measures the app against; never mounted otherwise.
    urlpatterns = [
        path("bench/hello/", bench_views.hello),
        path("bench/claims/", bench_views.hand_written_claims),
        *urlpatterns,
    ]
