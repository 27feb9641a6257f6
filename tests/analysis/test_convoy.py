"""Convoy analysis through the API: planted companions ranked, evidence pairs, logging, bad input, export, hold."""

import datetime as dt

import pytest

from reads.analysis.common import window_max_days
from reads.analysis.convoy import TARGET_NOT_FOUND, TARGET_READ_UNKNOWN
from reads.choices import AccessAction, Channel
from reads.models import AccessLogEntry, EvidenceHold
from reads.purpose import CASE_NUMBER_REQUIRED

pytestmark = pytest.mark.django_db

URL = "/api/v1/analysis/convoy/"
TARGET = "7TGT001"
S = dt.timedelta(seconds=1)


@pytest.fixture
def convoy_scene(cameras, plant, base_time):
    """The target's six reads and the vehicles read beside them (see each line for what it should count as)."""
    A, B, C, D = (cameras[name] for name in "ABCD")
    day0, day1 = base_time, base_time + dt.timedelta(days=1)
    t = {
        "A0": plant(A, TARGET, day0),
        "B0": plant(B, TARGET, day0 + dt.timedelta(minutes=10)),
        "A0b": plant(A, TARGET, day0 + dt.timedelta(hours=4)),
        "C1": plant(C, TARGET, day1),
        "A1": plant(A, TARGET, day1 + dt.timedelta(hours=1)),
        "D1": plant(D, TARGET, day1 + dt.timedelta(hours=2)),
    }
    # The convoy: beside the target 4 times, at 3 cameras, on 2 days.
    companion = [
        plant(A, "8CMP002", day0 + 10 * S),
        plant(B, "8CMP002", day0 + dt.timedelta(minutes=10) - 20 * S),
        plant(C, "8CMP002", day1 + 5 * S),
        plant(A, "8CMP002", day1 + dt.timedelta(hours=1) + 30 * S),
    ]
    # Twice, at 2 cameras.
    plant(A, "6ALT003", day0 + 40 * S)
    plant(C, "6ALT003", day1 - 50 * S)
    # Twice at one camera, on 2 days.
    plant(A, "6ALT004", day0 + 15 * S)
    plant(A, "6ALT004", day1 + dt.timedelta(hours=1) + 15 * S)
    # Twice, but at one camera on one day: not a convoy.
    plant(A, "5SAME05", day0 + 5 * S)
    plant(A, "5SAME05", day0 + dt.timedelta(hours=4) + 5 * S)
    # Reads with no plate (a placeholder text) beside it twice at 2 cameras: no vehicle to name.
    plant(A, "NOPLATE", day0 + 7 * S, plate_kind="none", plate_state="")
    plant(B, "NOPLATE", day0 + dt.timedelta(minutes=10) + 7 * S, plate_kind="none", plate_state="")
    # Once only.
    plant(D, "4ONCE06", day1 + dt.timedelta(hours=2) + 3 * S)
    # Twice, 90 s away: outside the default ±60 s.
    plant(A, "3FAR007", day0 + 90 * S)
    plant(C, "3FAR007", day1 + 90 * S)
    return {"targets": t, "companion": companion}


def test_the_planted_convoy_ranks_first_then_by_places(client_for, investigator, convoy_scene, analysis_body):
    response = client_for(investigator).post(URL, analysis_body(plate=TARGET), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["plate"] for r in body["results"]] == ["8CMP002", "6ALT003", "6ALT004"]
    first = body["results"][0]
    assert (first["plate_state"], first["together"], first["places"], first["days"]) == ("CA", 4, 3, 2)
    # 4 times together, plus 3 places over the target's 4 cameras + 1.
    assert first["score"] == pytest.approx(4 + 3 / 5)
    assert [r["score"] for r in body["results"]] == sorted((r["score"] for r in body["results"]), reverse=True)
    assert (body["results"][1]["together"], body["results"][1]["places"]) == (2, 2)
    assert (body["results"][2]["together"], body["results"][2]["places"]) == (2, 1)
    assert body["count"] == 3 and body["target_reads"] == 6


def test_each_result_carries_its_pairs_of_reads(client_for, investigator, convoy_scene, analysis_body):
    body = client_for(investigator).post(URL, analysis_body(plate=TARGET), format="json").json()
    pairs = body["results"][0]["evidence"]
    targets = convoy_scene["targets"]
    assert {(p["target"]["id"], p["companion"]["id"]) for p in pairs} == set(
        zip([targets["A0"], targets["B0"], targets["C1"], targets["A1"]], convoy_scene["companion"], strict=True)
    )
    assert sorted(p["seconds_apart"] for p in pairs) == [-20, 5, 10, 30]
    assert all(p["target"]["plate"] == TARGET and p["companion"]["plate"] == "8CMP002" for p in pairs)
    assert all(p["target"]["camera"] == p["companion"]["camera"] for p in pairs)


def test_seconds_and_min_together_change_the_answer(client_for, investigator, convoy_scene, analysis_body):
    client = client_for(investigator)
    wide = client.post(URL, analysis_body(plate=TARGET, seconds=120), format="json").json()
    assert "3FAR007" in [r["plate"] for r in wide["results"]]
    strict = client.post(URL, analysis_body(plate=TARGET, min_together=3), format="json").json()
    assert [r["plate"] for r in strict["results"]] == ["8CMP002"]


def test_the_target_may_be_one_of_its_reads(client_for, investigator, convoy_scene, analysis_body):
    body = analysis_body(read_id=convoy_scene["targets"]["C1"])
    response = client_for(investigator).post(URL, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["plate"] == TARGET
    assert response.json()["results"][0]["plate"] == "8CMP002"


def test_one_access_log_row_with_criteria_and_count(client_for, investigator, convoy_scene, analysis_body):
    response = client_for(investigator).post(URL, analysis_body(plate=TARGET, seconds=45), format="json")
    entry = AccessLogEntry.objects.get()
    assert response.json()["access_log_id"] == entry.pk
    assert (entry.action, entry.channel, entry.case_number) == (AccessAction.SEARCH, Channel.API, "PV-2026-004242")
    assert entry.query["analysis"] == "convoy"
    assert entry.query["plate"] == TARGET and entry.query["seconds"] == 45 and entry.query["min_together"] == 2
    assert "start" in entry.query and "end" in entry.query
    assert entry.result_count == response.json()["count"]
    assert entry.agencies_searched == [investigator.membership.agency_id]


@pytest.mark.parametrize(
    ("criteria", "field", "message"),
    [
        ({"plate": "9NOPE99"}, "plate", TARGET_NOT_FOUND.format(plate="9NOPE99")),
        ({"read_id": 987654321}, "read_id", TARGET_READ_UNKNOWN.format(id=987654321)),
        ({"plate": TARGET, "case_number": ""}, "case_number", CASE_NUMBER_REQUIRED),
        ({"plate": TARGET, "start": None}, "start", None),
        ({"plate": TARGET, "seconds": 100_000}, "seconds", None),
        ({"plate": "7TG*"}, "plate", None),
    ],
)
def test_bad_input_is_refused_and_not_logged(
    client_for, investigator, convoy_scene, analysis_body, criteria, field, message
):
    body = {key: value for key, value in analysis_body(**criteria).items() if value is not None}
    response = client_for(investigator).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert not AccessLogEntry.objects.exists()


def test_a_window_longer_than_the_agency_allows_is_refused(client_for, investigator, convoy_scene, analysis_body):
    days = window_max_days(investigator.membership.agency)
    body = analysis_body(plate=TARGET)
    end = dt.datetime.fromisoformat(body["end"])
    body["start"] = (end - dt.timedelta(days=days + 1)).isoformat()
    response = client_for(investigator).post(URL, body, format="json")
    assert response.status_code == 400
    assert f"at most {days} days" in response.json()["end"][0]
    assert not AccessLogEntry.objects.exists()


def test_export_is_csv_logged_as_an_export(make_user, client_for, convoy_scene, analysis_body):
    from agencies.choices import Role

    user = make_user(Role.INVESTIGATOR, username="exporter")
    response = client_for(user).post(URL + "export/", analysis_body(plate=TARGET), format="json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("rank,plate,plate_state,score,together")
    assert len(lines) == 1 + 4 + 2 + 2  # a row per evidence pair
    assert lines[1].split(",")[1] == "8CMP002"
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.channel, entry.query["analysis"]) == (AccessAction.EXPORT, Channel.EXPORT, "convoy")


def test_export_needs_the_export_permission(make_user, client_for, convoy_scene, analysis_body):
    from agencies.choices import Role

    officer = make_user(Role.OFFICER, username="officer")
    if officer.has_perm("reads.export_read"):
        pytest.skip("officers may export in this role map")
    response = client_for(officer).post(URL + "export/", analysis_body(plate=TARGET), format="json")
    assert response.status_code == 403
    assert not AccessLogEntry.objects.exists()


def test_evidence_reads_can_be_held_for_the_case(client_for, investigator, convoy_scene, analysis_body):
    client = client_for(investigator)
    body = client.post(URL, analysis_body(plate=TARGET), format="json").json()
    ids = sorted({p[side]["id"] for p in body["results"][0]["evidence"] for side in ("target", "companion")})
    response = client.post(
        "/api/v1/holds/",
        {"case_number": "PV-2026-004242", "reason": "Convoy evidence", "read_ids": ids},
        format="json",
    )
    assert response.status_code == 201, response.content
    hold = EvidenceHold.objects.get()
    assert sorted(item.read_id for item in hold.items.all()) == ids


def test_query_count_does_not_grow_with_results(
    client_for, investigator, convoy_scene, analysis_body, django_assert_max_num_queries
):
    # Scope and training (a few), the target's reads, one ranked statement, one evidence load, the log row.
    with django_assert_max_num_queries(13):
        response = client_for(investigator).post(URL, analysis_body(plate=TARGET, seconds=120), format="json")
    assert len(response.json()["results"]) == 4
