import django_filters

from .choices import AlertStatus
from .models import Alert, HotlistEntry


class AlertFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["status", "hotlist", "historical", "since"]


class HotlistEntryFilterSet(django_filters.FilterSet):
    plate = django_filters.CharFilter(method="filter_plate")

    class Meta:
        model = HotlistEntry
        fields = ["hotlist", "plate", "plate_state", "reason"]

    def filter_plate(self, queryset, name, value):
        return queryset.filter(plate=value.upper().replace(" ", "").replace("-", ""))
