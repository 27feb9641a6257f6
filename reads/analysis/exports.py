"""The analyses' results as CSV rows: one row per piece of evidence (a pair of reads, a read per place, a read per
likely place), so that an export carries what supports each result. Used by the API's and the console's exports,
which log the export themselves."""

from __future__ import annotations

from .locate import WEEKDAYS


def _camera(read) -> str:
    return read.camera.name if read.camera_id and read.camera else ""


def convoy_csv_rows(analysis):
    yield ["rank", "plate", "plate_state", "score", "together", "places", "days", "target_read_id", "target_at",
           "companion_read_id", "companion_at", "seconds_apart", "camera", "agency"]  # fmt: skip
    for rank, result in enumerate(analysis.results, 1):
        for pair in result.evidence:
            yield [rank, result.plate, result.plate_state, result.score, result.together, result.places, result.days,
                   pair.target.pk, pair.target.captured_at.isoformat(), pair.companion.pk,
                   pair.companion.captured_at.isoformat(), pair.seconds_apart, _camera(pair.companion),
                   pair.companion.owner_agency.name]  # fmt: skip


def places_csv_rows(analysis):
    yield ["rank", "plate", "plate_state", "places_matched", "reads", "place", "reads_at_place", "read_id",
           "captured_at", "camera", "agency"]  # fmt: skip
    for rank, result in enumerate(analysis.results, 1):
        for item in result.evidence:
            read = item.read
            yield [rank, result.plate, result.plate_state, result.places_matched, result.reads, item.place,
                   item.reads, read.pk if read else "", read.captured_at.isoformat() if read else "",
                   _camera(read) if read else "", read.owner_agency.name if read else ""]  # fmt: skip


def locate_csv_rows(analysis):
    yield ["rank", "latitude", "longitude", "cameras", "reads", "days", "score", "peak_weekday", "peak_hour",
           "read_id", "captured_at", "agency"]  # fmt: skip
    for rank, place in enumerate(analysis.places, 1):
        for read in place.evidence:
            yield [rank, place.latitude, place.longitude, "; ".join(c.name for c in place.cameras), place.reads,
                   len(place.days), place.score, WEEKDAYS[place.peak_weekday], place.peak_hour, read.pk,
                   read.captured_at.isoformat(), read.owner_agency.name]  # fmt: skip
