"""Failed sign-in counting and lockout, kept in the cache (Redis) so every web worker sees the same counts.

CJIS habit: five failed sign-ins lock the account for ten minutes. Failures are counted twice, per username
and per client address, so that neither guessing many passwords for one account nor one password across many
accounts gets far. The check runs in an authentication backend (`LockoutBackend`, first in
AUTHENTICATION_BACKENDS), so it covers every path that calls `django.contrib.auth.authenticate`: the console
login, Django admin and any API login. Failures are counted by the `user_login_failed` receiver
(agencies.signin.receivers) and by the second-factor views.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from common.client import client_address  # the one definition, shared with the access log

LOCKED_OUT = "Too many failed sign-in attempts. Sign-in is locked for ten minutes; try again later."


def _max_failures() -> int:
    return settings.ALPR_SIGNIN_MAX_FAILURES


def _lockout_seconds() -> int:
    return settings.ALPR_SIGNIN_LOCKOUT_SECONDS


def _key(kind: str, subject: str) -> str:
    # Hashed: usernames may hold characters a cache key should not, and the cache need not know them.
    return f"signin:{kind}:" + hashlib.sha256(subject.encode()).hexdigest()[:32]


def _subjects(username: str | None, address: str | None) -> list[str]:
    subjects = []
    if username:
        subjects.append("user:" + username.casefold())
    if address:
        subjects.append("addr:" + address)
    return subjects


def is_locked(*, username: str | None, address: str | None) -> bool:
    keys = [_key("lock", subject) for subject in _subjects(username, address)]
    return bool(keys) and bool(cache.get_many(keys))


def register_failure(*, username: str | None, address: str | None) -> bool:
    """Count one failure against the username and the address; return True if that locked either."""
    locked = False
    for subject in _subjects(username, address):
        count_key = _key("fails", subject)
        # A fixed ten-minute window from the first failure: INCR keeps the key's expiry.
        cache.add(count_key, 0, timeout=_lockout_seconds())
        if cache.incr(count_key) >= _max_failures():
            cache.set(_key("lock", subject), 1, timeout=_lockout_seconds())
            cache.delete(count_key)
            locked = True
    return locked


def clear_failures(*, username: str) -> None:
    """After a successful sign-in, forget the account's failures. The address's count stays: otherwise an
    attacker with one valid account could reset it between guesses at other accounts."""
    cache.delete(_key("fails", "user:" + username.casefold()))


class LockoutBackend:
    """Refuses any authentication attempt for a locked username or from a locked address.

    Deliberately not a BaseBackend and without `get_user`: it never signs anyone in, and Django (force_login,
    session restore) picks the first backend that has `get_user`.

    Raising PermissionDenied stops `authenticate` before the password is even checked, so a correct password
    does not help during the lockout; Django then sends `user_login_failed`, which records the refusal.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if is_locked(username=username, address=client_address(request)):
            raise PermissionDenied(LOCKED_OUT)
        return None
