"""Static file finders (STATICFILES_FINDERS) for which a path that climbs out of the static folders is not found.

Django's finders raise SuspiciousFileOperation for `/static/%2e%2e/...`. The development server serves /static/
from a handler that runs before any middleware and lets only Http404 through, so that exception was a 500 there
(and WhiteNoise asks the same finders when it serves from them). Not found is the true answer: a 404.
"""

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation


class _OutsideIsNotFound:
    def find(self, path, *args, **kwargs):
        try:
            return super().find(path, *args, **kwargs)
        except SuspiciousFileOperation:
            return []  # what Django's finders answer for a file they do not have


class FileSystemFinder(_OutsideIsNotFound, finders.FileSystemFinder):
    pass


class AppDirectoriesFinder(_OutsideIsNotFound, finders.AppDirectoriesFinder):
    pass
