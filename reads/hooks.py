"""What reads' ingest asks of the apps built on it. Every read is matched against the hotlists at ingest, in the
same transaction; hotlists builds on reads, not the reverse, so it registers its matcher here when it starts
(HotlistsConfig.ready) and reads imports nothing of hotlists."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

NO_MATCHER = "No hotlist matcher is registered: reads cannot be stored unmatched (is the hotlists app installed?)."

_matcher: Callable[[list], list] | None = None


def register_ingest_matcher(matcher: Callable[[list], list]) -> None:
    """Called once by the hotlists app: `matcher(stored reads)` -> the alerts it raised."""
    global _matcher
    _matcher = matcher


def ingest_match(stored: list) -> list:
    """The alerts the registered matcher raised for `stored`. Refuses to run without one (fail closed)."""
    if _matcher is None:
        raise ImproperlyConfigured(NO_MATCHER)
    return _matcher(stored)
