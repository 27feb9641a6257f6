"""The sharing demo: who shares with whom among the demo agencies, and the refused partners."""

import io

import pytest

from agencies import demo as agencies_demo
from agencies.access import Scope
from sharing import demo
from sharing.models import MOU, SharingRefusal
from sharing.selectors import owner_ids_sharing_with

pytestmark = pytest.mark.django_db


def test_demo_seeds_the_agreements_and_shows_the_refusals():
    out = io.StringIO()
    context = {"stdout": out}
    agencies_demo.seed(context)
    demo.seed(context)
    demo.seed(context)  # idempotent
    a = context["agencies"]
    statuses = sorted(MOU.objects.values_list("status", flat=True))
    assert statuses == ["active"] * 4 + ["expired", "revoked"]
    assert owner_ids_sharing_with(partner=a["desert-springs-pd"], scope=Scope.SEARCH) == [a["palm-vista-pd"].pk]
    assert set(owner_ids_sharing_with(partner=a["palm-vista-pd"], scope=Scope.SEARCH)) == {
        a["mesa-county-so"].pk,
        a["palm-vista-town-center"].pk,
    }
    assert owner_ids_sharing_with(partner=a["cathedral-hills-pd"], scope=Scope.SEARCH) == []
    assert owner_ids_sharing_with(partner=a["palm-vista-town-center"], scope=Scope.SEARCH) == []
    assert SharingRefusal.objects.count() == 2
    assert out.getvalue().count("Sharing refused") == 2
    assert "not California" in out.getvalue() and "federal agency" in out.getvalue()
