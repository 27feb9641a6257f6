import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from agencies.access import TRAINING_REQUIRED, alpr_access_refusal
from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Membership, TrainingRecord
from agencies.roles import ROLE_PERMISSIONS, role_group_name
from agencies.services import membership_set
from agencies.validators import ORI_FORMAT_ERROR

from ..factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _agency(**overrides):
    fields = {"name": "X PD", "slug": "x-pd", "ori": "CA0123456", "kind": AgencyKind.MUNICIPAL_POLICE, "state": "CA"}
    fields.update(overrides)
    return Agency(**fields)


@pytest.mark.parametrize("ori", ["CA012345", "CA01234567", "C10123456", "ca0123456x", "ZZ0123456", ""])
def test_invalid_ori_is_refused(ori):
    with pytest.raises(ValidationError) as excinfo:
        _agency(ori=ori).full_clean()
    assert "ori" in excinfo.value.message_dict


def test_ori_format_message_is_clear():
    with pytest.raises(ValidationError) as excinfo:
        _agency(ori="12").full_clean()
    assert ORI_FORMAT_ERROR in excinfo.value.message_dict["ori"]


def test_local_agency_ori_must_start_with_its_state():
    with pytest.raises(ValidationError) as excinfo:
        _agency(ori="NV0123456").full_clean()
    assert "ori" in excinfo.value.message_dict


def test_federal_agency_ori_may_name_another_state():
    _agency(ori="DCFBIWA00", kind=AgencyKind.FEDERAL, state="VA").full_clean()


@pytest.mark.parametrize("days,valid", [(0, False), (1, True), (30, True), (730, True), (731, False)])
def test_retention_bounds(days, valid):
    agency = _agency(retention_days=days)
    if valid:
        agency.full_clean()
    else:
        with pytest.raises(ValidationError):
            agency.full_clean()


def test_retention_bounds_are_a_database_constraint_too():
    with pytest.raises(IntegrityError):
        _agency(retention_days=5000).save()


def test_unknown_state_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        _agency(state="XX").full_clean()
    assert "state" in excinfo.value.message_dict


def test_california_public_agency_rule():
    assert _agency().is_california_public_agency
    assert not _agency(state="NV", ori="NV0123456").is_california_public_agency
    assert not _agency(kind=AgencyKind.FEDERAL).is_california_public_agency
    assert not _agency(kind=AgencyKind.PRIVATE_ENTITY).is_california_public_agency


def test_user_cannot_join_two_agencies(agency, other_agency):
    user = UserFactory(agency=agency)
    with pytest.raises(ValidationError):
        membership_set(user=user, agency=other_agency, role=Role.OFFICER)
    assert Membership.objects.get(user=user).agency == agency


def test_role_groups_are_created_by_migrate_with_their_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role_group_name(role))
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held <= set(perms)


def test_role_decides_model_permissions(make_user):
    clerk = make_user(Role.RECORDS_CLERK)
    auditor = make_user(Role.AUDITOR)
    assert clerk.has_perm("agencies.change_agency")
    assert clerk.is_staff
    assert not auditor.has_perm("agencies.change_agency")
    assert auditor.has_perm("agencies.view_agency")


def test_changing_role_moves_groups(make_user, agency):
    user = make_user(Role.AUDITOR)
    membership_set(user=user, agency=agency, role=Role.OFFICER)
    names = set(user.groups.values_list("name", flat=True))
    assert names == {role_group_name(Role.OFFICER), f"agency:{agency.pk}"}  # the agency group: sharing app
    assert not type(user).objects.get(pk=user.pk).is_staff


def test_untrained_user_is_refused_alpr_data(make_user, client_for):
    user = make_user(trained=False)
    assert alpr_access_refusal(user) == TRAINING_REQUIRED
    response = client_for(user).get(reverse("agency-list"))
    assert response.status_code == 403
    assert response.json()["detail"] == TRAINING_REQUIRED


def test_lapsed_training_takes_effect_at_once(make_user, client_for):
    user = make_user()
    client = client_for(user)
    assert client.get(reverse("agency-list")).status_code == 200
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    TrainingRecord.objects.filter(user=user).update(
        completed_on=yesterday - dt.timedelta(days=365), expires_on=yesterday
    )
    assert client.get(reverse("agency-list")).status_code == 403


def test_deactivated_user_loses_access_at_once(make_user, client_for):
    user = make_user()
    client = client_for(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    assert client.get(reverse("agency-list")).status_code in (401, 403)


def test_anonymous_caller_is_refused(api_client):
    assert api_client.get(reverse("agency-list")).status_code in (401, 403)


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200  # no worker or beat heartbeat here: degraded, not down
    checks = response.json()["checks"]
    assert checks["database"] == {"status": "ok", "critical": True}
    assert checks["broker"] == {"status": "ok", "critical": True}


def test_agency_factory_sanity():
    assert AgencyFactory().is_california_public_agency


def test_role_groups_come_back_if_they_are_gone(make_user):
    Group.objects.filter(name__startswith="role:").delete()
    clerk = make_user(Role.RECORDS_CLERK)
    assert clerk.has_perm("agencies.change_agency")
