"""Schemathesis against the project's own OpenAPI schema (/api/schema/), through the Django WSGI app, as signed-in
callers (an agency admin's API token; an ingest token for the ingest endpoints): no 5xx, and every response with a
documented status matches its documented schema and content type.

CI runs a few deterministic examples per operation (RELIABILITY_FUZZ_EXAMPLES, default 4; about a minute). A longer
run: `RELIABILITY_FUZZ_EXAMPLES=200 RELIABILITY_FUZZ_RANDOM=1 pytest tests/reliability/test_api_schema.py`
(see docs/reliability.md).
"""

import datetime as dt
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from agencies.choices import AgencyKind, Role, TokenPurpose
from agencies.models import ApiToken
from hotlists.choices import Category, HotlistSource
from hotlists.models import Hotlist, HotlistEntry
from reads.plates import canonical_key

from ..factories import AgencyFactory, UserFactory

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "4"))
RANDOM = os.environ.get("RELIABILITY_FUZZ_RANDOM", "") not in ("", "0")
INGEST_PATHS = (
    "/api/v1/reads/batch/",
    "/api/v1/ingest/openalpr/",
    "/api/v1/ingest/frigate/",
    "/api/v1/ingest/platerecognizer/",
    "/api/v1/ingest/axis/",
    "/api/v1/ingest/hikvision/",
    "/api/v1/ingest/genetec/",
)

app = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
schema.config.generation.update(deterministic=not RANDOM, allow_x00=True)


def not_a_server_error(ctx, response, case):
    """Any 5xx fails (schemathesis' own check also takes 503 as fine; here a 503 would mean the database was down)."""
    if response.status_code >= 500:
        raise AssertionError(f"{case.method} {case.formatted_path} answered {response.status_code}: "
                             f"{response.text[:800]}")  # fmt: skip
    return None


@pytest.fixture
def callers(db, make_camera, store_reads):
    """An agency with data in every list the API serves, its admin's API token and a camera's ingest token."""
    agency = AgencyFactory(name="Fuzz City Police Department", slug="fuzz-city-pd", ori="CA0331100")
    partner = AgencyFactory(name="Fuzz County Sheriff", slug="fuzz-county-so", ori="CA0331200",
                            kind=AgencyKind.SHERIFF)  # fmt: skip
    admin = UserFactory(agency=agency, role=Role.AGENCY_ADMIN, username="fuzz-admin")
    UserFactory(agency=partner, role=Role.INVESTIGATOR, username="fuzz-partner")
    camera_account = UserFactory(agency=agency, role=Role.OFFICER, trained=False, username="fuzz-camera")
    _, api_secret = ApiToken.issue(user=admin, name="fuzz", purpose=TokenPurpose.API)
    _, ingest_secret = ApiToken.issue(user=camera_account, name="fuzz camera", purpose=TokenPurpose.INGEST)
    camera = make_camera(agency, agent_uid="agent-1", agent_camera_id=1)
    hotlist = Hotlist.objects.create(
        agency=agency, name="Stolen", source=HotlistSource.CA_DOJ_STOLEN_VEHICLES, category=Category.STOLEN_VEHICLE
    )
    HotlistEntry.objects.create(
        hotlist=hotlist, plate="7FUZ123", canonical=canonical_key("7FUZ123"), plate_state="CA",
        reason=Category.STOLEN_VEHICLE, entered_by=admin,
    )  # fmt: skip
    store_reads(camera, ["7FUZ123", "8ABC321"], at=timezone.now() - dt.timedelta(hours=2))
    # The WSGI handler closes the connection at the end of each request, as it should in production; here the
    # test's transaction must survive it (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"api": {"Authorization": f"Token {api_secret}"}, "ingest": {"Authorization": f"Token {ingest_secret}"}}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # the transaction is still usable: no request broke it


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, callers):
    headers = callers["ingest"] if case.path in INGEST_PATHS else callers["api"]
    if case.path == "/api/v1/alerts/feed/" and isinstance(case.query, dict):
        # A long poll waits up to 20 s by design; keep the run short without hiding a badly parsed value.
        try:
            if float(case.query.get("wait", 0)) > 0.2:
                case.query["wait"] = "0.1"
        except (TypeError, ValueError):
            pass
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
