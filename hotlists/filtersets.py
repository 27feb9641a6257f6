import django_filters

from common.filters import FilterSet, IsoDateTimeFilter
from reads.plates import PlateError, normalize_plate

from .choices import AlertStatus
from .models import Alert, HotlistEntry


class AlertFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["status", "hotlist", "historical", "since"]


class HotlistEntryFilterSet(FilterSet):
    plate = django_filters.CharFilter(method="filter_plate")

    class Meta:
        model = HotlistEntry
        fields = ["hotlist", "plate", "plate_state", "reason"]

    def filter_plate(self, queryset, name, value):
        """The plate as ingest and entry creation normalise it, so that `7abc-123` finds 7ABC123."""
        try:
            return queryset.filter(plate=normalize_plate(value))
        except PlateError:
            return queryset.none()  # no entry can hold a plate that does not normalise
