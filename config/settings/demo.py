"""The demo that `./dev up` serves: the production settings on one machine, over plain HTTP on localhost.

DEBUG is off, as in production: error pages show nothing of the code, the settings or the URL map. What differs
is only what a single machine without TLS needs: the secret key is generated once and kept in var/ (mode 0600),
the access log's MAC key is generated once in var/ too, the allowed hosts default to this machine's names, and the HTTPS-only settings (redirect, HSTS, secure cookies)
are off, since the demo is reached at http://127.0.0.1:8000/. Never use these settings on a public address.
"""

import os
import secrets
from pathlib import Path

_VAR = Path(__file__).resolve().parent.parent.parent / "var"


def _demo_secret_key() -> str:
    path = _VAR / "demo-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


os.environ.setdefault("DJANGO_SECRET_KEY", _demo_secret_key())
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# The access log's MAC key: the one the development settings generate in var/ (migrate and seed_demo run with them).
if not os.environ.get("AUDIT_LOG_KEYS"):
    from config.audit_keys import ensure_key_file  # noqa: E402

    os.environ.setdefault("AUDIT_LOG_KEY_FILE", str(ensure_key_file(_VAR / "audit-log.keys")))

from .production import *  # noqa: E402, F403
from .production import env  # noqa: E402

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0  # HSTS on localhost would make the browser insist on HTTPS for every local site
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
