"""Rate limits by scope, with the rates in settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).

Attach to a view with `throttle_classes = [SearchRateThrottle]` (or `IngestRateThrottle`). Counts live in the
default cache (Redis), so every web worker shares them. The rate is read when a request arrives rather than
when this module is imported, so a settings override (a deployment's env, a test) takes effect.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from agencies.models import ApiToken

logger = logging.getLogger(__name__)


class FailOpenMixin:
    """A rate limit guards the service; it must not take it down. When the cache (Redis) is unreachable the request
    goes through unthrottled (and a warning is logged) instead of failing with a 500: ingest keeps storing reads and
    searches keep working (and keep being logged) through a Redis outage. Sign-in does not use this."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            logger.warning("rate limit %s not checked (cache unavailable): %s", self.__class__.__name__, exc)
            return True


class CountingMixin(SimpleRateThrottle):
    """Counts requests in one Redis round trip: a counter per caller that expires `duration` after the first request
    it counts (INCR, then EXPIRE NX, in one MULTI). DRF's own count keeps the time of every request in a list that
    each request reads and writes back whole: two round trips, and a list as long as the rate allows (6,000 entries
    at the ingest rate), which cost half a millisecond per camera message. A window starts with its first request,
    so a caller gets at most `num_requests` in it, and at most twice that across two windows back to back: enough
    to stop a runaway client, which is what these limits are for. Placed after the scoped class in the bases, so
    that ScopedRateThrottle still reads the view's scope and rate first."""

    retry_after: int | None = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # Its own key name: DRF's throttles keep a pickled list under `self.key`, which INCR cannot count.
        key = cache.make_and_validate_key(f"count:{self.key}")
        # The cache's Redis client (Django's RedisCache): the same server and key prefix as every other count.
        pipe = cache._cache.get_client(key, write=True).pipeline()
        pipe.incr(key)
        pipe.expire(key, self.duration, nx=True)  # NX: Redis 7 or later (docs/deploy.md)
        pipe.ttl(key)
        count, _, ttl = pipe.execute()
        if count <= self.num_requests:
            return True
        self.retry_after = ttl if ttl > 0 else self.duration
        return False

    def wait(self):
        return self.retry_after


class FailOpenScopedRateThrottle(FailOpenMixin, ScopedRateThrottle, CountingMixin):
    """DRF's ScopedRateThrottle (the view's `throttle_scope`, the ingest views'), counted in one round trip
    (CountingMixin), failing open when the cache is down."""

    def get_rate(self):
        # DRF's ScopedRateThrottle reads the rates once, at import; read them when the request arrives (module doc).
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}.") from exc


class ScopeRateThrottle(SimpleRateThrottle):
    """A throttle for one fixed scope, counting per signed-in user, or per client address for anonymous calls."""

    scope: str = ""

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}.") from exc

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginRateThrottle(ScopeRateThrottle):
    """Sign-in attempts per client address (who is signing in is not known yet). Works on plain Django views
    too: see agencies.signin.views.SignInView."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SearchRateThrottle(FailOpenMixin, ScopeRateThrottle):
    """Searches of ALPR data per person: the one count that the API's search view and every console search
    (console.access.search_rate_check) share, under one cache key per user, so the limit is one limit whichever
    channel a person uses."""

    scope = "search"


class IngestRateThrottle(FailOpenMixin, ScopeRateThrottle):
    """Ingest pushes per API token (one per camera or agent), else per user."""

    scope = "ingest"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
        return super().get_cache_key(request, view)
