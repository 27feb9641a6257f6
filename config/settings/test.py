"""Test settings: the real PostgreSQL and Redis, fast password hashing, Celery eager unless a test starts a worker."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env

# A fixed key, so that test runs are reproducible; the second one lets tests rotate keys.
AUDIT_LOG_KEYS = {"test-1": bytes.fromhex("11" * 32), "test-2": bytes.fromhex("22" * 32)}
AUDIT_LOG_KEY_ID = "test-1"

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default="redis://localhost:6379/15"),
        "KEY_PREFIX": "alpr-test",
    }
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"search": "10000/min", "ingest": "100000/min", "login": "1000/min"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
# No street-map tiles in tests: nothing outside this machine is reached, and the maps show their plain fallback.
MAP_TILE_URL = ""
