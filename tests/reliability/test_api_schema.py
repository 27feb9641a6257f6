"""Schemathesis against the project's own OpenAPI schema (/api/schema/), through the Django WSGI app, as signed-in
callers (an agency admin's API token; an ingest token for the ingest endpoints): no 5xx, and every response with a
documented status matches its documented schema and content type.

Schemathesis draws strings that can be sent as UTF-8, so never a lone surrogate, and bodies a few levels deep. Each
generated request is therefore also offered, at random, in a hostile form (`hostile_variants`): a lone surrogate,
NUL or another control character inside one string of the body, a query value or a path parameter; one value of the
body replaced by arrays nested 33 to 50,000 levels deep; one number replaced by `true`. A hostile path or query
must be refused with a 4xx; a hostile body must not be a 5xx (a view that never reads its body may accept it).

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
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from agencies.choices import AgencyKind, Role, TokenPurpose
from agencies.models import ApiToken
from common.inputs import BODY_TOO_LARGE, JSON_TOO_DEEP, PATH_FORBIDDEN, QUERY_FORBIDDEN, TEXT_FORBIDDEN
from hotlists.choices import Category, HotlistSource
from hotlists.models import Hotlist, HotlistEntry
from reads.plates import canonical_key

from ..factories import AgencyFactory, UserFactory
from .hostile import CONTROLS, DEPTHS, SURROGATES, Deep, json_bytes

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


# Hostile variants of generated requests ----------------------------------------------------------------------------

HOSTILE = "X-Fuzz-Hostile"  # a request header saying which variant a case is (the app ignores it)


def _leaves(value, where=()):
    """(path, value) of every scalar in a JSON-like value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*where, index))
    else:
        yield where, value


def _replaced(value, where, new):
    if not where:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[where[0]] = _replaced(value[where[0]], where[1:], new)
    return copy


def _poison(text: str, char: str, at: int) -> str:
    at %= len(text) + 1
    return text[:at] + char + text[at:]


def _places(case):
    """Where a hostile string can go in this case: ("path"|"query"|"body", key path, value)."""
    places = [("path", (name,), value) for name, value in (case.path_parameters or {}).items()]
    places += [("query", (name,), value) for name, value in (case.query or {}).items() if isinstance(value, str)]
    if isinstance(case.body, dict | list):
        places += [("body", where, value) for where, value in _leaves(case.body) if isinstance(value, str)]
    return places


@schema.hook("flatmap_case")
def hostile_variants(ctx, case):
    """The case as generated, or a hostile variant of it (see the module's docstring)."""
    json_body = case.media_type == "application/json" and isinstance(case.body, dict | list)
    return st.tuples(
        st.sampled_from(["clean", "text", "deep", "bool"]),
        st.integers(0, 10**6),
        st.sampled_from(SURROGATES + CONTROLS),
        st.sampled_from(CONTROLS),
        st.sampled_from(DEPTHS),
    ).map(lambda draw: _hostile(case, json_body, *draw))


def _hostile(case, json_body: bool, kind: str, pick: int, char: str, wire_char: str, depth: int):
    if case.headers is None:
        case.headers = {}
    if kind == "text" and (places := _places(case)):
        where, key, value = places[pick % len(places)]
        if where == "body" and json_body:
            case.body = json_bytes(_replaced(case.body, key, _poison(value, char, pick)))
        elif where == "body":  # a form's bytes cannot carry a lone surrogate
            case.body = _replaced(case.body, key, _poison(value, wire_char, pick))
        elif where == "query":
            case.query = {**case.query, key[0]: _poison(value, wire_char, pick)}
        else:
            case.path_parameters = {**case.path_parameters, key[0]: _poison(str(value), wire_char, pick)}
        case.headers[HOSTILE] = f"text-{where}"
    elif kind == "deep" and json_body:
        leaves = [where for where, _ in _leaves(case.body)] or [()]
        case.body = json_bytes(_replaced(case.body, leaves[pick % len(leaves)], Deep(depth)))
        case.headers[HOSTILE] = "deep-body"
    elif kind == "bool" and json_body:
        numbers = [w for w, v in _leaves(case.body) if isinstance(v, int | float) and not isinstance(v, bool)]
        if numbers:
            case.body = _replaced(case.body, numbers[pick % len(numbers)], True)
            case.headers[HOSTILE] = "bool-body"
    return case


def hostile_refused(ctx, response, case):
    """A control character or surrogate in the path or the query string is refused, never served."""
    if case.headers.get(HOSTILE, "") in ("text-path", "text-query") and not 400 <= response.status_code < 500:
        raise AssertionError(f"{case.method} {case.formatted_path} {case.query} answered {response.status_code}")
    return None


GUARD_REFUSALS = [message.split("{")[0] for message in (PATH_FORBIDDEN, QUERY_FORBIDDEN, TEXT_FORBIDDEN)]
GUARD_REFUSALS += [JSON_TOO_DEEP, BODY_TOO_LARGE.split("{")[0]]


def conforms_unless_refused_before_the_view(ctx, response, case):
    """The response matches its documented schema, unless the request guard (common.inputs) refused the request
    before any view ran: that 400 is the same for every operation (docs/reliability.md), and an operation's own
    documented 400 (e.g. a refused import's record) does not describe it."""
    if response.status_code in (400, 413) and HOSTILE in (case.headers or {}):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (400, 413) and isinstance(body, dict) and len(body) == 1:
        (messages,) = body.values()
        message = messages[0] if isinstance(messages, list) and messages else messages
        if isinstance(message, str) and message.startswith(tuple(GUARD_REFUSALS)):
            return None
    return response_schema_conformance(ctx, response, case)


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
        checks=[not_a_server_error, hostile_refused, conforms_unless_refused_before_the_view, content_type_conformance],
    )
