"""A URL map for test_throttles: one ingest-throttled view, reached through the real authentication classes."""

from django.urls import path

from .test_throttles import _IngestView

urlpatterns = [path("ingest/", _IngestView.as_view())]
