"""Who may see and do what in an organisation. Enforced in queries, not only in templates."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from trustmirror.orgs.models import Organisation, Role, Unit

MANAGE = (Role.ADMIN,)
ANALYSE = (Role.ADMIN, Role.ANALYST)


def organisations_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(roles__user=user).distinct()


def roles_in(user: AbstractBaseUser | AnonymousUser, organisation: Organisation) -> list[Role]:
    if not user.is_authenticated:
        return []
    return list(Role.objects.filter(user=user, organisation=organisation).select_related("unit"))


def organisation_or_404(
    user: AbstractBaseUser | AnonymousUser, slug: str, *, kinds: tuple[str, ...] | None = None
) -> tuple[Organisation, list[Role]]:
    """The organisation ``slug`` if the user has a role in it (one of ``kinds``), else 404.

    404 rather than 403, so that a stranger cannot even learn which organisations exist.
    """
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    roles = roles_in(user, organisation)
    if kinds is not None:
        roles_ok = [role for role in roles if role.kind in kinds]
        if not roles_ok:
            raise Http404
    elif not roles:
        raise Http404
    return organisation, roles


def has_kind(roles: list[Role], kinds: tuple[str, ...]) -> bool:
    return any(role.kind in kinds for role in roles)


def visible_units(roles: list[Role], organisation: Organisation) -> QuerySet[Unit]:
    """The units whose results these roles may see (subject to the privacy policy)."""
    units = Unit.objects.filter(organisation=organisation)
    if has_kind(roles, ANALYSE):
        return units
    condition = Q(pk__in=[])
    for role in roles:
        if role.unit is None:
            continue
        if role.kind == Role.LEAD:
            condition |= Q(path=role.unit.path) | Q(path__startswith=role.unit.path + "/")
        elif role.kind == Role.MEMBER:
            condition |= Q(pk=role.unit.pk)
    return units.filter(condition)
