"""Risk-weighted search audits: the random sample as before, plus the searches most worth a supervisor's look,
each saying why it was chosen (reads.audit_risk)."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from agencies.choices import Role
from reads.access_log import access_log_write
from reads.audit_risk import MANY_SEARCHES_PER_DAY, RiskReason, usual_hours_of
from reads.audits import audit_open
from reads.choices import AccessAction, Channel, Purpose

from ..factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PERIOD_DAY = TODAY - dt.timedelta(days=3)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _log(user, agency, at, *, plate="7ABC123", purpose=Purpose.CRIMINAL_INVESTIGATION, **fields):
    with mock.patch("django.utils.timezone.now", return_value=at):
        return access_log_write(
            user=user,
            agency=agency,
            action=AccessAction.SEARCH,
            channel=Channel.API,
            purpose=purpose,
            purpose_detail=fields.pop("purpose_detail", "described" if purpose == Purpose.OTHER else ""),
            case_number="PV-26-0001",
            query={"plate": plate},
            result_count=1,
            agencies_searched=[agency.pk],
            **fields,
        )


@pytest.fixture
def scene(agency, other_agency, make_user):
    """A week of an agency's searches with one of each risk, and ordinary ones around them."""
    day_worker = make_user(Role.INVESTIGATOR, username="day-worker")
    busy = make_user(Role.INVESTIGATOR, username="busy")
    ordinary = make_user(Role.INVESTIGATOR, username="ordinary")
    for back in range(10, 30, 2):  # weeks of searches between 9:00 and 16:00
        day = PERIOD_DAY - dt.timedelta(days=back)
        _log(day_worker, agency, _at(day, 9 + back % 7))
        _log(day_worker, agency, _at(day, 10))
    rows = {
        "night": _log(day_worker, agency, _at(PERIOD_DAY, 3, 10)),
        "other": _log(ordinary, agency, _at(PERIOD_DAY, 11), purpose=Purpose.OTHER),
        "on_behalf": _log(
            ordinary, agency, _at(PERIOD_DAY, 12), on_behalf_of_id=other_agency.pk, on_behalf_of_ori=other_agency.ori
        ),
        "plate": _log(ordinary, agency, _at(PERIOD_DAY, 13), plate="5HOT999"),
    }
    for index in range(2):  # two more agencies search the same plate that week
        elsewhere = AgencyFactory(name=f"Elsewhere {index}")
        searcher = UserFactory(username=f"elsewhere-{index}", agency=elsewhere)
        _log(searcher, elsewhere, _at(PERIOD_DAY, 14), plate="5HOT999")
    rows["busy"] = [_log(busy, agency, _at(PERIOD_DAY, 8, minute)) for minute in range(MANY_SEARCHES_PER_DAY)]
    rows["plain"] = [_log(ordinary, agency, _at(PERIOD_DAY, 15, minute)) for minute in range(5)]
    return rows


def _open(agency, make_user, **sizes):
    return audit_open(
        agency=agency,
        opened_by=make_user(Role.AUDITOR, username="auditor"),
        period_start=PERIOD_DAY,
        period_end=PERIOD_DAY,
        seed=7,
        **sizes,
    )


def test_each_risk_adds_its_searches_with_the_reason(scene, agency, make_user):
    audit = _open(agency, make_user, sample_size=1, risk_sample_size=100)
    samples = {sample.access_log_entry_id: sample.reasons for sample in audit.samples.all()}
    drawn = [entry_id for entry_id, reasons in samples.items() if reasons == [RiskReason.RANDOM]]
    assert len(drawn) == 1
    expected = {
        scene["night"].pk: [RiskReason.OUTSIDE_USUAL_HOURS],
        scene["other"].pk: [RiskReason.PURPOSE_OTHER],
        scene["on_behalf"].pk: [RiskReason.ON_BEHALF],
        scene["plate"].pk: [RiskReason.PLATE_MANY_AGENCIES],
        **{entry.pk: [RiskReason.MANY_SEARCHES] for entry in scene["busy"]},
    }
    added = {entry_id: reasons for entry_id, reasons in samples.items() if entry_id not in drawn}
    assert added == {entry_id: reasons for entry_id, reasons in expected.items() if entry_id not in drawn}
    # The ordinary searches are in the population but only ever drawn at random.
    assert not {entry.pk for entry in scene["plain"]} & set(added)
    assert audit.population_count == 4 + MANY_SEARCHES_PER_DAY + 5


def test_the_number_added_is_bounded_and_zero_keeps_the_random_sample_alone(scene, agency, make_user):
    audit = _open(agency, make_user, sample_size=2, risk_sample_size=3)
    assert audit.samples.count() == 5
    assert [len(sample.reasons) >= 1 for sample in audit.samples.all()] == [True] * 5
    only_random = _open(agency, make_user, sample_size=2, risk_sample_size=0)
    assert [sample.reasons for sample in only_random.samples.all()] == [[RiskReason.RANDOM]] * 2


def test_the_api_opens_a_risk_weighted_audit_and_shows_why(scene, agency, make_user, client_for):
    client = client_for(make_user(Role.AUDITOR, username="api-auditor"))
    body = {"period_start": str(PERIOD_DAY), "period_end": str(PERIOD_DAY), "sample_size": 1, "risk_sample_size": 30}
    response = client.post("/api/v1/audit/audits/", body, format="json")
    assert response.status_code == 201, response.json()
    samples = response.json()["samples"]
    assert samples[0]["reasons"] == ["random"]
    risk = {reason for sample in samples[1:] for reason in sample["reasons"]}
    # The random draw (a fresh seed per audit) may take one of the scene's single risky searches first; that search
    # is then in the sample as random, not again as a risk.
    single = {"night": "outside_usual_hours", "other": "purpose_other", "on_behalf": "on_behalf",
              "plate": "plate_many_agencies"}  # fmt: skip
    drawn = {reason for key, reason in single.items() if scene[key].pk == samples[0]["search"]["id"]}
    assert {"outside_usual_hours", "purpose_other", "on_behalf", "plate_many_agencies", "many_searches"} <= risk | drawn
    bad = client.post("/api/v1/audit/audits/", {**body, "risk_sample_size": -1}, format="json")
    assert bad.status_code == 400 and "risk_sample_size" in bad.json()


def test_usual_hours_need_enough_history_and_allow_an_hour_either_side():
    days = [PERIOD_DAY - dt.timedelta(days=n) for n in range(12)]
    assert usual_hours_of([_at(day, 10) for day in days[:4]] * 5) is None  # many searches, too few days
    hours = usual_hours_of([_at(day, 10) for day in days])
    assert hours == {9, 10, 11}
