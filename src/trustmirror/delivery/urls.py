"""The respondent's "lost your link?" page, and the demo's mailbox (namespace ``delivery``)."""

from django.urls import path

from trustmirror.delivery import views

app_name = "delivery"
urlpatterns = [
    # Before the survey's own /s/<token>: "lost" is never a token (tokens have 22 characters).
    path("s/lost/", views.lost_link_view, name="lost-link"),
    path("demo/mailbox/", views.mailbox_view, name="mailbox"),
    path("demo/mailbox/<str:key>/", views.mailbox_message_view, name="mailbox-message"),
    path("demo/mailbox/<str:key>/html", views.mailbox_html_view, name="mailbox-html"),
]
