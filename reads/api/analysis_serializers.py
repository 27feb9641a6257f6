"""Requests and answers of the analyses (reads.analysis). Criteria are checked by the services, which name the
problem; these only parse types."""

from rest_framework import serializers

from ..analysis.convoy import DEFAULT_MIN_TOGETHER, DEFAULT_SECONDS, MAX_SECONDS, ConvoyCriteria
from ..analysis.locate import DEFAULT_GROUP_M, LocateCriteria
from ..analysis.places import Place, PlacesCriteria
from ..search import Near
from .serializers import NearSerializer, PurposeSerializer, ReadSerializer

PLACE_POINT_INCOMPLETE = "A place's point needs latitude, longitude and radius_m."


class ConvoyRequestSerializer(PurposeSerializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    plate = serializers.CharField(required=False, allow_blank=True, max_length=20)
    plate_state = serializers.CharField(required=False, allow_blank=True, max_length=2)
    read_id = serializers.IntegerField(required=False, min_value=1, help_text="One of the target's reads.")
    read = serializers.IntegerField(required=False, min_value=1, help_text="Same as read_id.")
    seconds = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_SECONDS, default=DEFAULT_SECONDS, help_text="Within ± seconds."
    )
    min_together = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, default=DEFAULT_MIN_TOGETHER, help_text="At least K times."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def to_criteria(self) -> ConvoyCriteria:
        data = self.validated_data
        return ConvoyCriteria(
            start=data.get("start"),
            end=data.get("end"),
            plate=data.get("plate", ""),
            plate_state=data.get("plate_state", ""),
            read_id=data.get("read_id") or data.get("read"),
            seconds=data["seconds"],
            min_together=data["min_together"],
            limit=data["limit"],
        )


class PlaceSerializer(serializers.Serializer):
    """A point with a radius (`near`, or `latitude`, `longitude` and `radius_m`) or the cameras chosen, and the
    place's own window (else the request's)."""

    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    near = NearSerializer(required=False)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_m = serializers.FloatField(required=False, min_value=1)
    radius = serializers.FloatField(required=False, min_value=1, help_text="Same as radius_m.")
    cameras = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)

    def validate(self, attrs):
        if attrs.get("radius_m") is None and attrs.get("radius") is not None:
            attrs["radius_m"] = attrs["radius"]
        flat = [attrs.get(name) for name in ("latitude", "longitude", "radius_m")]
        if any(value is not None for value in flat):
            if any(value is None for value in flat):
                raise serializers.ValidationError(PLACE_POINT_INCOMPLETE)
            attrs["near"] = dict(zip(("latitude", "longitude", "radius_m"), flat, strict=True))
        return attrs


class PlacesRequestSerializer(PurposeSerializer):
    start = serializers.DateTimeField(required=False, help_text="Window of places that give none of their own.")
    end = serializers.DateTimeField(required=False)
    places = PlaceSerializer(many=True)
    plate = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="Full or `7AB*`.")
    plate_kind = serializers.CharField(required=False, allow_blank=True, max_length=8)
    vehicle_make = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vehicle_model = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vehicle_type = serializers.CharField(required=False, allow_blank=True, max_length=24)
    vehicle_color = serializers.CharField(required=False, allow_blank=True, max_length=24)
    min_places = serializers.IntegerField(required=False, allow_null=True, help_text="Default: all places.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def to_criteria(self) -> PlacesCriteria:
        data = self.validated_data
        places = [
            Place(
                start=place.get("start") or data.get("start"),
                end=place.get("end") or data.get("end"),
                near=Near(**place["near"]) if place.get("near") else None,
                cameras=place.get("cameras", []),
            )
            for place in data["places"]
        ]
        return PlacesCriteria(
            places=places,
            plate=data.get("plate", ""),
            plate_kind=data.get("plate_kind", ""),
            vehicle_make=data.get("vehicle_make", ""),
            vehicle_model=data.get("vehicle_model", ""),
            vehicle_type=data.get("vehicle_type", ""),
            vehicle_color=data.get("vehicle_color", ""),
            min_places=data.get("min_places"),
            limit=data["limit"],
        )


class LocateRequestSerializer(PurposeSerializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    plate = serializers.CharField(required=False, allow_blank=True, max_length=20)
    plate_state = serializers.CharField(required=False, allow_blank=True, max_length=2)
    group_m = serializers.FloatField(
        required=False, default=DEFAULT_GROUP_M, help_text="Cameras this close to each other are one place."
    )

    def to_criteria(self) -> LocateCriteria:
        data = self.validated_data
        return LocateCriteria(
            start=data.get("start"),
            end=data.get("end"),
            plate=data.get("plate", ""),
            plate_state=data.get("plate_state", ""),
            group_m=data["group_m"],
        )


class EvidencePairSerializer(serializers.Serializer):
    target = ReadSerializer()
    companion = ReadSerializer()
    seconds_apart = serializers.IntegerField()


class ConvoyResultSerializer(serializers.Serializer):
    plate = serializers.CharField()
    plate_state = serializers.CharField()
    score = serializers.FloatField()
    together = serializers.IntegerField(help_text="Distinct target reads this vehicle was read beside.")
    places = serializers.IntegerField(help_text="Distinct cameras where it was.")
    days = serializers.IntegerField()
    evidence = EvidencePairSerializer(many=True)


class ConvoyResponseSerializer(serializers.Serializer):
    access_log_id = serializers.IntegerField()
    plate = serializers.CharField()
    plate_state = serializers.CharField()
    target_reads = serializers.IntegerField()
    target_reads_capped = serializers.BooleanField()
    count = serializers.IntegerField()
    results = ConvoyResultSerializer(many=True)


class PlaceEvidenceSerializer(serializers.Serializer):
    place = serializers.IntegerField(help_text="Index of the place in the request.")
    reads = serializers.IntegerField()
    read = ReadSerializer(allow_null=True)


class PlacesResultSerializer(serializers.Serializer):
    plate = serializers.CharField()
    plate_state = serializers.CharField()
    places_matched = serializers.IntegerField()
    reads = serializers.IntegerField()
    score = serializers.FloatField()
    evidence = PlaceEvidenceSerializer(many=True)


class PlacesResponseSerializer(serializers.Serializer):
    access_log_id = serializers.IntegerField()
    count = serializers.IntegerField()
    results = PlacesResultSerializer(many=True)


class LikelyCameraSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LikelyPlaceSerializer(serializers.Serializer):
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    cameras = LikelyCameraSerializer(many=True)
    reads = serializers.IntegerField()
    days = serializers.SerializerMethodField()
    score = serializers.FloatField()
    by_hour = serializers.ListField(child=serializers.IntegerField())
    by_weekday = serializers.ListField(child=serializers.IntegerField(), help_text="Monday first.")
    peak_hour = serializers.IntegerField()
    peak_weekday = serializers.IntegerField(help_text="0 = Monday.")
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    evidence = ReadSerializer(many=True)

    def get_days(self, place) -> int:
        return len(place.days)


class LikelySlotSerializer(serializers.Serializer):
    place = serializers.IntegerField()
    weekday = serializers.IntegerField()
    hour = serializers.IntegerField()
    reads = serializers.IntegerField()


class LocateResponseSerializer(serializers.Serializer):
    access_log_id = serializers.IntegerField()
    plate = serializers.CharField()
    plate_state = serializers.CharField()
    reads = serializers.IntegerField()
    days = serializers.IntegerField()
    count = serializers.SerializerMethodField()
    places = LikelyPlaceSerializer(many=True)
    slots = LikelySlotSerializer(many=True)
    by_hour = serializers.ListField(child=serializers.IntegerField())
    by_weekday = serializers.ListField(child=serializers.IntegerField())

    def get_count(self, analysis) -> int:
        return len(analysis.places)
