from django.urls import path

from trustmirror.relational import mirror_views
from trustmirror.relational import views as round_views
from trustmirror.surveys import views

app_name = "surveys"
urlpatterns = [
    # The pages after the link: their addresses never hold the token (see surveys/session.py).
    path("start", views.survey_start, name="start"),
    path("p/<str:number>", views.survey_page, name="page"),
    path("review", views.survey_review, name="review"),
    path("thanks", views.survey_thanks, name="thanks"),
    # The relational round, after the questionnaire (trustmirror.relational.views).
    path("round", round_views.round_start, name="round"),
    path("round/p/<str:number>", round_views.round_page, name="round-page"),
    path("round/review", round_views.round_review, name="round-review"),
    # The person's own mirror once the scan has closed (trustmirror.relational.mirror_views).
    path("mirror", mirror_views.survey_mirror, name="mirror"),
    # The link from the invitation. Some mail programs add a slash to a link, and a link may
    # have been bookmarked on a page when every page address held the token: all the same link.
    path("<str:token>", views.survey_link, name="link"),
    path("<str:token>/", views.survey_link, name="link-slash"),
    path("<str:token>/<path:rest>", views.survey_link, name="link-rest"),
    # Anything else under /s/ (such as /s//<token>) gets the survey's own quiet 404 rather
    # than the site's, whose request log line would contain the path.
    path("<path:rest>", views.survey_not_found, name="not-found"),
]
