"""Area search without a spatial index entry per read.

A GiST index on every read's point cost most of the insert time at ingest. Fixed cameras' reads are found
through the cameras near the point (few, indexed) and the (camera_id, captured_at) index; only reads that carry
their own point (mobile cameras) need the spatial index, so it becomes partial. Both paths then check the read's
own stored point, so a camera moved since keeps its old reads where they were taken.
"""

from django.db import migrations, models

FORWARD = """
ALTER TABLE reads_read ADD COLUMN own_location boolean NOT NULL DEFAULT false;
DROP INDEX reads_read_location;
CREATE INDEX reads_read_own_location ON reads_read USING gist (location) WHERE own_location;
"""

REVERSE = """
DROP INDEX reads_read_own_location;
CREATE INDEX reads_read_location ON reads_read USING gist (location);
ALTER TABLE reads_read DROP COLUMN own_location;
"""


class Migration(migrations.Migration):
    dependencies = [("reads", "0003_search_audits")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="read",
                    name="own_location",
                    field=models.BooleanField(
                        default=False,
                        help_text="The read carried its own point (mobile camera); else the camera's position then.",
                    ),
                )
            ],
        )
    ]
