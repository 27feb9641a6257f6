"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# Web requests bound every SQL statement (30 s): a runaway query answers an error instead of holding a worker and
# its locks. Workers (celery) do not load this module and keep no statement timeout.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "30000")

application = get_wsgi_application()
