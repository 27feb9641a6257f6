"""One search rate limit per person, counted together across the API and the console (common.throttles)."""

import pytest

from ..console.conftest import search_form

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reads/search/"


def test_api_and_console_searches_count_against_one_limit(settings, client_for, verified_client, investigator,
                                                          make_user, search_body):  # fmt: skip
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"search": "4/min"}}
    api, console = client_for(investigator), verified_client(investigator)

    def by_api():
        return api.post(SEARCH, search_body(plate="7ABC123"), format="json").status_code

    def by_console():
        return console.post("/console/search/", search_form(plate="7ABC123")).status_code

    assert [by_api(), by_console(), by_api(), by_console()] == [200, 302, 200, 302]
    assert by_api() == 429  # two of each: the fifth search is over the one limit, whichever channel
    assert by_console() == 429
    # Another person has a limit of their own.
    other = make_user(username="other-investigator")
    assert client_for(other).post(SEARCH, search_body(plate="7ABC123"), format="json").status_code == 200
