"""The commands of docs/deploy.md, run as written there: the deployment check, collectstatic and WhiteNoise with
the production settings, secrets read from files, the demo's settings, and the database and media backups
restored into scratch copies."""

import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from reads.choices import ReadSource
from reads.services import read_ingest

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "deploy.md").read_text()


def _pg_url(name: str | None = None) -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name or db['NAME']}"


def _production_env(**extra) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "alpr.example.gov",
        "DATABASE_URL": _pg_url().replace("postgresql://", "postgis://"),
        # production refuses to start without the access log's MAC key (docs/audit.md)
        "AUDIT_LOG_KEYS": f"deploy-test:{secrets.token_hex(32)}",
    }
    env.pop("DJANGO_DEBUG", None)
    env.update(extra)
    return env


def _run(args, env, timeout=300) -> subprocess.CompletedProcess:
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{args}: {out.stdout[-2000:]}{out.stderr[-3000:]}"
    return out


def _python(code: str, env) -> dict:
    """Run `code` (which sets `result`) under Django with `env`; return `result`."""
    script = f"import django, json\ndjango.setup()\n{code}\nprint('RESULT ' + json.dumps(result))"
    out = _run([sys.executable, "-c", script], env)
    line = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def test_the_deployment_check_passes_with_the_production_settings():
    assert "manage.py check --deploy --fail-level WARNING" in DOCS
    _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """STATIC_ROOT after `manage.py collectstatic --noinput` with the production settings (as an upgrade runs it)."""
    root = tmp_path_factory.mktemp("static")
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], _production_env(STATIC_ROOT=str(root)))
    return root


def test_collectstatic_then_whitenoise_serves_hashed_compressed_files(collected_static):
    assert "manage.py collectstatic --noinput" in DOCS
    env = _production_env(STATIC_ROOT=str(collected_static))
    assert (collected_static / "staticfiles.json").exists()
    result = _python(
        """
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
client = Client(HTTP_HOST="alpr.example.gov")
hashed = staticfiles_storage.url("css/site.css")
page = client.get(hashed, secure=True, HTTP_ACCEPT_ENCODING="gzip")
plain = client.get("/static/css/site.css", secure=True)
escape = client.get("/static/%2e%2e/manage.py", secure=True)
missing = client.get("/no-such-page/", secure=True)
result = {
    "hashed": hashed, "status": page.status_code, "cache": page.headers.get("Cache-Control", ""),
    "encoding": page.headers.get("Content-Encoding", ""), "plain": plain.status_code, "escape": escape.status_code,
    "missing": missing.status_code, "missing_page": missing.content.decode(),
}
""",
        env,
    )
    assert result["hashed"] != "/static/css/site.css" and result["hashed"].endswith(".css")
    assert (result["status"], result["encoding"]) == (200, "gzip")
    assert "immutable" in result["cache"] and "max-age=315360000" in result["cache"]
    assert (result["plain"], result["escape"], result["missing"]) == (200, 404, 404)
    assert "Page not found" in result["missing_page"] and "manage.py" not in result["missing_page"]


def test_secrets_can_be_read_from_files(tmp_path):
    secret = tmp_path / "django_secret_key"
    secret.write_text("from-a-file-" + secrets.token_urlsafe(40) + "\n")
    env = _production_env(DJANGO_SECRET_KEY_FILE=str(secret))
    del env["DJANGO_SECRET_KEY"]
    result = _python("from django.conf import settings\nresult = settings.SECRET_KEY", env)
    assert result == secret.read_text().strip()
    assert "DJANGO_SECRET_KEY_FILE" in DOCS


def test_the_demo_runs_the_production_settings_with_debug_off(collected_static):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.demo",
        "DATABASE_URL": _production_env()["DATABASE_URL"],
        "STATIC_ROOT": str(collected_static),  # `./dev up` runs collectstatic before it starts the demo
    }
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_DEBUG"):
        env.pop(name, None)
    result = _python(
        """
from django.conf import settings
from django.test import Client
missing = Client(HTTP_HOST="127.0.0.1").get("/no-such-page/")
result = {
    "debug": settings.DEBUG, "secret": settings.SECRET_KEY, "hosts": settings.ALLOWED_HOSTS,
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE,
    "storage": settings.STORAGES["staticfiles"]["BACKEND"], "missing": missing.status_code,
    "missing_page": missing.content.decode(),
}
""",
        env,
    )
    key_file = ROOT / "var" / "demo-secret-key"
    assert result["debug"] is False
    assert result["secret"] == key_file.read_text().strip() and len(result["secret"]) >= 50
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert result["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert result["whitenoise"] and result["storage"].startswith("whitenoise.")
    assert result["missing"] == 404 and "Page not found" in result["missing_page"]
    assert "URLconf" not in result["missing_page"] and "api/v1/" not in result["missing_page"]


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    drop = ["dropdb", "--if-exists", f"--maintenance-db={_pg_url('postgres')}", name]
    subprocess.run(drop, check=False, capture_output=True)
    yield name
    subprocess.run(drop, check=False, capture_output=True)


@pytest.mark.django_db(transaction=True)
def test_database_backup_restores_into_a_new_database(agency, camera, scratch_database, tmp_path):
    read_ingest(
        agency=agency,
        items=[{"camera": camera.pk, "captured_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
                "plate": "7BACKUP", "source_id": "backup-1"}],
        source=ReadSource.CAMERA_PUSH,
    )  # fmt: skip
    dump = tmp_path / "alpr.dump"
    env = {**os.environ, "PG_URL": _pg_url()}
    try:
        assert 'pg_dump --format=custom --file=/backup/alpr-$(date +%F).dump "$PG_URL"' in DOCS
        _run(["pg_dump", "--format=custom", f"--file={dump}", _pg_url()], env)
        _run(["createdb", f"--maintenance-db={_pg_url('postgres')}", scratch_database], env)
        _run(["pg_restore", "--no-owner", f"--dbname={_pg_url(scratch_database)}", str(dump)], env)
        query = (
            "SELECT (SELECT count(*) FROM agencies_agency), (SELECT count(*) FROM reads_camera), "
            "(SELECT plate || ' ' || ST_AsText(location::geometry) FROM reads_read), "
            "(SELECT count(*) FROM pg_inherits WHERE inhparent = 'reads_read'::regclass)"
        )
        restored = _run(["psql", "-tA", "-d", _pg_url(scratch_database), "-c", query], env).stdout.strip()
        with connection.cursor() as cursor:
            cursor.execute(query)
            original = "|".join(str(value) for value in cursor.fetchone())
        assert restored == original and "7BACKUP POINT" in restored
    finally:
        with connection.cursor() as cursor:  # the partitioned reads table is not Django's to flush
            cursor.execute("TRUNCATE reads_read")


def test_media_backup_restores_the_files(tmp_path):
    media = tmp_path / "media"
    (media / "reads" / "1").mkdir(parents=True)
    (media / "reads" / "1" / "rear.jpg").write_bytes(b"\xff\xd8 image bytes")
    (media / "mou.pdf").write_bytes(b"%PDF signed")
    archive = tmp_path / "alpr-media.tar.gz"
    env = {**os.environ, "MEDIA_ROOT": str(media)}
    assert '--directory="$MEDIA_ROOT" .' in DOCS
    _run(["tar", "--create", "--gzip", f"--file={archive}", f"--directory={media}", "."], env)
    shutil.rmtree(media)
    media.mkdir()
    _run(["tar", "--extract", "--gzip", f"--file={archive}", f"--directory={media}"], env)
    assert (media / "reads" / "1" / "rear.jpg").read_bytes() == b"\xff\xd8 image bytes"
    assert (media / "mou.pdf").read_bytes() == b"%PDF signed"
    assert settings.MEDIA_ROOT  # the documented variable exists
