"""Matching at ingest: exact / OCR-confusion / candidate, eligibility, expiry, grouping, constant query count."""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.access import Scope
from hotlists import matching
from hotlists.choices import AlertStatus, MatchKind, MatchStrategy, SubscriptionKind
from hotlists.matching import match_ingested_reads
from hotlists.models import Alert, NotificationOutbox
from hotlists.notifications import notification_subscription_create
from hotlists.services import alert_transition, hotlist_entry_create

pytestmark = pytest.mark.django_db


def _partners(mapping):
    def _fake(*, owner_id, scope):
        assert scope == Scope.ALERTS
        return mapping.get(owner_id, [])

    return _fake


@pytest.fixture(autouse=True)
def _no_partners(monkeypatch):
    # The sharing engine is tested by its own engineer; here a partner map is given per test.
    monkeypatch.setattr(matching, "partner_ids_with_scope", _partners({}))


def test_exact_match(agency, hotlist, entry_for, ingested, camera):
    entry = entry_for(hotlist, "7ABC123", case_number="PV-1")
    read = ingested(agency, "7ABC123", camera=camera)
    [alert] = match_ingested_reads([read])
    assert (alert.match_kind, alert.distance, alert.historical) == (MatchKind.EXACT, 0, False)
    assert (alert.agency_id, alert.hotlist_id, alert.entry_id) == (agency.pk, hotlist.pk, entry.pk)
    assert (alert.read_id, alert.plate, alert.plate_state, alert.image) == (read.id, "7ABC123", "CA", read.image)
    assert (alert.camera_id, alert.camera_name, alert.owner_agency_id) == (camera.pk, camera.name, agency.pk)
    assert (alert.list_name, alert.case_number, alert.reason) == (hotlist.name, "PV-1", hotlist.category)
    assert alert.status == AlertStatus.NEW


def test_ocr_confusion_match_when_the_list_allows_it(agency, make_hotlist, entry_for, ingested):
    fuzzy = make_hotlist("Fuzzy", strategy=MatchStrategy.CANONICAL)
    strict = make_hotlist("Strict", strategy=MatchStrategy.EXACT)
    entry_for(fuzzy, "8OB1234")
    entry_for(strict, "8OB1234")
    [alert] = match_ingested_reads([ingested(agency, "B0B1234")])  # B/8 and O/0 misread
    assert (alert.hotlist_id, alert.match_kind, alert.distance) == (fuzzy.pk, MatchKind.CANONICAL, 2)


def test_candidate_match_only_on_lists_that_ask_for_it(agency, make_hotlist, entry_for, ingested):
    with_candidates = make_hotlist("Candidates", strategy=MatchStrategy.CANDIDATES)
    canonical_only = make_hotlist("Canonical", strategy=MatchStrategy.CANONICAL)
    entry_for(with_candidates, "7ABC128")
    entry_for(canonical_only, "7ABC128")
    read = ingested(agency, "7ABC12X", candidates=["7ABC12Y", "7ABC128"])
    [alert] = match_ingested_reads([read])
    assert (alert.hotlist_id, alert.match_kind, alert.distance) == (with_candidates.pk, MatchKind.CANDIDATE, 2)
    assert alert.plate == "7ABC12X" and alert.entry_plate == "7ABC128"


def test_best_kind_wins_when_several_probes_hit_one_entry(agency, make_hotlist, entry_for, ingested):
    hotlist = make_hotlist(strategy=MatchStrategy.CANDIDATES)
    entry_for(hotlist, "7ABC123")
    [alert] = match_ingested_reads([ingested(agency, "7ABC123", candidates=["7A8C123"])])
    assert alert.match_kind == MatchKind.EXACT


def test_state_must_agree_when_both_are_known(agency, hotlist, entry_for, ingested):
    entry_for(hotlist, "ABC123", state="NV")
    assert match_ingested_reads([ingested(agency, "ABC123", state="CA")]) == []
    assert len(match_ingested_reads([ingested(agency, "ABC123", state="")])) == 1
    entry_for(hotlist, "XYZ789", state="")
    assert len(match_ingested_reads([ingested(agency, "XYZ789", state="AZ")])) == 1


def test_expired_entries_and_inactive_lists_stop_matching(agency, make_hotlist, entry_for, ingested):
    active = make_hotlist("Active")
    entry_for(active, "OLD1", expires_at=timezone.now() - dt.timedelta(seconds=1))
    entry_for(active, "NEW1", expires_at=timezone.now() + dt.timedelta(days=1))
    inactive = make_hotlist("Off", is_active=False)
    entry_for(inactive, "OFF1")
    alerts = match_ingested_reads([ingested(agency, p) for p in ("OLD1", "NEW1", "OFF1")])
    assert [a.plate for a in alerts] == ["NEW1"]


def test_other_agencies_lists_match_only_with_the_alerts_scope(
    agency, other_agency, make_hotlist, entry_for, ingested, monkeypatch
):
    theirs = make_hotlist("Desert Springs stolen", owner=other_agency)
    entry_for(theirs, "7ABC123")
    assert match_ingested_reads([ingested(agency, "7ABC123")]) == []
    # Palm Vista's MOU grants Desert Springs the alerts scope: Palm Vista's reads hit Desert Springs' lists.
    monkeypatch.setattr(matching, "partner_ids_with_scope", _partners({agency.pk: [other_agency.pk]}))
    [alert] = match_ingested_reads([ingested(agency, "7ABC123")])
    assert (alert.agency_id, alert.owner_agency_id) == (other_agency.pk, agency.pk)
    # The other direction is not implied.
    entry_for(make_hotlist("Palm Vista list"), "5XYZ999")
    assert match_ingested_reads([ingested(other_agency, "5XYZ999")]) == []


def test_constant_number_of_queries(agency, make_hotlist, entry_for, ingested, make_camera, django_assert_num_queries):
    hotlist = make_hotlist(strategy=MatchStrategy.CANDIDATES)
    notification_subscription_create(agency=agency, name="Dispatch", kind=SubscriptionKind.WEBHOOK, url="http://x.test")
    cameras = [make_camera(agency, f"cam {i}") for i in range(3)]
    for i in range(1000):
        entry_for(hotlist, f"7HOT{i:03d}")

    def batch(n, offset):
        # Every other read is a hit; every seventh carries an OCR candidate that is one (a distinct plate each).
        reads = []
        for i in range(n):
            plate = f"7HOT{i + offset:03d}" if i % 2 else f"5MISS{i:03d}"
            candidates = [f"7HOT{i + offset:03d}"] if i % 7 == 0 else []
            reads.append(ingested(agency, plate, camera=cameras[i % 3], candidates=candidates))
        return reads

    # match, camera names, alert-group locks, existing-group lookup, insert alerts, subscriptions, insert outbox rows
    with django_assert_num_queries(7):
        small = match_ingested_reads(batch(10, 0))
    with django_assert_num_queries(7):
        large = match_ingested_reads(batch(600, 200))
    assert len(small) == 5 + 1  # five plates, one candidate (read 7); read 0's candidate 7HOT000 also hits
    assert len(large) == 300 + 43
    # Re-reads of alerted plates by the same cameras: match, camera names, group locks, group lookup, one UPDATE.
    with django_assert_num_queries(5):
        assert match_ingested_reads(batch(600, 200)) == []
    assert NotificationOutbox.objects.count() == len(small) + len(large)
    # No hit at all: one query.
    with django_assert_num_queries(1):
        assert match_ingested_reads([ingested(agency, f"NOHIT{i}") for i in range(500)]) == []


def test_repeated_reads_by_one_camera_group_into_one_alert(agency, hotlist, entry_for, ingested, make_camera):
    entry_for(hotlist, "7ABC123")
    cam, other_cam = make_camera(agency, "a"), make_camera(agency, "b")
    t0 = timezone.now() - dt.timedelta(minutes=30)
    [first] = match_ingested_reads([ingested(agency, "7ABC123", camera=cam, at=t0)])
    reads = [ingested(agency, "7ABC123", camera=cam, at=t0 + dt.timedelta(minutes=m)) for m in (1, 2, 4)]
    assert match_ingested_reads(reads) == []
    first.refresh_from_db()
    assert (first.read_count, first.last_seen_at, first.last_read_id) == (4, reads[-1].captured_at, reads[-1].id)
    # Another camera, or a gap longer than the window, is a new alert.
    assert len(match_ingested_reads([ingested(agency, "7ABC123", camera=other_cam, at=t0)])) == 1
    assert len(match_ingested_reads([ingested(agency, "7ABC123", camera=cam, at=t0 + dt.timedelta(minutes=20))])) == 1


def test_grouping_within_one_batch_and_not_into_closed_alerts(
    agency, hotlist, entry_for, ingested, camera, investigator
):
    entry_for(hotlist, "7ABC123")
    t0 = timezone.now() - dt.timedelta(minutes=30)
    [alert] = match_ingested_reads(
        [ingested(agency, "7ABC123", camera=camera, at=t0 + dt.timedelta(seconds=s)) for s in (0, 30, 60)]
    )
    assert alert.read_count == 3
    alert_transition(alert=alert, user=investigator, to_status=AlertStatus.ACKNOWLEDGED)
    alert_transition(alert=alert, user=investigator, to_status=AlertStatus.MISREAD, note="It was 7A8C123")
    assert len(match_ingested_reads([ingested(agency, "7ABC123", camera=camera, at=t0 + dt.timedelta(minutes=2))])) == 1


def test_ingest_service_matches_in_its_transaction(agency, hotlist, entry_for, camera, store_reads):
    entry_for(hotlist, "7ABC123")
    result = store_reads(camera, ["5NOHIT1", "7ABC123"], plate_state="CA")
    assert result.alerts == 1
    alert = Alert.objects.get()
    [hit] = [read for read in result.reads if read.plate == "7ABC123"]
    assert alert.read_id == hit.id and alert.camera_name == camera.name


def test_new_entry_finds_earlier_reads_as_historical_alerts(agency, hotlist, camera, store_reads, investigator):
    store_reads(camera, ["7ABC123", "7A8C123", "5OTHER1"], plate_state="CA", step=dt.timedelta(minutes=10))
    entry = hotlist_entry_create(hotlist=hotlist, user=investigator, plate="7ABC123", plate_state="CA")
    kinds = sorted((a.plate, a.match_kind, a.historical) for a in entry.historical_alerts)
    assert kinds == [("7A8C123", MatchKind.CANONICAL, True), ("7ABC123", MatchKind.EXACT, True)]


def test_historical_hits_group_like_live_ones(agency, hotlist, camera, store_reads, investigator):
    store_reads(camera, ["7ABC123", "7ABC123", "7A8C123"], plate_state="CA", step=dt.timedelta(minutes=1))
    entry = hotlist_entry_create(hotlist=hotlist, user=investigator, plate="7ABC123", plate_state="CA")
    [alert] = entry.historical_alerts
    assert alert.read_count == 3


def test_historical_matching_respects_retention_and_owner_rules(
    agency, other_agency, make_hotlist, make_camera, store_reads, investigator
):
    hotlist = make_hotlist(strategy=MatchStrategy.EXACT)
    theirs = make_camera(other_agency, "Desert Springs cam")
    store_reads(theirs, ["7ABC123"])  # no MOU with the alerts scope: not checked
    store_reads(make_camera(agency), ["7ABC123"], at=timezone.now() - dt.timedelta(days=3))
    agency.retention_days = 2  # that read is past retention (the purge has not run yet)
    agency.save()
    entry = hotlist_entry_create(hotlist=hotlist, user=investigator, plate="7ABC123", plate_state="CA")
    assert entry.historical_alerts == []
