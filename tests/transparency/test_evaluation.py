"""The surveillance technology evaluation: five elements, versioned, published like the usage policy, refused
while an element is empty, frozen once published."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from transparency import program_services as services
from transparency.program_models import EVALUATION_ELEMENTS, SurveillanceEvaluation
from transparency.program_selectors import current_evaluation

pytestmark = pytest.mark.django_db

TEXT = {
    "technology_description": "Fixed cameras photograph the rear plates of passing vehicles.",
    "purpose_and_benefits": "Recover stolen vehicles; find missing and wanted persons.",
    "where_used": "Arterial roads and city entrances; residential areas only temporarily.",
    "laws_and_civil_liberties": "Civil Code 1798.90.5 and following; 30-day retention; no immigration use.",
    "costs": "Acquisition $25,000; annual service $12,500.",
}


@pytest.mark.parametrize("element", list(EVALUATION_ELEMENTS))
def test_an_evaluation_with_an_empty_element_cannot_be_published(agency, clerk, element):
    evaluation = services.surveillance_evaluation_create(agency=agency, user=clerk, **{**TEXT, element: "  "})
    with pytest.raises(ValidationError) as error:
        services.surveillance_evaluation_publish(evaluation=evaluation, user=clerk)
    assert EVALUATION_ELEMENTS[element].lower() in error.value.messages[0]
    evaluation.refresh_from_db()
    assert not evaluation.is_published and current_evaluation(agency) is None


def test_admin_publish_refuses_an_incomplete_draft_and_publishes_a_complete_one(client, agency, clerk_client):
    add = reverse("admin:transparency_surveillanceevaluation_add")
    assert clerk_client.post(add, {"agency": agency.pk, **TEXT, "costs": ""}).status_code == 302
    draft = SurveillanceEvaluation.objects.get()
    changelist = reverse("admin:transparency_surveillanceevaluation_changelist")
    response = clerk_client.post(
        changelist, {"action": "publish_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert "cannot be published: it lacks costs" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published
    change = reverse("admin:transparency_surveillanceevaluation_change", args=[draft.pk])
    assert clerk_client.post(change, {"agency": agency.pk, **TEXT}).status_code == 302
    clerk_client.post(changelist, {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.is_published
    html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert "Recover stolen vehicles" in html and "Surveillance technology evaluation" in html
    page = client.get(reverse("transparency:evaluation", args=[agency.slug, draft.version]))
    assert page.status_code == 200 and "Acquisition $25,000" in page.content.decode()


def test_a_published_evaluation_is_frozen_and_changes_need_a_new_version(agency, clerk):
    evaluation = services.surveillance_evaluation_create(agency=agency, user=clerk, **TEXT)
    services.surveillance_evaluation_publish(evaluation=evaluation, user=clerk)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.surveillance_evaluation_update(evaluation=evaluation, costs="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        SurveillanceEvaluation.objects.filter(pk=evaluation.pk).update(costs="changed behind the admin's back")
    with pytest.raises(DatabaseError), transaction.atomic():
        SurveillanceEvaluation.objects.filter(pk=evaluation.pk).delete()
    second = services.surveillance_evaluation_create(agency=agency, user=clerk, costs="Now $30,000.")
    assert second.version == 2 and second.purpose_and_benefits == TEXT["purpose_and_benefits"]
    services.surveillance_evaluation_publish(evaluation=second, user=clerk)
    assert current_evaluation(agency) == second
