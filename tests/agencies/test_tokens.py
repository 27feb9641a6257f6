"""API tokens: hashed at rest, expiring, revocable, bound to a purpose; and `manage.py issue_token`."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.authentication import TOKEN_EXPIRED, TOKEN_INVALID, TOKEN_REVOKED, token_with_account
from agencies.choices import Role, TokenPurpose
from agencies.management.commands.issue_token import USER_INACTIVE, USER_NOT_FOUND
from agencies.models import ApiToken
from common.api import TOKEN_PURPOSE_REFUSED

pytestmark = pytest.mark.django_db


def _get(secret, url=None):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get(url or reverse("agency-list"))


def test_a_current_api_token_reaches_data(investigator):
    _, secret = ApiToken.issue(user=investigator, name="laptop")
    assert _get(secret).status_code == 200


def test_an_expired_token_is_refused(investigator):
    token, secret = ApiToken.issue(user=investigator, name="laptop")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _get(secret)
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_EXPIRED


def test_a_revoked_token_is_refused(investigator):
    token, secret = ApiToken.issue(user=investigator, name="laptop")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = _get(secret)
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_REVOKED


def test_an_ingest_token_is_refused_on_a_data_endpoint(investigator):
    _, secret = ApiToken.issue(user=investigator, name="camera 12", purpose=TokenPurpose.INGEST)
    response = _get(secret)
    assert response.status_code == 403
    assert response.json()["detail"] == TOKEN_PURPOSE_REFUSED.format(purpose=TokenPurpose.INGEST.label)


def test_only_a_hash_of_the_secret_is_stored(investigator):
    token, secret = ApiToken.issue(user=investigator, name="laptop")
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value or secret.split(".", 1)[1] in value for value in stored)


def test_the_right_prefix_with_the_wrong_secret_is_refused(investigator):
    token, secret = ApiToken.issue(user=investigator, name="laptop")
    response = _get(f"{token.prefix}.not-the-secret")
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_INVALID


def test_issue_token_prints_the_secret_once(make_user):
    user = make_user(Role.INVESTIGATOR, username="camera-agent")
    out, err = StringIO(), StringIO()
    call_command(
        "issue_token",
        "camera-agent",
        "--purpose",
        "ingest",
        "--days",
        "90",
        "--name",
        "Camera 12",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert (token.name, token.purpose) == ("Camera 12", TokenPurpose.INGEST)
    assert token.matches(secret)
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    assert token.prefix in err.getvalue() and secret not in err.getvalue()


def test_issue_token_refuses_unknown_and_deactivated_users(make_user):
    with pytest.raises(CommandError, match=USER_NOT_FOUND.format(username="nobody")):
        call_command("issue_token", "nobody", "--name", "x", stdout=StringIO(), stderr=StringIO())
    make_user(Role.INVESTIGATOR, username="gone", is_active=False)
    with pytest.raises(CommandError, match=USER_INACTIVE.format(username="gone")):
        call_command("issue_token", "gone", "--name", "x", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_issue_token_without_a_name_names_the_token_by_purpose_user_and_date(make_user):
    make_user(username="ds-analyst")
    out = StringIO()
    call_command("issue_token", "ds-analyst", stdout=out, stderr=StringIO())
    token = ApiToken.objects.get(user__username="ds-analyst")
    assert token.name.startswith("api token for ds-analyst, issued ")
    assert ApiToken.objects.count() == 1 and out.getvalue().strip()


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.mark.parametrize("with_membership", [True, False])
def test_the_token_statement_loads_what_the_orm_loads(investigator, with_membership):
    """The hand-written token statement (one per request) gives the token, its user, the membership and the agency
    with every field's value as the ORM's select_related does, or None for a user of no agency."""
    token, _ = ApiToken.issue(user=investigator, name="laptop")
    if not with_membership:
        investigator.membership.delete()
    expected = ApiToken.objects.select_related("user", "user__membership", "user__membership__agency").get(
        prefix=token.prefix
    )
    loaded = token_with_account(token.prefix)
    assert _fields(loaded) == _fields(expected) and _fields(loaded.user) == _fields(expected.user)
    membership = getattr(loaded.user, "membership", None)
    if with_membership:
        assert _fields(membership) == _fields(expected.user.membership)
        assert _fields(membership.agency) == _fields(expected.user.membership.agency)
    else:
        assert membership is None
    assert token_with_account("no-such-prefix") is None
