"""What reads' ingest asks of the apps built on it. Every read is matched against the hotlists at ingest, in the
same transaction; hotlists builds on reads, not the reverse, so it registers its matcher here when it starts
(HotlistsConfig.ready) and reads imports nothing of hotlists."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

NO_MATCHER = "No hotlist matcher is registered: reads cannot be stored unmatched (is the hotlists app installed?)."

_matcher: Callable[[list], list] | None = None
_alerted: Callable[[set[int]], set[int]] | None = None


def register_ingest_matcher(matcher: Callable[[list], list], alerted: Callable[[set[int]], set[int]]) -> None:
    """Called once by the hotlists app: `matcher(stored reads)` -> the alerts it raised; `alerted(read ids)` -> those
    of the ids that already raised an alert (a vehicle pass raises one alert at most, reads/passes.py)."""
    global _matcher, _alerted
    _matcher, _alerted = matcher, alerted


def ingest_match(stored: list) -> list:
    """The alerts the registered matcher raised for `stored`. Refuses to run without one (fail closed)."""
    if _matcher is None:
        raise ImproperlyConfigured(NO_MATCHER)
    return _matcher(stored)


def ingest_alerted(read_ids: set[int]) -> set[int]:
    """The reads among `read_ids` that already raised an alert (the registered hook's answer)."""
    if _alerted is None:
        raise ImproperlyConfigured(NO_MATCHER)
    return _alerted(read_ids)
