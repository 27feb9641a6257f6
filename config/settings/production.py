"""Production settings: secrets from the environment with no defaults, HTTPS only."""

from config.audit_keys import current_key_id

from .base import *  # noqa: F403
from .base import AUDIT_LOG_KEYS, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# No key, no start: refuses with a message saying how to give one (AUDIT_LOG_KEYS or AUDIT_LOG_KEY_FILE).
AUDIT_LOG_KEY_ID = current_key_id(AUDIT_LOG_KEYS, env("AUDIT_LOG_KEY_ID", default=""))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# collectstatic writes each file under a content-hashed name, with .gz and .br copies, that WhiteNoise serves with
# a year's cache lifetime; templates refer to them through {% static %}.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A file missing from the manifest (collectstatic not run after an upgrade) falls back to its plain name instead of
# turning every page, the error pages included, into a 500.
WHITENOISE_MANIFEST_STRICT = False
