from django.urls import path

from trustmirror.agreements import session, views

app_name = "agreements"
urlpatterns = [
    # The agreements the reader may follow: their own team's, or every team they lead.
    path("agreements/", views.agreements_index, name="index"),
    path("agreements/units/<int:unit_id>/", views.team_agreements_view, name="team"),
    # A team meeting on a screen: the team's results step by step, then its agreements.
    path(
        "scans/<int:scan_id>/units/<int:unit_id>/session/",
        session.team_session,
        name="session",
    ),
]
