"""The access log as an auditor reads it: local times to the second, people and agencies by name, and the
criteria of a search in words rather than its stored JSON. Used by the access-log admin, its CSV export and the
audit review; nothing here writes."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agencies.models import Agency

from .models import AccessLogEntry, Camera

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
_VEHICLE = (("vehicle_color", "colour"), ("vehicle_make", "make"), ("vehicle_model", "model"), ("vehicle_type", "type"))


def local_time(value: dt.datetime | str | None) -> str:
    """A time in the site's zone, to the second, with the zone's abbreviation (e.g. 2026-11-30 09:12:33 PST)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{local.strftime(LOCAL_FORMAT)} {local.tzname()}"


def person(entry: AccessLogEntry) -> str:
    """The person's full name and username ("Jane Doe (jdoe)"), or the username the row kept."""
    user = entry.user
    full = user.get_full_name() if user is not None else ""
    return f"{full} ({entry.username})" if full else entry.username


def criteria_in_words(query: dict, *, names: dict | None = None) -> str:
    """`query` (AccessLogEntry.query) as a sentence: "plate 7ABC123 (similar plates too), 2026-11-01 00:00:00 PDT
    to ..., cameras Main St, agencies Palm Vista PD". `names` may carry preloaded {"agencies": {id: name},
    "cameras": {id: name}}; missing names are looked up."""
    names = names or {}
    parts: list[str] = []
    if query.get("plate"):
        plate = f"plate {query['plate']}"
        if query.get("plate_state"):
            plate += f" ({query['plate_state']})"
        if query.get("fuzzy"):
            plate += ", similar plates too"
        parts.append(plate)
    if query.get("plate_kind"):
        parts.append(f"plate kind {query['plate_kind']}")
    vehicle = [f"{label} {query[key]}" for key, label in _VEHICLE if query.get(key)]
    if vehicle:
        parts.append("vehicle " + ", ".join(vehicle))
    if query.get("start") or query.get("end"):
        parts.append(f"from {local_time(query.get('start')) or '?'} to {local_time(query.get('end')) or '?'}")
    near = query.get("near")
    if isinstance(near, dict) and near.get("latitude") is not None:
        parts.append(f"within {near.get('radius_m', 0):,.0f} m of {near['latitude']:.5f}, {near['longitude']:.5f}")
    for key, label in (("cameras", "cameras"), ("agencies", "agencies")):
        ids = query.get(key) or []
        if ids:
            known = names[key] if key in names else _names(key, ids)
            parts.append(f"{label} " + ", ".join(known.get(i, f"#{i}") for i in ids))
    if query.get("alert_id"):
        parts.append(f"image of alert {query['alert_id']}")
    elif query.get("read_id"):
        parts.append(f"image of read {query['read_id']}")
    shown = {"plate", "plate_state", "fuzzy", "plate_kind", "start", "end", "near", "cameras", "agencies", "alert_id"}
    shown |= {"read_id", "kind"} | {key for key, _ in _VEHICLE}
    parts += [f"{key.replace('_', ' ')} {value}" for key, value in sorted(query.items()) if key not in shown]
    return "; ".join(parts) or "(no criteria recorded)"


def agency_names(ids, *, names: dict | None = None) -> str:
    found = names["agencies"] if names and "agencies" in names else _names("agencies", ids)
    return ", ".join(found.get(i, f"#{i}") for i in ids)


def names_of(entries) -> dict:
    """{"agencies": {id: name}, "cameras": {id: name}} for every agency and camera the entries' criteria and searched
    agencies name: two queries for a whole page or export, instead of two per row."""
    ids: dict[str, set] = {"agencies": set(), "cameras": set()}
    for entry in entries:
        query = entry.query if isinstance(entry.query, dict) else {}
        for key in ids:
            ids[key].update(i for i in query.get(key) or [] if isinstance(i, int))
        ids["agencies"].update(i for i in entry.agencies_searched or [] if isinstance(i, int))
    return {key: _names(key, sorted(values)) if values else {} for key, values in ids.items()}


def _names(key: str, ids) -> dict:
    model = Agency if key == "agencies" else Camera
    clean = [i for i in ids if isinstance(i, int)]
    return dict(model.objects.filter(pk__in=clean).values_list("pk", "name"))
