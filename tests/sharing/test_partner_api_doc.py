"""docs/partner-api.md, run: every `issue_token` and `curl` example against the real API, every JSON response
compared with what the API answers, in the order the guide gives them, so the guide cannot go stale.

How the guide is read:
- ```sh blocks: `VAR=$(python manage.py issue_token ...)` runs the command and keeps the secret in VAR; a `curl`
  command is parsed (-X, -H, --data, -F, the URL) with $VARS substituted.
- ```json blocks: the response of the curl before them, compared as a subset (every key shown must be there with
  the value shown; lists must have the same length), or, tagged `request`, the body a `--data @file` refers to.
- `<!-- test: ... -->` just before a block tags it: `request`; `ignore KEY...` (values not compared: timestamps,
  dates, generated ids); `rebase KEY...` (request dates moved to today, since the guide's dates are fixed);
  `save id as VAR`.
"""

import datetime as dt
import io
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.access import Scope
from agencies.choices import AgencyKind, Role
from reads.models import AccessLogEntry, Camera
from sharing import services
from sharing.models import MOU

from ..factories import AgencyFactory, UserFactory
from .conftest import draft_mou, signed_pdf

pytestmark = pytest.mark.django_db

GUIDE = Path(settings.BASE_DIR) / "docs" / "partner-api.md"
HOST = "https://alpr.example.gov"
BLOCK = re.compile(r"(?:<!--\s*test:\s*(?P<tags>.*?)\s*-->\s*\n)?```(?P<lang>\w*)\n(?P<body>.*?)\n```", re.S)


@dataclass
class Example:
    lang: str
    body: str
    tags: list[str] = field(default_factory=list)

    def tag(self, name: str) -> list[str] | None:
        for tag in self.tags:
            words = tag.split()
            if words and words[0] == name:
                return words[1:]
        return None


def examples() -> list[Example]:
    text = GUIDE.read_text()
    return [
        Example(m["lang"], m["body"], [t.strip() for t in (m["tags"] or "").split(";") if t.strip()])
        for m in BLOCK.finditer(text)
    ]


@dataclass
class Request:
    method: str = "GET"
    path: str = ""
    headers: dict = field(default_factory=dict)
    data: object = None
    data_file: bool = False
    multipart: dict | None = None


def parse_curl(command: str, variables: dict) -> Request:
    for name, value in variables.items():
        command = command.replace(f"${name}", value)
    assert "$" not in command.replace("$(", ""), f"unknown variable in: {command}"
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "curl", command
    request, index = Request(), 1
    while index < len(words):
        word = words[index]
        if word == "-s":
            pass
        elif word == "-X":
            index += 1
            request.method = words[index]
        elif word == "-H":
            index += 1
            name, value = words[index].split(":", 1)
            request.headers[name.strip()] = value.strip()
        elif word in ("--data", "-d"):
            index += 1
            request.method = request.method if request.method != "GET" else "POST"
            if words[index].startswith("@"):
                request.data_file = True
            else:
                request.data = json.loads(words[index])
        elif word == "-F":
            index += 1
            key, value = words[index].split("=", 1)
            request.multipart = request.multipart or {}
            request.multipart[key] = signed_pdf(value[1:]) if value.startswith("@") else value
        elif word.startswith(HOST):
            request.path = word[len(HOST) :]
        else:
            raise AssertionError(f"the guide's curl uses {word!r}, which this test does not understand")
        index += 1
    return request


def rebase(body: dict, keys: list[str]) -> dict:
    now, today = timezone.now(), timezone.localdate()
    moved = {
        "start": (now - dt.timedelta(days=7)).isoformat(),
        "end": (now + dt.timedelta(minutes=1)).isoformat(),
        "effective_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
    }
    return {**body, **{key: moved[key] for key in keys}}


def assert_matches(expected, actual, ignore: set[str], where: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} is in the guide but not in the response {actual!r}"
            if key not in ignore:
                assert_matches(value, actual[key], ignore, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {expected!r} != {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_matches(want, got, ignore, f"{where}[{index}]")
    else:
        assert expected == actual, f"{where}: the guide says {expected!r}, the API answers {actual!r}"


@pytest.fixture
def guide_world(make_camera, store_reads):
    """The agencies, people, MOU 7 and the read the guide talks about."""
    palm = AgencyFactory(pk=101, name="Palm Vista Police Department", slug="palm-vista-pd", ori="CA0330400")
    desert = AgencyFactory(pk=102, name="Desert Springs Police Department", slug="desert-springs-pd", ori="CA0330500")
    AgencyFactory(pk=103, name="Mesa County Sheriff's Office", slug="mesa-county-so", ori="CA0330000", kind="sheriff")
    AgencyFactory(
        pk=104,
        name="Silver State City Police Department",
        slug="silver-state-city-pd",
        ori="NV0160200",
        state="NV",
        kind=AgencyKind.MUNICIPAL_POLICE,
    )
    UserFactory(username="ds-analyst", agency=desert, role=Role.INVESTIGATOR)
    UserFactory(username="pv-clerk", agency=palm, role=Role.RECORDS_CLERK)
    mou = draft_mou(
        palm,
        desert,
        scopes=[Scope.SEARCH, Scope.ALERTS],
        owner_signatory="Chief Dana Ortiz, Palm Vista PD",
        partner_signatory="Chief Sam Lee, Desert Springs PD",
        justification="Shared auto-theft and burglary corridor on Highway 111.",
    )
    MOU.objects.filter(pk=mou.pk).update(id=7)
    services.mou_activate(mou=MOU.objects.get(pk=7))
    camera = Camera.objects.create(
        pk=11,
        agency=palm,
        name="Highway 111 at Date Palm Dr eastbound",
        location=Point(-116.4453, 33.7803, srid=4326),
        is_active=True,
    )
    store_reads(camera, ["7ABC123"], plate_state="CA", vehicle_make="Toyota", vehicle_color="silver")
    # Section 4a's convoy: 6TRK554 read three times at cameras 11 and 12, 8XYZ789 beside it each time, 5DEF246 twice.
    ramon = Camera.objects.create(
        pk=12, agency=palm, name="Ramon Rd at Bob Hope Dr westbound", location=Point(-116.4100, 33.8000, srid=4326),
        is_active=True,
    )  # fmt: skip
    now = timezone.now()
    for camera_at, at, beside in (
        (camera, now - dt.timedelta(hours=1), {"8XYZ789": 25, "5DEF246": 50}),
        (ramon, now - dt.timedelta(days=1), {"8XYZ789": -40}),
        (camera, now - dt.timedelta(days=2), {"8XYZ789": 12, "5DEF246": -5}),
    ):
        store_reads(camera_at, ["6TRK554"], at=at, plate_state="CA")
        for plate, seconds in beside.items():
            store_reads(camera_at, [plate], at=at + dt.timedelta(seconds=seconds), plate_state="CA")
    return {"palm": palm, "desert": desert}


def test_the_partner_guide_runs_as_written(guide_world):
    variables: dict[str, str] = {}
    client = APIClient()
    pending: Request | None = None
    pending_body = None
    ran = 0

    def send(request: Request, body, response_example: Example | None):
        nonlocal ran
        keys = (response_example.tag("rebase") if response_example else None) or []
        if isinstance(body, dict) and keys:
            body = rebase(body, keys)
        token = request.headers.get("Authorization")
        client.credentials(**({"HTTP_AUTHORIZATION": token} if token else {}))
        if request.multipart is not None:
            response = client.post(request.path, request.multipart, format="multipart")
        elif request.method == "GET":
            response = client.get(request.path)
        else:
            payload = json.dumps(body) if body is not None else ""
            response = client.generic(request.method, request.path, payload, content_type="application/json")
        assert response.status_code < 500, response.content
        ran += 1
        return response

    for example in examples():
        if example.lang == "sh":
            if pending is not None:  # a curl with no response shown: run it all the same
                send(pending, pending_body, None)
                pending = None
            assignment = re.match(r"(\w+)=\$\(python manage\.py issue_token (.*)\)$", example.body.strip())
            if assignment:
                out = io.StringIO()
                call_command("issue_token", *shlex.split(assignment[2]), stdout=out, stderr=io.StringIO())
                variables[assignment[1]] = out.getvalue().strip()
                continue
            pending, pending_body = parse_curl(example.body, variables), None
            pending_body = pending.data
        elif example.lang == "json":
            document = json.loads(example.body)
            if example.tag("request") is not None:
                assert pending is not None and pending.data_file, "a request body must follow its curl"
                pending_body = rebase(document, example.tag("rebase") or [])
                continue
            assert pending is not None, f"a JSON response with no curl before it: {example.body[:80]}"
            response = send(pending, pending_body, example)
            assert_matches(document, response.json(), set(example.tag("ignore") or []), pending.path)
            saved = example.tag("save")
            if saved:
                variables[saved[-1]] = str(response.json()[saved[0]])
            pending = None
    assert pending is None
    assert ran >= 10, "the guide lost its examples"
    # The search in section 4 recorded who searched, for which agency, and whose data.
    entry = AccessLogEntry.objects.filter(username="ds-analyst", result_count=1).get()
    assert entry.agency == guide_world["desert"]
    assert entry.agencies_searched == [guide_world["palm"].pk]
    assert entry.case_number == "DS-2026-000815"
    # Section 6 left the sheriff's MOU revoked, and the Nevada partner refused.
    assert MOU.objects.get(partner__slug="mesa-county-so").status == MOU.Status.REVOKED
    assert not MOU.objects.filter(partner__slug="silver-state-city-pd").exists()
