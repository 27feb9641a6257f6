"""The one Celery application. Workers run `celery -A config worker`; the scheduler runs `celery -A config beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("alpr")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
