"""A search can be refined (issue #20): the results page keeps the whole criteria and offers "Refine", which opens
the form filled in with all of them; a `?` pattern that finds nothing hints at `*` with a one-click refinement."""

import html

import pytest

from .conftest import PURPOSE, run_search, search_form, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def investigator_client(investigator, signed_in):
    return signed_in(investigator)


def _value(page: str, name: str) -> str:
    tag = page.split(f'name="{name}"', 1)[1].split(">", 1)[0]
    return html.unescape(tag.split('value="', 1)[1].split('"', 1)[0]) if 'value="' in tag else ""


def test_results_keep_the_whole_criteria_and_refine_fills_the_form(investigator_client, camera, store_reads):
    store_reads(camera, ["7ABC123"], vehicle_make="Toyota", vehicle_color="silver")
    body = search_form(plate="7ABC123", vehicle_make="Toyota", vehicle_color="silver", plate_state="CA")
    log_id = run_search(investigator_client, **{k: v for k, v in body.items() if k not in PURPOSE})
    results = text(investigator_client.get(f"/console/search/{log_id}/"))
    assert "Searched for: plate 7ABC123 (CA)" in results and "make Toyota" in results and "colour silver" in results
    assert f"/console/search/?refine={log_id}" in results
    form = text(investigator_client.get(f"/console/search/?refine={log_id}"))
    assert _value(form, "plate") == "7ABC123" and _value(form, "vehicle_make") == "Toyota"
    assert _value(form, "vehicle_color") == "silver" and _value(form, "plate_state") == "CA"
    assert _value(form, "case_number") == PURPOSE["case_number"]
    assert _value(form, "start")[:16] == body["start"] and _value(form, "end")[:16] == body["end"]
    assert f'value="{PURPOSE["purpose"]}" selected' in form


def test_refining_with_a_search_not_open_gives_an_empty_form(investigator_client):
    form = text(investigator_client.get("/console/search/?refine=999999"))
    assert _value(form, "plate") == "" and _value(form, "case_number") == ""


def test_a_question_mark_pattern_that_finds_nothing_hints_at_the_star(investigator_client, camera, store_reads):
    store_reads(camera, ["7DX1234"])
    log_id = run_search(investigator_client, plate="7D?")
    page = text(investigator_client.get(f"/console/search/{log_id}/"))
    assert 'id="wildcard-hint"' in page and "exactly one character" in page
    assert f"/console/search/?refine={log_id}&plate=7D%2A" in page
    form = text(investigator_client.get(f"/console/search/?refine={log_id}&plate=7D*"))
    assert _value(form, "plate") == "7D*"
    found = run_search(investigator_client, plate="7D*")
    assert 'id="wildcard-hint"' not in text(investigator_client.get(f"/console/search/{found}/"))
    assert "7DX1234" in text(investigator_client.get(f"/console/search/{found}/"))


def test_the_plate_field_explains_the_wildcards(investigator_client):
    form = text(investigator_client.get("/console/search/"))
    assert "? is exactly one character" in form and "* is any run" in form
