from django.urls import path

from trustmirror.api import views

app_name = "api_tokens"
urlpatterns = [
    path("api-tokens/", views.tokens, name="index"),
    path("api-tokens/<int:token_id>/revoke/", views.revoke, name="revoke"),
]
