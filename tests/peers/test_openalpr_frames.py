"""OpenALPR frames (`alpr_results`), then the `alpr_group` of the same vehicle: one read."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hotlists.models import Alert
from reads.choices import CameraPeer
from reads.models import Read

from .conftest import document_json, nothing_stored

pytestmark = pytest.mark.django_db
URL = reverse("ingest-openalpr")


@pytest.fixture
def agent_camera(make_camera, agency):
    return make_camera(agency, "Gate 2 agent", agent_uid="X8RmEkBcprSRbF7quG1h", agent_camera_id=1234567)


def _group(uuids, best_uuid, plate, confidence, epoch_ms):
    return {
        "version": 1, "data_type": "alpr_group", "epoch_start": epoch_ms, "epoch_end": epoch_ms + 600,
        "agent_uid": "X8RmEkBcprSRbF7quG1h", "camera_id": 1234567, "uuids": uuids, "best_uuid": best_uuid,
        "best_plate_number": plate, "best_confidence": confidence, "best_region": "ca",
        "best_plate": {"plate": plate, "confidence": confidence, "candidates": []},
    }  # fmt: skip


def test_frames_then_group_make_one_read(camera_client, agent_camera, listed, found_by_search):
    listed("6TRJ244")
    start = timezone.now() - dt.timedelta(minutes=5)
    frames = []
    for n, (plate, confidence) in enumerate((("6TRJ24A", 71.0), ("6TRJ244", 88.5), ("6TRJ244", 84.0))):
        at = start + dt.timedelta(milliseconds=200 * n)
        body = document_json(
            "openalpr_results.json", at=at, PLATE=plate, CONFIDENCE=confidence, UUID=f"palm-vista-cam1234567-{n}"
        )
        frames.append(body["uuid"])
        response = camera_client.post(URL, body, format="json")
        assert response.status_code in (200, 201), response.content
    # 6TRJ24A and 6TRJ244 share no OCR-confusion key (A is no 4): two reads so far, until the group gathers them.
    assert Read.objects.count() == 2
    group = _group(frames, frames[1], "6TRJ244", 88.5, int(start.timestamp() * 1000))
    response = camera_client.post(URL, group, format="json")
    assert response.status_code == 200, response.content
    read = Read.objects.get()
    assert (read.plate, read.confidence, read.plate_state) == ("6TRJ244", pytest.approx(0.885), "CA")
    assert Alert.objects.get().read_id == read.pk  # the read kept is the one the alert names
    assert found_by_search("6TRJ244") == ["6TRJ244"] and Alert.objects.count() == 1


def test_frames_of_one_plate_merge_without_a_group(camera_client, agent_camera):
    start = timezone.now() - dt.timedelta(minutes=5)
    for n, confidence in enumerate((80.0, 92.0, 85.0)):
        body = document_json(
            "openalpr_results.json",
            at=start + dt.timedelta(milliseconds=300 * n),
            CONFIDENCE=confidence,
            UUID=f"site-cam1234567-{n}",
        )
        assert camera_client.post(URL, body, format="json").status_code in (200, 201)
    read = Read.objects.get()
    assert read.confidence == pytest.approx(0.92)
    assert read.candidates[1]["plate"] == "7A8C123"


def test_camera_mapped_by_external_id(camera_client, peer_camera):
    camera = peer_camera(CameraPeer.OPENALPR, "X8RmEkBcprSRbF7quG1h:1234567")
    assert camera_client.post(URL, document_json("openalpr_results.json"), format="json").status_code == 201
    assert Read.objects.get().camera_id == camera.pk


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(results=[]), "results"),
        (lambda d: d["results"][0].update(plate=""), "results[0].plate"),
        (lambda d: d.update(epoch_time=10**20), "epoch_time"),
        (lambda d: d["results"][0].update(confidence="very"), "results[0].confidence"),
        (lambda d: d.update(camera_id=99), "99"),
    ],
)
def test_bad_frames(camera_client, agent_camera, change, message):
    body = document_json("openalpr_results.json")
    change(body)
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 400 and message in response.content.decode() and nothing_stored()


def test_unknown_and_inactive_agent_cameras_are_refused_naming_them(camera_client, agent_camera, peer_camera):
    from reads.api.views import INACTIVE_AGENT_CAMERA, UNKNOWN_AGENT_CAMERA
    from reads.peers.ingest import INACTIVE_CAMERA

    body = document_json("openalpr_results.json")
    unknown = camera_client.post(URL, {**body, "camera_id": 99}, format="json")
    assert unknown.json() == {"camera_id": [UNKNOWN_AGENT_CAMERA.format(agent="X8RmEkBcprSRbF7quG1h", camera=99)]}
    agent_camera.is_active = False
    agent_camera.save()
    inactive = camera_client.post(URL, body, format="json")
    assert inactive.json() == {"camera": [INACTIVE_AGENT_CAMERA.format(agent="X8RmEkBcprSRbF7quG1h", camera=1234567)]}
    mapped = peer_camera(CameraPeer.OPENALPR, "X8RmEkBcprSRbF7quG1h:77")
    mapped.is_active = False
    mapped.save()
    by_external_id = camera_client.post(URL, {**body, "camera_id": 77}, format="json")
    assert by_external_id.json() == {
        "camera": [INACTIVE_CAMERA.format(peer="OpenALPR / Rekor agent", identifier="X8RmEkBcprSRbF7quG1h:77",
                                          name=mapped.name)]
    }  # fmt: skip
    assert unknown.status_code == inactive.status_code == by_external_id.status_code == 400 and nothing_stored()
