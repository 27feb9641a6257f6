"""The access log's keyed chain (HMAC-SHA-256, key outside the database) and its signed checkpoints: the attacks of
someone who holds only the database, what `audit_verify` reports, key rotation, and where checkpoints are published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from agencies.choices import Role
from reads.access_log import (
    CHECKPOINT_FILE_INVALID,
    _content,
    access_log_check,
    access_log_checkpoint_write,
    checkpoint_public,
    entry_hash,
)
from reads.models import AccessLogCheckpoint, AccessLogEntry
from transparency.services import published_report_publish

pytestmark = pytest.mark.django_db

DISABLE = "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"
ENABLE = "ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"


def _as_dba(*statements: tuple[str, list]) -> None:
    """What someone holding only the database can do: switch the append-only trigger off, change rows, switch it on."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses to run over pending FK checks
        for table in ("reads_accesslogentry", "reads_accesslogcheckpoint"):
            cursor.execute(DISABLE.format(table=table))
        for statement, params in statements:
            cursor.execute(statement, params)
        for table in ("reads_accesslogentry", "reads_accesslogcheckpoint"):
            cursor.execute(ENABLE.format(table=table))


def _plain_sha_relink(from_id: int) -> None:
    """Recompute every link from row `from_id` on with plain SHA-256, as the old chain was, without the key."""
    rows = list(AccessLogEntry.objects.filter(id__gte=from_id).order_by("id"))
    prev = AccessLogEntry.objects.filter(id__lt=from_id).order_by("-id").values_list("row_hash", flat=True).first()
    statements = []
    for row in rows:
        row_hash = entry_hash(row, prev)  # the unkeyed digest: all an attacker without the key can compute
        statements.append(
            ("UPDATE reads_accesslogentry SET prev_hash = %s, row_hash = %s WHERE id = %s", [prev, row_hash, row.pk])
        )
        prev = row_hash
    _as_dba(*statements)


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def _verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        _verify(*args)
    return str(excinfo.value)


def test_rows_carry_a_keyed_mac_and_their_key_id(log_access):
    row = log_access()
    assert row.key_id == settings.AUDIT_LOG_KEY_ID
    payload = json.dumps(_content(row), sort_keys=True, separators=(",", ":"), default=str)
    assert row.row_hash != hashlib.sha256((row.prev_hash + payload).encode()).hexdigest()
    assert "1 rows verified, chain intact." in _verify()


def test_a_rewritten_row_relinked_without_the_key_is_reported(log_access, make_user):
    rows = [log_access(case_number=f"A-{n}") for n in range(5)]
    other = make_user(Role.INVESTIGATOR, username="someone-else")
    # Change the row's case number and user, then recompute every later link with plain SHA-256.
    _as_dba(
        (
            "UPDATE reads_accesslogentry SET case_number = 'A-99', user_id = %s, username = %s WHERE id = %s",
            [other.pk, other.username, rows[2].pk],
        )
    )
    _plain_sha_relink(rows[2].pk)
    message = _verify_fails()
    assert "chain intact" not in message
    assert f"row id={rows[2].pk}" in message
    assert "fails its MAC" in message
    assert "2 rows before it verified" in message


def test_a_row_inserted_without_the_key_is_reported(log_access, investigator, agency):
    rows = [log_access(case_number=f"A-{n}") for n in range(3)]
    log_access(case_number="A-3")
    forged = AccessLogEntry.objects.get(pk=rows[1].pk)
    forged.pk, forged.case_number, forged.row_hash = None, "FORGED", "f" * 64
    _as_dba()  # no change; the forged row goes in through the ORM (the trigger only refuses UPDATE and DELETE)
    forged.save()
    message = _verify_fails()
    assert f"row id={forged.pk}" in message


def test_a_removed_row_is_reported(log_access):
    rows = [log_access(case_number=f"A-{n}") for n in range(4)]
    _as_dba(("DELETE FROM reads_accesslogentry WHERE id = %s", [rows[1].pk]))
    message = _verify_fails()
    assert f"row id={rows[2].pk}" in message
    assert "removed or inserted" in message


def test_the_newest_rows_cut_off_the_end_are_reported_against_a_checkpoint(log_access):
    rows = [log_access(case_number=f"A-{n}") for n in range(5)]
    checkpoint = access_log_checkpoint_write()
    assert (checkpoint.row_count, checkpoint.last_entry_id, checkpoint.head_hash) == (5, rows[-1].pk, rows[-1].row_hash)
    assert "5 rows verified, chain intact." in _verify()
    _as_dba(("DELETE FROM reads_accesslogentry WHERE id >= %s", [rows[3].pk]))
    message = _verify_fails()
    assert "Rows cut off the end" in message
    assert f"ending at row id={rows[-1].pk}" in message
    assert f"the log now ends at row id={rows[2].pk} with 3 rows" in message


def test_truncation_with_the_checkpoints_also_removed_shows_against_a_saved_portal_copy(
    log_access, agency, client, tmp_path
):
    rows = [log_access(case_number=f"A-{n}") for n in range(4)]
    access_log_checkpoint_write()
    saved = tmp_path / "portal.json"
    saved.write_bytes(client.get(f"/api/v1/transparency/{agency.slug}/").content)
    # The administrator removes the newest rows and every checkpoint that recorded them.
    _as_dba(
        ("DELETE FROM reads_accesslogentry WHERE id >= %s", [rows[2].pk]),
        ("DELETE FROM reads_accesslogcheckpoint", []),
    )
    assert "2 rows verified, chain intact." in _verify()  # the database alone cannot tell
    message = _verify_fails("--checkpoint", str(saved))
    assert "Rows cut off the end" in message
    assert "(file)" in message


def test_a_checkpoint_forged_without_the_key_is_reported(log_access):
    rows = [log_access(case_number=f"A-{n}") for n in range(2)]
    AccessLogCheckpoint.objects.create(
        row_count=1, last_entry_id=rows[0].pk, head_hash=rows[0].row_hash, key_id="test-1", mac="0" * 64
    )
    assert "fails its MAC" in _verify_fails()


def test_a_rewritten_chain_no_longer_matches_an_older_checkpoint(log_access):
    rows = [log_access(case_number=f"A-{n}") for n in range(3)]
    access_log_checkpoint_write()
    # Relinking with the right key is impossible; a relink that only fixes prev_hash leaves the head changed.
    _as_dba(("UPDATE reads_accesslogentry SET row_hash = %s WHERE id = %s", ["e" * 64, rows[2].pk]))
    message = _verify_fails()
    assert f"row id={rows[2].pk}" in message
    assert "differs from the checkpoint" in message


def test_key_rotation_keeps_old_rows_verifiable(log_access, settings):
    old = log_access(case_number="OLD")
    settings.AUDIT_LOG_KEY_ID = "test-2"
    new = log_access(case_number="NEW")
    assert (old.key_id, new.key_id) == ("test-1", "test-2")
    access_log_checkpoint_write()
    assert AccessLogCheckpoint.objects.get().key_id == "test-2"
    assert "2 rows verified, chain intact." in _verify()
    # A retired key must stay listed for as long as rows written under it are kept.
    settings.AUDIT_LOG_KEYS = {"test-2": settings.AUDIT_LOG_KEYS["test-2"]}
    message = _verify_fails()
    assert f"row id={old.pk}" in message
    assert "'test-1'" in message


def test_writing_without_a_configured_key_is_refused(settings, log_access):
    settings.AUDIT_LOG_KEY_ID = "nowhere"
    with pytest.raises(ImproperlyConfigured):
        log_access()
    assert not AccessLogEntry.objects.exists()


def test_production_settings_refuse_to_start_without_a_key():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("AUDIT_LOG_KEYS", "AUDIT_LOG_KEY_FILE", "AUDIT_LOG_KEY_ID")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="alpr.example.gov",
    )
    code = "import django; django.setup()"
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "AUDIT_LOG_KEYS" in refused.stderr
    env["AUDIT_LOG_KEYS"] = "prod-1:" + "ab" * 32
    started = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr


def test_the_checkpoint_command_and_the_daily_task_write_a_checkpoint(log_access):
    from reads.tasks import access_log_checkpoint

    log_access()
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == checkpoint_public(AccessLogCheckpoint.objects.get())
    access_log_checkpoint.delay()
    assert AccessLogCheckpoint.objects.count() == 2
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reads.tasks.access_log_checkpoint" in schedule


def test_checkpoints_are_append_only(log_access):
    from django.db import DatabaseError, transaction

    checkpoint = access_log_checkpoint_write()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogCheckpoint.objects.filter(pk=checkpoint.pk).update(row_count=99)


def test_a_bad_checkpoint_file_is_refused_clearly(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    message = _verify_fails("--checkpoint", str(bad))
    assert CHECKPOINT_FILE_INVALID.split(":")[0] in message
    assert "Cannot read" in _verify_fails("--checkpoint", str(tmp_path / "missing.json"))
    bad.write_text("{not json")
    assert "Cannot read" in _verify_fails("--checkpoint", str(bad))


def test_checkpoints_appear_on_the_portal_its_json_and_in_reports(log_access, agency, client, make_user):
    log_access()
    checkpoint = access_log_checkpoint_write()
    page = client.get(f"/transparency/{agency.slug}/").content.decode()
    assert checkpoint.mac in page and checkpoint.head_hash in page
    data = client.get(f"/api/v1/transparency/{agency.slug}/").json()
    assert data["access_log_checkpoints"][0] == checkpoint_public(checkpoint)
    clerk = make_user(Role.RECORDS_CLERK, username="clerk-cp")
    today = dt.date.today()
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    report = published_report_publish(agency=agency, period_kind="month", period_start=last_month, user=clerk)
    assert report.figures["access_log_checkpoints"][0]["mac"] == checkpoint.mac
    for suffix in ("", "print/", "report.csv"):
        body = client.get(f"/transparency/{agency.slug}/reports/{report.pk}/{suffix}").content.decode()
        assert checkpoint.mac in body, suffix
    # A checkpoint in a report verifies: the council's copy is a checkpoint file too.
    assert access_log_check(extra_checkpoints=[]).intact


def test_rows_under_the_old_plain_chain_are_verified_then_rechained_by_the_migration(log_access):
    """Migration reads/0007 re-chains rows written before the key existed, after checking their plain chain."""
    import importlib

    migration = importlib.import_module("reads.migrations.0007_access_log_hmac_checkpoints")
    rows = [log_access(case_number=f"L-{n}") for n in range(3)]
    # Make them what they were before: plain SHA-256 links and no key id.
    _as_dba(*[("UPDATE reads_accesslogentry SET key_id = '' WHERE id = %s", [row.pk]) for row in rows])
    prev = "0" * 64
    statements = []
    for row in AccessLogEntry.objects.order_by("id"):
        payload = migration._payload(row, False)
        row_hash = hashlib.sha256((prev + payload).encode()).hexdigest()
        statements.append(
            ("UPDATE reads_accesslogentry SET prev_hash = %s, row_hash = %s WHERE id = %s", [prev, row_hash, row.pk])
        )
        prev = row_hash
    _as_dba(*statements)
    assert not access_log_check().intact
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.rechain(apps, SimpleNamespace(connection=connection))
    result = access_log_check()
    assert result.intact, result.problems
    assert (result.rows, result.checkpoints) == (3, 1)
    assert set(AccessLogEntry.objects.values_list("key_id", flat=True)) == {settings.AUDIT_LOG_KEY_ID}


def test_the_migration_refuses_to_rechain_a_broken_plain_chain(log_access):
    import importlib

    migration = importlib.import_module("reads.migrations.0007_access_log_hmac_checkpoints")
    row = log_access()
    # Still the keyed MAC, so under the plain SHA-256 rule it is broken.
    with pytest.raises(RuntimeError, match=f"row id={row.pk}"):
        migration.rechain(apps, SimpleNamespace(connection=connection))
