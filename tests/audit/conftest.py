import pytest

from agencies.choices import Role
from reads.access_log import access_log_write
from reads.choices import AccessAction, Channel, Purpose


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, username="auditor1")


@pytest.fixture
def log_access(investigator, agency):
    """Append one access-log row through the one writer: log_access(action=..., user=..., agency=..., **fields)."""

    def _log(*, action=AccessAction.SEARCH, user=None, agency=agency, case_number="PV-26-0001", **fields):
        return access_log_write(
            user=user or investigator,
            agency=agency,
            action=action,
            channel=fields.pop("channel", Channel.API),
            purpose=fields.pop("purpose", Purpose.CRIMINAL_INVESTIGATION),
            case_number=case_number,
            query=fields.pop("query", {"plate": "7ABC123"}),
            result_count=fields.pop("result_count", 2),
            agencies_searched=[agency.pk],
            **fields,
        )

    return _log
