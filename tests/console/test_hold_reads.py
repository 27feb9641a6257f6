"""Held reads can be seen from the Holds list (issue #20): under a stated purpose, logged as a search naming the
hold, shown as a result page."""

import pytest

from reads.models import AccessLogEntry, Read
from reads.services import hold_place

from .conftest import PURPOSE, text

pytestmark = pytest.mark.django_db


def test_the_reads_of_a_hold_open_from_the_holds_list(investigator, signed_in, agency, camera, store_reads):
    store_reads(camera, ["7ABC123", "8DEF456", "9GHI789"])
    held = list(Read.objects.filter(plate__in=["7ABC123", "8DEF456"]).values_list("pk", flat=True))
    hold = hold_place(user=investigator, agency=agency, case_number="PV-26-0042", reason="Robbery", read_ids=held)
    client = signed_in(investigator)
    holds_page = text(client.get("/console/holds/"))
    assert f"/console/holds/{hold.pk}/reads/" in holds_page and "See the reads" in holds_page

    refused = client.post(f"/console/holds/{hold.pk}/reads/", {"case_number": "PV-26-0042"})
    assert refused.status_code == 302 and not AccessLogEntry.objects.filter(action="search").exists()

    response = client.post(f"/console/holds/{hold.pk}/reads/", PURPOSE)
    assert response.status_code == 302
    entry = AccessLogEntry.objects.get(action="search")
    assert entry.query["evidence_hold"] == hold.pk and entry.result_count == 2
    assert entry.case_number == PURPOSE["case_number"] and entry.purpose == PURPOSE["purpose"]
    page = text(client.get(response["Location"]))
    assert "7ABC123" in page and "8DEF456" in page and "9GHI789" not in page


def test_another_agencys_hold_is_404(investigator, signed_in, other_agency, make_user, make_camera, store_reads):
    theirs_camera = make_camera(other_agency, "Theirs")
    store_reads(theirs_camera, ["7ABC123"])
    their_user = make_user(username="their-inv", agency=other_agency)
    hold = hold_place(
        user=their_user, agency=other_agency, case_number="X-1", reason="r",
        read_ids=list(Read.objects.values_list("pk", flat=True)),
    )  # fmt: skip
    response = signed_in(investigator).post(f"/console/holds/{hold.pk}/reads/", PURPOSE)
    assert response.status_code == 404 and not AccessLogEntry.objects.filter(action="search").exists()
