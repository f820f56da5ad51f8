"""The root URLconf: the admin, the API, sign-in and sign-out, the dashboard."""

from django.contrib import admin
from django.urls import include, path

from dashboard.views import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    # Before auth's own logout, so that signing out says it worked.
    path("accounts/logout/", accounts.logout, name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("dashboard.urls")),
]
