"""A URL map with one view that fails, for the 500 page test."""

from django.urls import path


def _boom(request):
    raise RuntimeError("secret-detail: password=hunter2 at /srv/alpr/config/settings/base.py")


urlpatterns = [path("boom/", _boom)]
