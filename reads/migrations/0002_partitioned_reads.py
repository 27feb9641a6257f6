"""The reads table, partitioned by day, plus the access log's append-only trigger.

Django cannot express a partitioned table, so `Read` is unmanaged and this migration owns its DDL:
- RANGE partitions on captured_at, one per UTC day, created by reads_ensure_partition(day) (called by the
  scheduler ahead of time and by ingest on demand); whole days past retention go by DROP TABLE;
- the primary key (id, captured_at, owner_agency_id) keeps the owner agency in every key, so the table can be
  distributed by agency (Citus) without changing queries;
- idempotency key (owner_agency_id, source_id, captured_at): a replayed batch carries the same capture times;
- indexes: exact plate (plate, captured_at), camera (camera_id, captured_at), area (GiST on location). Partial
  plates are matched through the trigram index of reads_plate, not an index per read (see docs/benchmarks.md).
"""

from django.db import migrations

READS_TABLE = """
CREATE SEQUENCE reads_read_id_seq CACHE 100;
CREATE TABLE reads_read (
    id bigint NOT NULL DEFAULT nextval('reads_read_id_seq'),
    owner_agency_id bigint NOT NULL,
    camera_id bigint NULL,
    captured_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    plate varchar(10) NOT NULL,
    plate_state varchar(2) NOT NULL DEFAULT '',
    plate_kind varchar(8) NOT NULL DEFAULT 'full',
    confidence double precision NULL,
    candidates jsonb NOT NULL DEFAULT '[]',
    vehicle_make varchar(40) NOT NULL DEFAULT '',
    vehicle_model varchar(40) NOT NULL DEFAULT '',
    vehicle_type varchar(24) NOT NULL DEFAULT '',
    vehicle_color varchar(24) NOT NULL DEFAULT '',
    direction varchar(12) NOT NULL DEFAULT '',
    heading smallint NULL,
    location geography(Point, 4326) NULL,
    image varchar(255) NOT NULL DEFAULT '',
    plate_crop varchar(255) NOT NULL DEFAULT '',
    source varchar(16) NOT NULL,
    source_id varchar(128) NOT NULL,
    recognition_job_id bigint NULL,
    CONSTRAINT reads_read_pk PRIMARY KEY (id, captured_at, owner_agency_id),
    CONSTRAINT reads_read_source_unique UNIQUE (owner_agency_id, source_id, captured_at)
) PARTITION BY RANGE (captured_at);
ALTER SEQUENCE reads_read_id_seq OWNED BY reads_read.id;
CREATE INDEX reads_read_plate_time ON reads_read (plate, captured_at);
CREATE INDEX reads_read_camera_time ON reads_read (camera_id, captured_at);
CREATE INDEX reads_read_location ON reads_read USING gist (location);

CREATE FUNCTION reads_ensure_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    name text := 'reads_read_p' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(name) IS NULL THEN
        -- Serialize concurrent creators of the same day (ingest workers racing on a new day).
        PERFORM pg_advisory_xact_lock(hashtext(name));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF reads_read FOR VALUES FROM (%L) TO (%L)',
                name, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC')
            );
        END IF;
    END IF;
    RETURN name;
END $$;
"""

READS_TABLE_REVERSE = """
DROP TABLE reads_read;
DROP FUNCTION reads_ensure_partition(date);
"""

ACCESS_LOG_APPEND_ONLY = """
CREATE FUNCTION reads_accesslog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only (Civil Code 1798.90.52): % refused.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER reads_accesslogentry_append_only
    BEFORE UPDATE OR DELETE ON reads_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION reads_accesslog_refuse_change();
"""

ACCESS_LOG_APPEND_ONLY_REVERSE = """
DROP TRIGGER reads_accesslogentry_append_only ON reads_accesslogentry;
DROP FUNCTION reads_accesslog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reads", "0001_initial")]

    operations = [
        migrations.RunSQL(READS_TABLE, READS_TABLE_REVERSE),
        migrations.RunSQL(ACCESS_LOG_APPEND_ONLY, ACCESS_LOG_APPEND_ONLY_REVERSE),
    ]
