"""``trustmirror manage person_erase --org SLUG EMAIL [--yes]``: erase a person (GDPR)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from trustmirror.orgs.gdpr import person_erase
from trustmirror.orgs.management.lookup import person_for

CONFIRM_WORD = "yes"


class Command(BaseCommand):
    help = (
        "Erase one person (GDPR right to erasure): their personal data, their invitations "
        "(their survey links stop working) and their login's roles in the organisation "
        "(the login itself too when nothing else uses it). "
        "Anonymous answers stay: none can be linked to the person. "
        "Asks for confirmation unless --yes is given. The erasure is recorded in the audit log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("email", help="the person's e-mail address")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )

    def handle(self, *args, **options) -> None:
        person = person_for(org_slug=options["org"], email=options["email"])
        if not options["yes"]:
            question = gettext(
                "Erase %(name)s <%(email)s> from %(organisation)s, with %(invitations)s "
                "invitation(s)? This cannot be undone. Type '%(word)s' to continue: "
            ) % {
                "name": person.name,
                "email": person.email,
                "organisation": person.organisation.name,
                "invitations": person.invitations.count(),
                "word": CONFIRM_WORD,
            }
            try:
                answer = input(question)
            except EOFError:
                answer = ""
            if answer.strip().lower() != CONFIRM_WORD:
                raise CommandError(gettext("Cancelled: nothing was erased."))
        summary = person_erase(person=person)
        self.stdout.write(
            gettext(
                "Erased person %(id)s: %(invitations)s invitation(s) and %(roles)s role(s) "
                "removed. Anonymous answers were not touched."
            )
            % {"id": summary.person_id, "invitations": summary.invitations, "roles": summary.roles}
        )
        if summary.account_deleted:
            self.stdout.write(gettext("Their login account, used nowhere else, was deleted."))
        elif summary.account_kept is not None:
            self.stdout.write(
                gettext(
                    "Their login account %(username)s was kept: it has roles in another "
                    "organisation or is a staff account."
                )
                % {"username": summary.account_kept}
            )
