"""Serializer fields the API shares where DRF's own accept too much."""

from rest_framework import serializers


class FloatField(serializers.FloatField):
    """DRF's FloatField, refusing JSON's true and false: `float(True)` is 1.0, so DRF's would take `true` as 1."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)
