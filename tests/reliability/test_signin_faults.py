"""Sign-in while Redis (the lockout store) is down: refused with a clear 503, never a 500, nothing recorded.

Sign-in fails closed on purpose (common.outage): a sign-in whose failures cannot be counted would let a
password guesser past the five-failure lockout for as long as the outage lasts.
"""

import pytest
from django.test import Client

from agencies.choices import Role
from agencies.models import SignInEvent
from common.outage import MESSAGES

PASSWORD = "correct-horse-battery-staple"  # tests/factories.py


@pytest.mark.django_db
def test_sign_in_with_redis_down_answers_503_and_changes_nothing(make_user, private_redis, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"{private_redis.url}/1"}
    }
    make_user(Role.OFFICER, username="officer1")
    client = Client()
    private_redis.stop()
    events = SignInEvent.objects.count()

    response = client.post("/accounts/login/", {"username": "officer1", "password": PASSWORD})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert MESSAGES["cache"] in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.count() == events

    private_redis.start()
    response = client.post("/accounts/login/", {"username": "officer1", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
