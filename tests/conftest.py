"""Fixtures shared by all tests. Tests use the real PostgreSQL (PostGIS) and Redis from settings."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from agencies.choices import AgencyKind, Role

from .factories import AgencyFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Palm Vista Police Department", slug="palm-vista-pd", ori="CA0330400")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Desert Springs Police Department", slug="desert-springs-pd", ori="CA0330500")


@pytest.fixture
def nevada_agency(db):
    return AgencyFactory(
        name="Reno Police Department", slug="reno-pd", ori="NV0160200", state="NV", kind=AgencyKind.MUNICIPAL_POLICE
    )


@pytest.fixture
def federal_agency(db):
    return AgencyFactory(
        name="Federal Investigations Bureau", slug="fib", ori="DCFBIWA00", state="DC", kind=AgencyKind.FEDERAL
    )


@pytest.fixture
def private_entity(db):
    return AgencyFactory(
        name="Palm Vista Mall", slug="palm-vista-mall", ori="CA0339901", kind=AgencyKind.PRIVATE_ENTITY
    )


@pytest.fixture
def make_user(db, agency):
    def _make(role=Role.INVESTIGATOR, *, agency=agency, trained=True, **kwargs):
        return UserFactory(agency=agency, role=role, trained=trained, **kwargs)

    return _make


@pytest.fixture
def investigator(make_user):
    return make_user(Role.INVESTIGATOR, username="inv")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(api_client):
    """An API client authenticated as `user` (session-free, like a partner's integration would be)."""

    def _client(user):
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return _client
