from django.urls import path

from trustmirror.surveys import views

app_name = "surveys"
urlpatterns = [
    path("<str:token>", views.survey_start, name="start"),
    # Some mail programs add a slash to a link; it is still the same link.
    path("<str:token>/", views.survey_start, name="start-slash"),
    path("<str:token>/p/<str:number>", views.survey_page, name="page"),
    path("<str:token>/review", views.survey_review, name="review"),
    path("<str:token>/thanks", views.survey_thanks, name="thanks"),
    # Anything else under /s/ gets the survey's own quiet 404 rather than the site's, whose
    # request log line would contain the token.
    path("<str:token>/<path:rest>", views.survey_not_found, name="not-found"),
]
