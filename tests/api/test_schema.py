"""Schemathesis against the API's own OpenAPI schema, in-process (WSGI).

For each operation, examples generated from the schema with Acme's write token (the widest
credential), then with no token: no answer is a server error, and every answer matches the
status codes, content types and bodies that the schema documents. Bounded: 25 examples an
operation, so the file stays well under a minute on two cores.

The rate limit per token (429) is a documented answer of every operation, so a fuzz run that
reaches the limit (the write token's 30 imports an hour) still passes, on the condition that
the 429 matches the schema; one run below holds the limit at one request to check exactly that.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db(transaction=False)
EXAMPLES = 25
# What the API promises: no server error, only documented answers, and no answer without a
# valid token. Not "positive data acceptance": a well-formed file with bad rows is refused on
# purpose (400 with the import's messages), which a schema cannot say.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


@pytest.fixture
def schema(tokens, settings):
    """The schema, served by the WSGI application itself.

    As Django's test client does, the database connection is not closed at the end of each
    request: inside the test's transaction that would close it for good (PostgreSQL).
    """
    settings.ALLOWED_HOSTS = ["*"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_the_schema_lists_every_endpoint(schema):
    paths = {operation.path for operation in _operations(schema)}
    assert paths == {
        "/api/v1/units",
        "/api/v1/people/import",
        "/api/v1/scans",
        "/api/v1/scans/{scan_id}",
        "/api/v1/scans/{scan_id}/participation",
        "/api/v1/scans/{scan_id}/results",
    }


@pytest.mark.parametrize("credential", ["write", None])
def test_no_server_error_and_every_answer_matches_the_schema(schema, scan, tokens, credential):
    headers = {"Authorization": f"Bearer {tokens[credential]}"} if credential else {}
    for operation in _operations(schema):
        _fuzz(operation, headers)


def test_the_published_scan_matches_the_schema(schema, scan, tokens):
    """Generated ids rarely hit a real scan: its pages are checked by name, in both languages."""
    headers = {"Authorization": f"Bearer {tokens['read']}"}
    for operation in _operations(schema):
        if "{scan_id}" not in operation.path:
            continue
        for lang in ("en", "nl"):
            query = {"lang": lang} if "lang" in str(operation.definition.raw) else None
            case = operation.Case(path_parameters={"scan_id": scan.pk}, query=query)
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            assert response.status_code == 200


def test_every_operation_documents_the_rate_limit(schema):
    for operation in _operations(schema):
        refused = operation.definition.raw["responses"]["429"]
        schema_ref = refused["content"]["application/json"]["schema"]["$ref"]
        assert schema_ref.endswith("/RetryLater"), operation.path


def test_a_rate_limited_answer_matches_the_schema(schema, scan, tokens, settings):
    """With one request a day, nearly every generated call is answered 429: each must match."""
    settings.TRUSTMIRROR_RATE_LIMITS = {"api": (1, 86400), "api_import": (1, 86400)}
    caches["default"].clear()
    headers = {"Authorization": f"Bearer {tokens['write']}"}
    try:
        for operation in _operations(schema):
            _fuzz(operation, headers)
        case = next(op for op in _operations(schema) if op.path == "/api/v1/units").Case()
        assert case.call(headers=headers).status_code == 429  # the limit was in force
    finally:
        caches["default"].clear()
