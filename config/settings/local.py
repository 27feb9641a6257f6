"""Development settings: debug on, everything else as in base."""

from config.audit_keys import current_key_id, ensure_key_file, load_audit_keys

from .base import *  # noqa: F403
from .base import AUDIT_LOG_KEYS, BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Development and the demo: without a configured key, one is generated once in var/ (never in production).
if not AUDIT_LOG_KEYS:
    AUDIT_LOG_KEYS = load_audit_keys(key_file=ensure_key_file(BASE_DIR / "var" / "audit-log.keys"))
AUDIT_LOG_KEY_ID = current_key_id(AUDIT_LOG_KEYS, env("AUDIT_LOG_KEY_ID", default=""))
