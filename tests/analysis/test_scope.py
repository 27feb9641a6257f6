"""Sharing scope of the analyses: own data and data shared under an MOU with search scope count; data of an
agency that does not share, shares only alerts, or is out of state does not, and its cameras are refused."""

import datetime as dt

import pytest

from agencies.access import Scope
from agencies.choices import Role
from reads.analysis.places import CAMERAS_NOT_SEARCHABLE
from reads.models import AccessLogEntry

from ..factories import AgencyFactory, UserFactory
from ..sharing.conftest import active_mou

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)
TARGET = "7TGT001"


@pytest.fixture
def world(agency, other_agency, nevada_agency, make_camera, plant, base_time, cameras):
    """The caller's agency (Palm Vista); Desert Springs shares search with it; Mesa shares only alerts; Coachella
    shares nothing; Reno is out of state. Each has a camera next to Palm Vista's camera A where the target and a
    vehicle of that agency's name were read together twice, on two days."""
    alerts_only = AgencyFactory(name="Mesa County Sheriff", slug="mesa-so", ori="CA0330000")
    unshared = AgencyFactory(name="Coachella Police Department", slug="coachella-pd", ori="CA0330700")
    active_mou(other_agency, agency, scopes=(Scope.SEARCH,))
    active_mou(alerts_only, agency, scopes=(Scope.ALERTS,))
    owners = {"OWN": agency, "PARTNER": other_agency, "ALERTS": alerts_only, "UNSHARED": unshared, "NV": nevada_agency}
    plates = {"OWN": "1OWN001", "PARTNER": "2PRT002", "ALERTS": "3ALR003", "UNSHARED": "4UNS004", "NV": "5NEV005"}
    cams = {}
    for key, owner in owners.items():
        camera = cameras["A"] if key == "OWN" else make_camera(owner, f"{key} camera", at=(33.8303, -116.5453))
        cams[key] = camera
        for day in (0, 1):
            at = base_time + dt.timedelta(days=day, hours=list(owners).index(key))
            plant(camera, TARGET, at)
            plant(camera, plates[key], at + 10 * S)
    return {"owners": owners, "plates": plates, "cameras": cams}


def test_convoy_reaches_own_and_partner_data_only(client_for, investigator, world, analysis_body):
    body = client_for(investigator).post("/api/v1/analysis/convoy/", analysis_body(plate=TARGET), format="json")
    assert body.status_code == 200, body.content
    assert {r["plate"] for r in body.json()["results"]} == {"1OWN001", "2PRT002"}
    # Only the target's reads the caller may search are looked around.
    assert body.json()["target_reads"] == 4
    entry = AccessLogEntry.objects.get()
    assert sorted(entry.agencies_searched) == sorted([world["owners"]["OWN"].pk, world["owners"]["PARTNER"].pk])


def test_an_analysis_reaching_a_partners_data_needs_the_attestation(client_for, investigator, world, analysis_body):
    body = analysis_body(plate=TARGET)
    del body["attestation"]
    response = client_for(investigator).post("/api/v1/analysis/convoy/", body, format="json")
    assert response.status_code == 400 and "attestation" in response.json()
    assert not AccessLogEntry.objects.exists()
    on_behalf = {**analysis_body(plate=TARGET), "on_behalf_of": "other", "on_behalf_of_ori": "DCFBIWA00"}
    response = client_for(investigator).post("/api/v1/analysis/convoy/", on_behalf, format="json")
    assert response.status_code == 400 and "on_behalf_of" in str(response.json())
    assert not AccessLogEntry.objects.exists()


def test_locate_counts_only_searchable_reads(client_for, investigator, world, analysis_body):
    body = client_for(investigator).post("/api/v1/analysis/locate/", analysis_body(plate=TARGET), format="json")
    assert body.json()["reads"] == 4
    names = {c["name"] for p in body.json()["places"] for c in p["cameras"]}
    assert names == {"Camera A", "PARTNER camera"}


@pytest.mark.parametrize(("key", "allowed"), [("PARTNER", True), ("ALERTS", False), ("UNSHARED", False), ("NV", False)])
def test_places_accepts_only_cameras_the_caller_may_search(
    client_for, investigator, world, analysis_body, base_time, key, allowed
):
    camera = world["cameras"][key]
    window = {
        "start": (base_time - dt.timedelta(hours=1)).isoformat(),
        "end": (base_time + dt.timedelta(days=2)).isoformat(),
    }
    places = [{"cameras": [camera.pk], **window}, {"cameras": [world["cameras"]["OWN"].pk], **window}]
    response = client_for(investigator).post("/api/v1/analysis/places/", analysis_body(places=places), format="json")
    if allowed:
        assert response.status_code == 200, response.content
        assert [r["plate"] for r in response.json()["results"]] == [TARGET]
    else:
        assert response.status_code == 400
        assert response.json()["places"] == ["Place 1: " + CAMERAS_NOT_SEARCHABLE.format(ids=camera.pk)]
        assert not AccessLogEntry.objects.exists()


def test_places_by_point_leaves_out_unshared_reads(client_for, investigator, world, analysis_body, base_time):
    window = {
        "start": (base_time - dt.timedelta(hours=1)).isoformat(),
        "end": (base_time + dt.timedelta(days=2)).isoformat(),
    }
    point = {"latitude": 33.8303, "longitude": -116.5453, "radius_m": 50}
    body = analysis_body(places=[{**point, **window}, {**point, **window}])
    results = client_for(investigator).post("/api/v1/analysis/places/", body, format="json").json()["results"]
    assert {r["plate"] for r in results} == {TARGET, "1OWN001", "2PRT002"}
    assert next(r for r in results if r["plate"] == TARGET)["evidence"][0]["reads"] == 4


def test_a_partner_runs_a_convoy_over_the_owner_data(world, client_for, analysis_body):
    """Desert Springs shares with Palm Vista, not the other way: Palm Vista's data is out of a Desert Springs user's
    reach, so only Desert Springs' own reads count for them."""
    partner_user = UserFactory(username="ds-analyst", agency=world["owners"]["PARTNER"], role=Role.INVESTIGATOR)
    body = client_for(partner_user).post("/api/v1/analysis/convoy/", analysis_body(plate=TARGET), format="json")
    assert [r["plate"] for r in body.json()["results"]] == ["2PRT002"]
    assert AccessLogEntry.objects.get().agencies_searched == [world["owners"]["PARTNER"].pk]


def test_an_untrained_user_is_refused(make_user, client_for, world, analysis_body):
    user = make_user(Role.INVESTIGATOR, username="untrained", trained=False)
    response = client_for(user).post("/api/v1/analysis/convoy/", analysis_body(plate=TARGET), format="json")
    assert response.status_code == 403
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("key", ["ALERTS", "UNSHARED", "NV"])
def test_a_target_read_the_caller_may_not_search_is_unknown(client_for, investigator, world, analysis_body, key):
    from reads.analysis.convoy import TARGET_READ_UNKNOWN
    from reads.models import Read

    read = Read.objects.filter(owner_agency=world["owners"][key], plate=TARGET).first()
    response = client_for(investigator).post("/api/v1/analysis/convoy/", analysis_body(read_id=read.pk), format="json")
    assert response.status_code == 400
    assert response.json()["read_id"] == [TARGET_READ_UNKNOWN.format(id=read.pk)]
    assert not AccessLogEntry.objects.exists()
