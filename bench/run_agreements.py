"""Benchmark of the agreements' pages at organisation scale: what users wait for.

Usage (from the repository root)::

    .venv/bin/python bench/run_agreements.py --database sqlite
    .venv/bin/python bench/run_agreements.py --database postgresql

1. Stores the organisation of ``bench/run_publishing.py`` (``--respondents`` 100,000 people
   in ``--teams`` 5,000 teams, four levels, Trust Scan v1) with two closed scans: a spring
   scan half a year ago and the scan that closed yesterday, everyone answering both (the
   spring answers are the later ones with about a third moved one point). Both are published
   as the worker publishes them (the later one with its change since spring). After the
   spring scan, ``--share`` (40 %) of the teams made one to three agreements, each linked to
   one or two of the six themes and checked in once or twice (kept, partly kept, not kept),
   some still open; the first team of ``bench-lead-team`` always among them. Not timed.
2. Serves the app with ``trustmirror serve`` (gunicorn, production-like, two workers), a
   fresh server per page, and requests signed in: the spring overview with its agreements
   section (how many teams made agreements, the pooled say-do ratio), the later overview
   with the linked themes' change beside the teams without an agreement, a team's page of the
   later scan ("Did our agreements help?"), the list of every team's agreements an admin sees,
   one team's agreements and its team session: the first request, the second, the median and
   the maximum of ``--warm`` (20) more, and the size of the HTML.

Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run_publishing import (  # noqa: E402
    Server,
    bench_environment,
    machine,
    manage_shell,
    print_page_table,
    time_pages,
)

STORE = """
import datetime as dt, json, random, secrets, sys
sys.path.insert(0, {bench!r})
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import transaction
from orgdb import store_organisation
from tqdm import tqdm
from trustmirror.agreements.models import Agreement, CheckIn
from trustmirror.instrument import load_instrument
from trustmirror.orgs.models import Person, Unit
from trustmirror.results.publishing import publication_attempt
from trustmirror.surveys import answer_rows
from trustmirror.surveys.models import Invitation, Response, Scan

stored = store_organisation({respondents}, {teams}, progress=False, version="1")
later = Scan.objects.get(pk=stored.scan_id)
organisation = later.organisation
today = dt.date.today()
rng = random.Random(7)
item_order = list(load_instrument("trustscan", "1").items)
with transaction.atomic():
    spring = Scan.objects.create(
        organisation=organisation, name="Spring scan",
        opens_on=today - dt.timedelta(days=200), closes_on=today - dt.timedelta(days=180),
        min_group_size=later.min_group_size, max_cut_dimensions=0, status=Scan.OPEN,
        instrument_version="1",
    )
    Invitation.objects.bulk_create(
        [Invitation(scan=spring, person_id=pk, token_hash=secrets.token_hex(32))
         for pk in Person.objects.filter(organisation=organisation).values_list("pk", flat=True)],
        2000,
    )
    rows = []
    for unit_id, language, answers in tqdm(
        Response.objects.filter(scan=later).values_list("unit_id", "language", "answers"),
        desc="spring answers", disable=True,
    ):
        moved = {{
            item: (max(1, min(5, value + rng.choice((-1, 1)))) if value and rng.random() < 0.33
                   else value)
            for item, value in answers.items()
        }}
        rows.append(Response(
            scan=spring, unit_id=unit_id, resume_key=secrets.token_hex(32), language=language,
            answers=moved, submitted=True, answer_row=answer_rows.encode(item_order, moved),
        ))
        if len(rows) == 2000:
            Response.objects.bulk_create(rows)
            rows = []
    Response.objects.bulk_create(rows)

spring_outcome = publication_attempt(scan=spring, force=True)
assert spring_outcome.kind == "published", spring_outcome.lines

themes = ["safety_security", "power_place", "reliability", "performance", "collaboration",
          "innovation"]
teams = list(Unit.objects.filter(organisation=organisation, depth=2).order_by("path"))
lead_team = stored.leads["bench-lead-team"][1]
chosen = [t for t in teams if t.pk == lead_team or rng.random() < {share}]
agreements, check_ins = [], []
with transaction.atomic():
    for team in chosen:
        for n in range(rng.randint(1, 3)):
            agreements.append(Agreement(
                organisation=organisation, unit=team, scan=spring,
                what=f"Agreement {{n + 1}} of {{team.name}}",
                signal="We will notice it in the weekly meeting.",
                themes=rng.sample(themes, rng.randint(1, 2)),
                due_on=spring.closes_on + dt.timedelta(days=rng.randint(30, 220)),
                check_in_on=spring.closes_on + dt.timedelta(days=rng.randint(14, 60)),
            ))
    Agreement.objects.bulk_create(agreements, 2000)
    for agreement in agreements:
        for n in range(rng.choice((0, 1, 1, 2))):
            check_ins.append(CheckIn(
                agreement=agreement,
                status=rng.choice((CheckIn.KEPT, CheckIn.KEPT, CheckIn.PARTLY, CheckIn.NOT_KEPT)),
                note="", on=min(today, agreement.check_in_on + dt.timedelta(days=30 * n)),
            ))
    CheckIn.objects.bulk_create(check_ins, 2000)

later_outcome = publication_attempt(scan=later, force=True)
assert later_outcome.kind == "published", later_outcome.lines
assert later_outcome.publication.previous_scan_id == spring.pk
print("STORED " + json.dumps({{
    "respondents": stored.respondents, "teams": stored.teams, "org": organisation.slug,
    "spring": spring.pk, "later": later.pk, "admin": stored.admin, "password": stored.password,
    "lead_team": lead_team, "teams_with_agreements": len(chosen),
    "agreements": len(agreements), "check_ins": len(check_ins),
}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=5_000)
    parser.add_argument("--share", type=float, default=0.4, help="teams with agreements")
    parser.add_argument("--warm", type=int, default=20, help="requests per page, warm")
    args = parser.parse_args()

    with bench_environment(args.database, "trustmirror-agreements-") as (env, data_dir):
        print(f"Machine: {machine()}")
        print(f"Database: {args.database}; data directory {data_dir}")
        start = time.perf_counter()
        stored = manage_shell(
            env,
            STORE.format(
                bench=str(BENCH),
                respondents=args.respondents,
                teams=args.teams,
                share=args.share,
            ),
            "STORED",
        )
        print(
            f"Stored {stored['respondents']} respondents in {stored['teams']} teams, two scans "
            f"published, {stored['agreements']} agreements of {stored['teams_with_agreements']} "
            f"teams with {stored['check_ins']} check-ins "
            f"({time.perf_counter() - start:.0f} s, not part of the benchmark)"
        )
        org, spring, later = stored["org"], stored["spring"], stored["later"]
        team = stored["lead_team"]
        admin = stored["admin"]
        pages = [
            ("spring overview, agreements section", f"/o/{org}/scans/{spring}/"),
            ("later overview, linked themes' change", f"/o/{org}/scans/{later}/"),
            ("a team's page of the later scan", f"/o/{org}/scans/{later}/units/{team}/"),
            ("every team's agreements (admin)", f"/o/{org}/agreements/"),
            ("one team's agreements", f"/o/{org}/agreements/units/{team}/"),
            ("the team session", f"/o/{org}/scans/{later}/units/{team}/session/"),
        ]
        server = Server(env)
        try:
            rows, peaks = time_pages(
                server,
                [(label, admin, path) for label, path in pages],
                stored["password"],
                args.warm,
            )
        finally:
            server.stop()
        print_page_table(rows, peaks)
        print(f"Machine at the end: {machine()}")


if __name__ == "__main__":
    main()
