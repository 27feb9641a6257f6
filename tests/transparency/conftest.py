"""Fixtures of the transparency tests: a scene of reads, hits, searches and MOUs made through the real services,
and the counts taken straight from the tables to compare the portal with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from agencies.access import Scope
from agencies.choices import Role
from hotlists.choices import Category, HotlistSource
from hotlists.models import Alert, Hotlist
from hotlists.services import hotlist_entry_create
from reads.access_log import access_log_write
from reads.choices import AccessAction, CameraKind, Channel, Purpose, ReadSource
from reads.models import AccessLogEntry, Camera, Read
from reads.services import read_ingest
from sharing.models import MOU
from transparency.demo import policy_text
from transparency.services import usage_policy_create, usage_policy_publish

from ..factories import AgencyFactory
from ..sharing.conftest import active_mou

# What must never appear on a public page: the scene's plates, people, case numbers and camera details.
PLATE_ON_HOTLIST = "8SEC123"
PLATES = ["7ABC123", "6XYZ789", "5PRIVATE", PLATE_ON_HOTLIST]
CAMERA_NAME = "Secret Canyon Rd & Hidden Way NB"
CAMERA_LAT, CAMERA_LON = 33.8237, -116.5468
CASE_NUMBER = "PV-2026-SECRET-77"
INVESTIGATOR = "det-hidden-name"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clerk(make_user):
    return make_user(Role.RECORDS_CLERK, username="pv-clerk")


@pytest.fixture
def clerk_client(clerk, verified_client):
    return verified_client(clerk)


@pytest.fixture
def publish_policy(clerk):
    def _publish(agency, **overrides):
        policy = usage_policy_create(agency=agency, user=clerk, **{**policy_text(agency), **overrides})
        return usage_policy_publish(policy=policy, user=clerk)

    return _publish


def record_search(user, agency, *, purpose=Purpose.CRIMINAL_INVESTIGATION, searched=(), plate="7ABC123"):
    """One search's access-log row, through the one access-log writer."""
    return access_log_write(
        user=user,
        agency=agency,
        action=AccessAction.SEARCH,
        channel=Channel.API,
        purpose=purpose,
        case_number=CASE_NUMBER,
        query={"plate": plate},
        result_count=1,
        agencies_searched=searched or [agency.pk],
    )


class Scene:
    """Counts straight from the tables, for the portal's figures to be compared with."""

    def __init__(self, agency):
        self.agency = agency

    def window(self, days=30):
        today = timezone.localdate()
        start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
        return start, end

    def reads(self):
        start, end = self.window()
        return Read.objects.filter(owner_agency=self.agency, captured_at__gte=start, captured_at__lt=end).count()

    def hits(self):
        start, end = self.window()
        return Alert.objects.filter(agency=self.agency, created_at__gte=start, created_at__lt=end).count()

    def searches(self):
        start, end = self.window()
        return AccessLogEntry.objects.filter(agency=self.agency, action="search", at__gte=start, at__lt=end).count()

    def searches_to_date(self):
        return AccessLogEntry.objects.filter(agency=self.agency, action="search").count()

    def by_purpose(self, purpose):
        start, end = self.window()
        return AccessLogEntry.objects.filter(
            agency=self.agency, action="search", purpose=purpose, at__gte=start, at__lt=end
        ).count()

    def partners_with_access(self):
        return MOU.objects.in_effect().filter(owner=self.agency).values("partner").distinct().count()

    def agencies_sharing_in(self):
        return (
            MOU.objects.in_effect()
            .filter(partner=self.agency)
            .exclude(owner__kind="private_entity")
            .values("owner")
            .distinct()
            .count()
        )

    def cameras(self):
        return Camera.objects.filter(agency=self.agency, is_active=True).count()


@pytest.fixture
def scene(agency, other_agency, private_entity, make_user, publish_policy):
    """palm-vista-pd with two cameras, reads over several days (one on a hotlist), searches for two purposes, one
    partner search, an MOU each way and a private entity sharing in; plus another agency's activity, which must not
    be counted."""
    investigator = make_user(Role.INVESTIGATOR, username=INVESTIGATOR)
    fixed = Camera.objects.create(
        agency=agency, name=CAMERA_NAME, location=Point(CAMERA_LON, CAMERA_LAT, srid=4326), is_active=True
    )
    mobile = Camera.objects.create(agency=agency, name="Patrol unit 9", kind=CameraKind.MOBILE, is_active=True)
    hotlist = Hotlist.objects.create(
        agency=agency,
        name="Operation Hidden Name",
        source=HotlistSource.CA_DOJ_STOLEN_VEHICLES,
        category=Category.STOLEN_VEHICLE,
    )
    hotlist_entry_create(hotlist=hotlist, user=investigator, plate=PLATE_ON_HOTLIST, case_number=CASE_NUMBER)
    now = timezone.now()
    counter = 0
    for days_ago, plates, camera in [(0, PLATES, fixed), (3, PLATES[:2], fixed), (10, PLATES[:3], mobile)]:
        items = []
        for plate in plates:
            counter += 1
            item = {
                "camera": camera.pk,
                "captured_at": (now - dt.timedelta(days=days_ago, minutes=5 + counter)).isoformat(),
                "plate": plate,
                "source_id": f"tr-{counter}",
            }
            if camera.kind == CameraKind.MOBILE:
                item.update(latitude=CAMERA_LAT, longitude=CAMERA_LON)
            items.append(item)
        read_ingest(agency=agency, items=items, source=ReadSource.CAMERA_PUSH)
    # Another agency's reads and searches: not ours.
    other_camera = Camera.objects.create(
        agency=other_agency, name="Other camera", location=Point(-116.4, 33.8, srid=4326), is_active=True
    )
    read_ingest(
        agency=other_agency,
        items=[{"camera": other_camera.pk, "captured_at": now.isoformat(), "plate": "1OTHER1", "source_id": "o-1"}],
        source=ReadSource.CAMERA_PUSH,
    )
    other_user = make_user(Role.INVESTIGATOR, agency=other_agency, username="ds-det")
    for _ in range(3):
        record_search(investigator, agency, purpose=Purpose.CRIMINAL_INVESTIGATION)
    record_search(investigator, agency, purpose=Purpose.STOLEN_VEHICLE)
    record_search(other_user, other_agency)
    record_search(other_user, other_agency, searched=[other_agency.pk, agency.pk])  # reaches our data
    active_mou(agency, other_agency, scopes=(Scope.SEARCH, Scope.ALERTS))
    third = AgencyFactory(name="Cathedral Hills Police Department", slug="cathedral-hills-pd", ori="CA0330600")
    active_mou(third, agency, scopes=(Scope.HOTLISTS,))
    active_mou(private_entity, agency, scopes=(Scope.SEARCH,))
    publish_policy(agency)
    return Scene(agency)
