"""Finding the person a GDPR command is about, with errors an operator can act on."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext

from trustmirror.orgs.models import Organisation, Person


def person_for(*, org_slug: str, email: str) -> Person:
    """The person with ``email`` in the organisation ``org_slug``, or a :class:`CommandError`.

    The e-mail address is matched exactly first, then without regard to case, because
    addresses arrive typed by hand in requests; a case-insensitive match must be unique.
    """
    organisation = Organisation.objects.filter(slug=org_slug).first()
    if organisation is None:
        raise CommandError(gettext("No organisation with slug %(slug)r.") % {"slug": org_slug})
    people = Person.objects.filter(organisation=organisation).select_related(
        "organisation", "unit", "user"
    )
    email = email.strip()
    person = people.filter(email=email).first()
    if person is not None:
        return person
    matches = list(people.filter(email__iexact=email)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(
            gettext(
                "More than one person in %(organisation)s has the e-mail address %(email)s in "
                "a different case; give the address exactly as stored."
            )
            % {"organisation": organisation.slug, "email": email}
        )
    raise CommandError(
        gettext("No person with e-mail address %(email)s in organisation %(organisation)s.")
        % {"email": email, "organisation": organisation.slug}
    )
