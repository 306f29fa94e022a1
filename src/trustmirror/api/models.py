"""Per-organisation API tokens: only their SHA-256 is stored, the token is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    READ = "read"
    WRITE = "write"
    SCOPE_CHOICES = [
        (READ, _("read only")),
        (WRITE, _("read and import people")),
    ]

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=5, choices=SCOPE_CHOICES, default=READ)
    # SHA-256 of the token: a database dump gives nobody a working token.
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.name} ({self.scope})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
