"""Who viewed or exported what: an audit trail without answers in it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    VIEW_RESULTS = "view_results"
    VIEW_UNIT = "view_unit"
    EXPORT_LINKS = "export_links"
    IMPORT_PEOPLE = "import_people"
    CREATE_SCAN = "create_scan"
    EDIT_SCAN = "edit_scan"
    CLOSE_SCAN = "close_scan"
    EXTEND_SCAN = "extend_scan"
    DELETE_SCAN = "delete_scan"
    SEND_REMINDER = "send_reminder"
    SEND_NEW_LINK = "send_new_link"
    EXPORT_LETTERS = "export_letters"
    GDPR_EXPORT = "gdpr_export"
    GDPR_ERASE = "gdpr_erase"
    DOWNLOAD_REPORT = "download_report"
    HIDE_COMMENT = "hide_comment"
    UNHIDE_COMMENT = "unhide_comment"
    EXPORT_AGGREGATES = "export_aggregates"
    EXPORT_RESEARCH = "export_research"
    SSO_SIGN_IN = "sso_sign_in"
    API_TOKEN_CREATE = "api_token_create"
    API_TOKEN_REVOKE = "api_token_revoke"
    API_CALL = "api_call"
    ACTION_CHOICES = [
        (VIEW_RESULTS, "viewed scan results"),
        (VIEW_UNIT, "viewed a unit's results"),
        (EXPORT_LINKS, "exported survey links"),
        (IMPORT_PEOPLE, "imported people"),
        (CREATE_SCAN, "created a scan"),
        (EDIT_SCAN, "changed a scan's settings"),
        (CLOSE_SCAN, "closed a scan"),
        (EXTEND_SCAN, "extended a scan"),
        (DELETE_SCAN, "deleted a scan"),
        (SEND_REMINDER, "sent a reminder to everyone invited"),
        (SEND_NEW_LINK, "sent a person a new survey link"),
        (EXPORT_LETTERS, "downloaded the letter file with survey links"),
        (GDPR_EXPORT, "exported a person's data (GDPR)"),
        (GDPR_ERASE, "erased a person (GDPR)"),
        (DOWNLOAD_REPORT, "downloaded a results report"),
        (HIDE_COMMENT, "hid an open answer as inappropriate"),
        (UNHIDE_COMMENT, "showed a hidden open answer again"),
        (EXPORT_AGGREGATES, "downloaded the published results as a table"),
        (EXPORT_RESEARCH, "downloaded respondent-level data for research"),
        (SSO_SIGN_IN, "signed in through single sign-on"),
        (API_TOKEN_CREATE, "created an API token"),
        (API_TOKEN_REVOKE, "revoked an API token"),
        (API_CALL, "read or imported through the API"),
    ]

    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE)
    action = models.CharField(max_length=20, choices=ACTION_CHOICES)
    # A short description of the object (scan id, unit path); never answers or tokens.
    target = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["organisation", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target}"


def audit_record(*, user, organisation, action: str, target: str = "") -> AuditEvent:
    return AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        organisation=organisation,
        action=action,
        target=target[:300],
    )
