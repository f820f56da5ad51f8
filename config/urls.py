"""The root URLconf: the admin, the API, sign-in and sign-out, the dashboard."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.views import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    # The dashboard's own sign-out, which says that it worked.
    path("accounts/logout/", accounts.logout, name="logout"),
    # Signing in and changing one's password; no reset by e-mail, which the
    # desk does not send (the login page says to ask an editor).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("dashboard.urls")),
]
