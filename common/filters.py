"""The API's list filters (REST_FRAMEWORK's DEFAULT_FILTER_BACKENDS): django-filter's, with date-times sent to the
database in UTC.

Python reads a UTC offset of up to ±23:59 (`...T10:00-23:42`); PostgreSQL takes at most ±15:59 and answers any more
with an error, which was a 500 on every list filtered by time (found by the API fuzzing). A date-time filter's value
is therefore converted to UTC once parsed, and one that cannot be (past year 9999 in UTC) is refused as invalid.
"""

import datetime as dt

from django import forms
from django.db import models
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField


class UTCIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class FilterSet(filters.FilterSet):
    """Base of every filterset of the API, named (an app's filtersets.py) or made from a view's `filterset_fields`."""

    FILTER_DEFAULTS = {**filters.FilterSet.FILTER_DEFAULTS, models.DateTimeField: {"filter_class": IsoDateTimeFilter}}


class FilterBackend(filters.DjangoFilterBackend):
    filterset_base = FilterSet
