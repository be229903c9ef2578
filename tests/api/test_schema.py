"""schemathesis against the API's own OpenAPI schema, in process through Django's WSGI app:
every operation, with generated input, never answers 5xx, and every response matches the
schema (status code, content type, body). Writes run with a staff token, so each write
operation reaches its service and its rules. Bounded examples keep it short; run this file
alone (not with -n) to see the totals it prints."""

from __future__ import annotations

from collections import Counter

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import token_create
from tests.factories import CategoryFactory, PostFactory, TopicFactory, staff_user
from tests.search.helpers import faq_article

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 5
TOTALS: Counter = Counter()


# Loaded once at collection: reading the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def world(db, settings):
    """Some content for the generated requests to find, and a staff member's token."""
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    settings.API_WRITE_RATE_LIMIT = "100000/m"
    category = CategoryFactory(name="Billing", slug="billing")
    for n in range(3):
        topic = TopicFactory(category=category, title=f"Invoice question {n}")
        PostFactory(topic=topic, source=f"Reply {n}")
    article = faq_article("How do I pay an invoice?")
    article.save_revision().publish()
    _, plaintext = token_create(
        user=staff_user(username="api-staff"), name="schema", scopes=["post", "react", "manage", "mentions"]
    )
    # Requests go through the WSGI app, not the test client: keep the test's database
    # connection open between them, as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {plaintext}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_every_operation_answers_within_its_schema(case, world):
    response = case.call_and_validate(headers=world, checks=CHECKS)
    TOTALS[f"{case.method} {case.path}"] += 1
    TOTALS[f"status {response.status_code // 100}xx"] += 1


def test_schemathesis_totals(db):
    """Printed for the record: requests per operation and responses per status class."""
    operations = {key: n for key, n in TOTALS.items() if not key.startswith("status")}
    statuses = {key: n for key, n in TOTALS.items() if key.startswith("status")}
    print(f"\nschemathesis: {len(operations)} operations, {sum(operations.values())} requests, {statuses}")
    for key in sorted(operations):
        print(f"  {key}: {operations[key]}")
    if operations:  # the summary only means something after the run above, in the same process
        assert "status 5xx" not in statuses
