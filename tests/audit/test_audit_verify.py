"""The access log's hash chain, checked by `manage.py audit_verify`, and the log's retention."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from reads.management.commands.audit_verify import CHAIN_INTACT
from reads.management.commands.audit_verify import Command as AuditVerify
from reads.models import AccessLogEntry
from reads.services import read_purge_expired

pytestmark = pytest.mark.django_db

DISABLE = "ALTER TABLE reads_accesslogentry DISABLE TRIGGER reads_accesslogentry_append_only"
ENABLE = "ALTER TABLE reads_accesslogentry ENABLE TRIGGER reads_accesslogentry_append_only"


def _tamper(statement: str, params: list) -> None:
    """What someone with database access could do: switch the append-only trigger off, change, switch it back."""
    with connection.cursor() as cursor:
        # The test's inserts leave deferred foreign-key checks pending, and ALTER TABLE refuses to run over them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(DISABLE)
        cursor.execute(statement, params)
        cursor.execute(ENABLE)


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_intact_chain_passes(log_access):
    assert CHAIN_INTACT.format(count=0) in _verify()
    for case in ("A-1", "A-2", "A-3"):
        log_access(case_number=case)
    assert CHAIN_INTACT.format(count=3) in _verify()


def test_row_changed_in_the_database_is_reported(log_access, investigator):
    rows = [log_access(case_number=case) for case in ("A-1", "A-2", "A-3")]
    _tamper("UPDATE reads_accesslogentry SET case_number = 'A-9' WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError) as excinfo:
        _verify()
    message = str(excinfo.value)
    assert f"id={rows[1].pk}" in message
    assert rows[1].at.isoformat() in message
    assert investigator.username in message
    assert "1 rows before it verified" in message


def test_row_removed_from_the_database_is_reported(log_access):
    rows = [log_access(case_number=case) for case in ("A-1", "A-2", "A-3")]
    _tamper("DELETE FROM reads_accesslogentry WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError, match=f"id={rows[2].pk}"):
        _verify()


def test_exit_status_is_non_zero_when_broken(log_access):
    row = log_access()
    _tamper("UPDATE reads_accesslogentry SET result_count = 0 WHERE id = %s", [row.pk])
    stderr = StringIO()
    with pytest.raises(SystemExit) as excinfo:
        AuditVerify(stdout=StringIO(), stderr=stderr).run_from_argv(["manage.py", "audit_verify"])
    assert excinfo.value.code != 0
    assert f"id={row.pk}" in stderr.getvalue()


def test_a_year_old_access_log_survives_the_reads_purge(log_access):
    year_ago = timezone.now() - dt.timedelta(days=400)
    with mock.patch("reads.access_log.timezone.now", return_value=year_ago):
        log_access(case_number="OLD-1")
    log_access(case_number="NEW-1")
    read_purge_expired()
    read_purge_expired(now=timezone.now() + dt.timedelta(days=400))
    assert sorted(AccessLogEntry.objects.values_list("case_number", flat=True)) == ["NEW-1", "OLD-1"]
    assert CHAIN_INTACT.format(count=2) in _verify()
