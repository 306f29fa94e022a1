from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from trustmirror import views
from trustmirror.api.endpoints import api
from trustmirror.sso import views as sso_views

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/login/", sso_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on: answers 404 unless TRUSTMIRROR_OIDC_CLIENT_ID is set.
    path("accounts/sso/", include("trustmirror.sso.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("trustmirror.delivery.urls")),
    path("s/", include("trustmirror.surveys.urls")),
    path("o/<slug:org>/", include("trustmirror.orgs.urls")),
    path("o/<slug:org>/", include("trustmirror.surveys.admin_urls")),
    path("o/<slug:org>/", include("trustmirror.results.urls")),
    path("o/<slug:org>/", include("trustmirror.agreements.urls")),
    path("a/", include("trustmirror.agreements.link_urls")),
    path("o/<slug:org>/", include("trustmirror.api.urls")),
    path("api/v1/", api.urls),
]

handler400 = "trustmirror.views.bad_request"
handler403 = "trustmirror.views.forbidden"
handler404 = "trustmirror.views.not_found"
handler500 = "trustmirror.views.server_error"
