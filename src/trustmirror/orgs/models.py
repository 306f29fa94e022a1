"""Organisations (tenants), their unit tree, their people and who may see what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("nl", _("Dutch")), ("en", _("English"))]
UNIT_PATH_SEPARATOR = "/"


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    default_language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="nl")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A node of the organisation's tree; a unit without children is a team."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("name"), max_length=200)
    # The full path from the root, e.g. "Operations/Logistics/Team North": unique per
    # organisation, so imports can find a unit again without walking the tree.
    path = models.CharField(max_length=1000)
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "path"], name="unit_path_unique"),
        ]

    def __str__(self) -> str:
        return self.path

    def is_ancestor_of(self, other: Unit) -> bool:
        return other.path == self.path or other.path.startswith(self.path + UNIT_PATH_SEPARATOR)


class Person(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGE_CHOICES)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    is_lead = models.BooleanField(_("lead"), default=False)
    # Optional demographic bands, e.g. {"tenure": "2-5 years", "location": "Utrecht"}.
    # Bands, never exact values: an exact birth date would single people out.
    bands = models.JSONField(default=dict, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="person_email_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """What a user may do in one organisation.

    A unit lead sees the subtree under ``unit``; a member sees their own team ``unit``.
    """

    ADMIN = "admin"
    ANALYST = "analyst"
    LEAD = "lead"
    MEMBER = "member"
    KIND_CHOICES = [
        (ADMIN, _("organisation admin")),
        (ANALYST, _("analyst")),
        (LEAD, _("unit lead")),
        (MEMBER, _("member")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "kind", "unit"], name="role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.organisation}"
