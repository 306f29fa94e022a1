"""``trustmirror manage person_export --org SLUG EMAIL``: a person's data as JSON (GDPR)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from trustmirror.orgs.gdpr import person_export
from trustmirror.orgs.management.lookup import person_for


class Command(BaseCommand):
    help = (
        "Print everything stored about one person as JSON (GDPR right of access). "
        "Answers are never included: none can be linked to a person. "
        "The export is recorded in the audit log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", required=True, help="organisation slug")
        parser.add_argument("email", help="the person's e-mail address")

    def handle(self, *args, **options) -> None:
        person = person_for(org_slug=options["org"], email=options["email"])
        data = person_export(person=person)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
