"""The access log's chain becomes a keyed MAC (HMAC-SHA-256, key from the settings), with signed checkpoints.

Rows written before this migration were chained with plain SHA-256. They are first verified under that chain (the
migration stops, naming the row, if it is broken: re-chaining would launder the change), then re-chained under the
current key, oldest first, with the append-only trigger off for this one transaction. A first checkpoint records
the re-chained head, so the old rows are covered from the start. See docs/audit.md ("Rows older than the key").
"""

import datetime as dt
import hashlib
import hmac
import json

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

GENESIS_HASH = "0" * 64
LEGACY_CHAIN_BROKEN = (
    "The access log's plain SHA-256 chain is broken at row id={id}: it is not re-chained under the key, since that "
    "would hide the change. Investigate, record the finding, and remove or restore the row before migrating."
)


def _iso(moment):
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds") if moment else None


def _content(entry, with_key: bool) -> dict:
    content = {
        "at": _iso(entry.at),
        "user": entry.user_id,
        "username": entry.username,
        "agency": entry.agency_id,
        "agencies_searched": sorted(entry.agencies_searched),
        "action": entry.action,
        "channel": entry.channel,
        "purpose": entry.purpose,
        "purpose_detail": entry.purpose_detail,
        "case_number": entry.case_number,
        "query": entry.query,
        "result_count": entry.result_count,
        "oldest_result_at": _iso(entry.oldest_result_at),
        "client_address": entry.client_address,
    }
    if with_key:
        content["key_id"] = entry.key_id
    return content


def _payload(entry, with_key: bool) -> str:
    return json.dumps(_content(entry, with_key), sort_keys=True, separators=(",", ":"), default=str)


def rechain(apps, schema_editor):
    entries = apps.get_model("reads", "AccessLogEntry")
    checkpoints = apps.get_model("reads", "AccessLogCheckpoint")
    if not entries.objects.exists():
        return
    key_id = settings.AUDIT_LOG_KEY_ID
    key = settings.AUDIT_LOG_KEYS[key_id]
    prev = GENESIS_HASH
    for entry in entries.objects.order_by("id").iterator(chunk_size=5000):
        legacy = hashlib.sha256((prev + _payload(entry, False)).encode()).hexdigest()
        if entry.prev_hash != prev or entry.row_hash != legacy:
            raise RuntimeError(LEGACY_CHAIN_BROKEN.format(id=entry.pk))
        prev = entry.row_hash
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE reads_accesslogentry DISABLE TRIGGER reads_accesslogentry_append_only")
        prev, count, last_id = GENESIS_HASH, 0, 0
        for entry in entries.objects.order_by("id").iterator(chunk_size=5000):
            entry.key_id = key_id
            entry.prev_hash = prev
            entry.row_hash = hmac.new(key, (prev + _payload(entry, True)).encode(), hashlib.sha256).hexdigest()
            cursor.execute(
                "UPDATE reads_accesslogentry SET key_id = %s, prev_hash = %s, row_hash = %s WHERE id = %s",
                [entry.key_id, entry.prev_hash, entry.row_hash, entry.pk],
            )
            prev, count, last_id = entry.row_hash, count + 1, entry.pk
        cursor.execute("ALTER TABLE reads_accesslogentry ENABLE TRIGGER reads_accesslogentry_append_only")
    at = timezone.now()
    message = "|".join(
        ["alpr-access-log-checkpoint:v1", _iso(at), str(count), str(last_id), prev, key_id]
    )
    checkpoints.objects.create(
        at=at,
        row_count=count,
        last_entry_id=last_id,
        head_hash=prev,
        key_id=key_id,
        mac=hmac.new(key, message.encode(), hashlib.sha256).hexdigest(),
    )


CHECKPOINT_APPEND_ONLY = """
CREATE TRIGGER reads_accesslogcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON reads_accesslogcheckpoint
    FOR EACH ROW EXECUTE FUNCTION reads_accesslog_refuse_change();
"""
CHECKPOINT_APPEND_ONLY_REVERSE = "DROP TRIGGER reads_accesslogcheckpoint_append_only ON reads_accesslogcheckpoint;"


class Migration(migrations.Migration):
    dependencies = [("reads", "0006_purged_read_counts")]

    operations = [
        migrations.CreateModel(
            name="AccessLogCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=timezone.now)),
                ("row_count", models.BigIntegerField()),
                ("last_entry_id", models.BigIntegerField(help_text="0 when the log was empty.")),
                ("head_hash", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=32)),
                ("mac", models.CharField(max_length=64, unique=True)),
            ],
            options={"verbose_name": "access log checkpoint", "ordering": ["-at", "-id"]},
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="key_id",
            field=models.CharField(
                default="", editable=False, help_text="The MAC key row_hash was computed under.", max_length=32
            ),
            preserve_default=False,
        ),
        migrations.RunSQL(CHECKPOINT_APPEND_ONLY, CHECKPOINT_APPEND_ONLY_REVERSE),
        migrations.RunPython(rechain, migrations.RunPython.noop),
    ]
