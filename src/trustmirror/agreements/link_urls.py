"""The personal follow link: /a/<token> opens one's team's agreements without logging in."""

from django.urls import path

from trustmirror.agreements import views

app_name = "follow"
urlpatterns = [
    path("", views.follow_page, name="page"),
    path("<str:token>", views.follow_link, name="link"),
]
