"""Usage and privacy policy (Civil Code §1798.90.51 and .53): complete to publish, frozen once published."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from transparency import services
from transparency.choices import STANDARD_PROHIBITED_USES
from transparency.demo import policy_text
from transparency.models import POLICY_ELEMENTS, UsagePolicy
from transparency.selectors import current_policy

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:transparency_usagepolicy_changelist"


@pytest.mark.parametrize("element", list(POLICY_ELEMENTS))
def test_a_policy_lacking_any_element_cannot_be_published(agency, clerk, element):
    policy = services.usage_policy_create(agency=agency, user=clerk, **{**policy_text(agency), element: "  "})
    with pytest.raises(ValidationError) as error:
        services.usage_policy_publish(policy=policy, user=clerk)
    assert POLICY_ELEMENTS[element].lower() in error.value.messages[0]
    policy.refresh_from_db()
    assert not policy.is_published and current_policy(agency) is None


def test_a_published_version_is_frozen_and_the_database_refuses_changes(agency, clerk, publish_policy):
    policy = publish_policy(agency)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.usage_policy_update(policy=policy, monitoring="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        UsagePolicy.objects.filter(pk=policy.pk).update(monitoring="changed behind the admin's back")
    with pytest.raises(DatabaseError), transaction.atomic():
        UsagePolicy.objects.filter(pk=policy.pk).delete()
    with pytest.raises(ValidationError, match="already published"):
        services.usage_policy_publish(policy=policy, user=clerk)


def test_a_new_version_starts_from_the_current_one_and_replaces_it_when_published(agency, clerk, publish_policy):
    first = publish_policy(agency)
    draft = services.usage_policy_create(agency=agency, user=clerk, sharing_restrictions="Never sold. Never shared.")
    assert draft.version == 2 and draft.monitoring == first.monitoring
    assert current_policy(agency) == first
    services.usage_policy_publish(policy=draft, user=clerk)
    assert current_policy(agency) == draft
    stale = services.usage_policy_create(agency=agency, user=clerk)
    newer = services.usage_policy_create(agency=agency, user=clerk)
    services.usage_policy_publish(policy=newer, user=clerk)
    with pytest.raises(ValidationError, match="later version"):
        services.usage_policy_publish(policy=stale, user=clerk)


def test_standard_prohibited_uses_are_part_of_every_version(agency, publish_policy):
    policy = publish_policy(agency, additional_prohibited_uses="Watching the mayor's house.")
    assert policy.prohibited_uses[: len(STANDARD_PROHIBITED_USES)] == STANDARD_PROHIBITED_USES
    assert policy.prohibited_uses[-1] == "Watching the mayor's house."
    assert any("immigration" in use.lower() for use in policy.prohibited_uses)
    assert any("traffic enforcement alone" in use.lower() for use in policy.prohibited_uses)


def _form(agency, **overrides):
    data = {"agency": agency.pk, "effective_on": "", **policy_text(agency), **overrides}
    return data


def test_clerk_drafts_in_admin_and_publishing_an_incomplete_draft_is_refused(agency, clerk_client):
    response = clerk_client.post(
        reverse("admin:transparency_usagepolicy_add"), _form(agency, periodic_audits="", accuracy_measures="")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = UsagePolicy.objects.get(agency=agency)
    assert draft.version == 1 and not draft.is_published
    response = clerk_client.post(
        reverse(CHANGELIST), {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )
    page = response.content.decode()
    assert "cannot be published" in page and "periodic system audits" in page
    draft.refresh_from_db()
    assert not draft.is_published


def test_clerk_publishes_a_complete_draft_and_cannot_edit_it_afterwards(agency, clerk_client):
    clerk_client.post(reverse("admin:transparency_usagepolicy_add"), _form(agency))
    policy = UsagePolicy.objects.get(agency=agency)
    response = clerk_client.post(
        reverse(CHANGELIST), {"action": "publish_selected", "_selected_action": [policy.pk]}, follow=True
    )
    assert "It is now the agency&#x27;s current policy" in response.content.decode()
    policy.refresh_from_db()
    assert policy.is_published
    change = reverse("admin:transparency_usagepolicy_change", args=[policy.pk])
    page = clerk_client.get(change)
    assert page.status_code == 200 and 'name="monitoring"' not in page.content.decode()  # read-only view
    assert clerk_client.post(change, _form(agency, monitoring="edited")).status_code == 403
    response = clerk_client.post(
        reverse(CHANGELIST), {"action": "new_version_from_selected", "_selected_action": [policy.pk]}, follow=True
    )
    assert UsagePolicy.objects.filter(agency=agency, version=2, published_at__isnull=True).exists()


def test_clerk_sees_only_their_own_agencys_policies(agency, other_agency, clerk_client, publish_policy):
    publish_policy(other_agency)
    response = clerk_client.get(reverse(CHANGELIST))
    assert other_agency.name not in response.content.decode()
