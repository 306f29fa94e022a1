"""What the crash test's database holds, read by the app's own code in a process of its own.

The crash test (``test_crash.py``) runs in pytest, whose Django is set up on the suite's test
database; the crash run's data directory and database are another installation. So this
module runs inside ``trustmirror manage shell`` of that installation and prints one line,
``FACTS {json}``, which the test compares with its ledger. It reads, and decides nothing:
every check is in the test.

Printed: the instrument's pages; per link, the responses under its resume key
(``HMAC(RESUME_SECRET, token)``, computed with the installation's secret) as stored, with
the answer line and resume page the app derives from them; the responses under no link;
the database's own integrity checks and the references and unique columns of every table;
and every publication of the scan, with what a reader of the published results gets.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

__all__ = ["main"]


def main(tokens_path: str, scan_id: int) -> None:
    from trustmirror.surveys.models import Scan

    scan = Scan.objects.get(pk=scan_id)
    tokens = Path(tokens_path).read_text(encoding="ascii").split()
    facts = {
        "pages": _pages(scan),
        **_responses(scan, tokens),
        "integrity": _integrity(),
        "references": _references(),
        **_publications(scan),
    }
    sys.stdout.write("FACTS " + json.dumps(facts) + "\n")


def _pages(scan) -> list[dict]:
    from trustmirror.surveys.answering import instrument_for

    return [{"id": page.id, "items": list(page.item_ids)} for page in instrument_for(scan).pages]


def _responses(scan, tokens: list[str]) -> dict:
    """Every response of the scan, by the link it belongs to."""
    from trustmirror.surveys import answer_rows
    from trustmirror.surveys.answering import instrument_for, resume_page_number
    from trustmirror.surveys.models import Response
    from trustmirror.surveys.tokens import resume_key

    instrument = instrument_for(scan)
    items = list(instrument.items)
    token_of = {resume_key(token): token for token in tokens}
    by_token: dict[str, list[dict]] = {}
    unknown = 0
    for response in Response.objects.filter(scan=scan).order_by("pk"):
        token = token_of.get(response.resume_key)
        if token is None:
            unknown += 1
            continue
        by_token.setdefault(token, []).append(
            {
                "answers": response.answers,
                "open_answers": response.open_answers,
                "page_revisions": response.page_revisions,
                "submitted": response.submitted,
                "answer_row": response.answer_row,
                # What response_submit writes for these answers.
                "answer_row_expected": answer_rows.encode(items, response.answers),
                "resume_page": resume_page_number(instrument, response),
            }
        )
    return {"responses": by_token, "responses_without_link": unknown}


def _integrity() -> dict:
    """The database engine's own checks of its files and constraints."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            integrity = [row[0] for row in cursor.fetchall()]
            cursor.execute("PRAGMA foreign_key_check")
            return {"sqlite_integrity": integrity, "foreign_key_check": cursor.fetchall()}
        return {"amcheck": _amcheck(cursor)}


def _amcheck(cursor) -> dict:
    """PostgreSQL's amcheck over every B-tree index of the app's tables (every heap tuple
    found in its index too), where the extension can be created."""
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
    except Exception as error:  # no superuser, or contrib not installed
        return {"available": False, "reason": str(error).strip()}
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = c.relam "
        "WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace"
    )
    indexes = [row[0] for row in cursor.fetchall()]
    failures = []
    for index in indexes:
        try:
            cursor.execute("SELECT bt_index_check(%s::regclass, true)", [index])
        except Exception as error:
            failures.append(f"{index}: {error}")
    return {"available": True, "indexes": len(indexes), "failures": failures}


def _references() -> dict:
    """Orphaned references and duplicated unique values in every table of the app.

    Checked by query rather than trusted to the constraints: some references are not
    declared in the database (``IncludedResponse``, for speed), and SQLite checks foreign
    keys only where the connection asked it to.
    """
    from django.apps import apps
    from django.db import connection, models

    quote = connection.ops.quote_name
    orphans: dict[str, int] = {}
    duplicates: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if not model._meta.managed or model._meta.proxy:
                continue
            table = quote(model._meta.db_table)
            for field in model._meta.concrete_fields:
                if isinstance(field, models.ForeignKey):
                    target = field.target_field
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {table} c "
                        f"LEFT JOIN {quote(target.model._meta.db_table)} p "
                        f"ON c.{quote(field.column)} = p.{quote(target.column)} "
                        f"WHERE c.{quote(field.column)} IS NOT NULL "
                        f"AND p.{quote(target.column)} IS NULL"
                    )
                    orphans[f"{model._meta.label}.{field.name}"] = cursor.fetchone()[0]
            for columns in _unique_columns(model):
                names = ", ".join(quote(c) for c in columns)
                not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in columns)
                cursor.execute(
                    f"SELECT COUNT(*) FROM (SELECT {names} FROM {table} WHERE {not_null} "
                    f"GROUP BY {names} HAVING COUNT(*) > 1) d"
                )
                duplicates[f"{model._meta.label}({', '.join(columns)})"] = cursor.fetchone()[0]
    return {"orphans": orphans, "duplicates": duplicates}


def _unique_columns(model) -> list[tuple[str, ...]]:
    """The column sets the model declares unique (unconditional constraints only)."""
    from django.db import models

    meta = model._meta
    found = [(f.column,) for f in meta.concrete_fields if f.unique]
    found += [tuple(meta.get_field(n).column for n in names) for names in meta.unique_together]
    found += [
        tuple(meta.get_field(n).column for n in constraint.fields)
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
    ]
    return found


def _publications(scan) -> dict:
    """Every version of the scan's results, and what the pages' selectors serve."""
    from django.db.models import Count

    from trustmirror.results import keys
    from trustmirror.results.models import IncludedResponse, Publication
    from trustmirror.results.publishing import latest
    from trustmirror.results.selectors import published_results
    from trustmirror.surveys.models import Response

    rows = []
    for publication in Publication.objects.filter(scan=scan).order_by("pk"):
        org = publication.groups.filter(key=keys.ORG).first()
        added = publication.meta.get("added", {}).get("respondents", [])
        rows.append(
            {
                "id": publication.pk,
                "track": publication.track,
                "status": publication.status,
                "version": publication.version,
                "final": publication.final,
                "published_at": publication.published_at is not None,
                "respondents": publication.respondents,
                "added": dict(zip(publication.meta.get("units", []), added, strict=True)),
                "groups": publication.groups.count(),
                "charts": publication.charts.count(),
                "org_n": org.n if org else None,
                "org_shown": org.shown if org else None,
                "error": publication.error,
            }
        )
    included = IncludedResponse.objects.filter(scan=scan)
    per_unit = Counter(
        dict(
            Response.objects.filter(included__isnull=False, scan=scan)
            .values_list("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
    )
    served, _participation = published_results(scan)
    newest = latest(scan)
    return {
        "publications": rows,
        "included": included.count(),
        "included_per_unit": {str(u): n for u, n in per_unit.items()},
        "included_not_submitted": Response.objects.filter(
            included__isnull=False, scan=scan, submitted=False
        ).count(),
        "served": served.publication.pk if served is not None else None,
        "latest": newest.pk if newest is not None else None,
    }
