"""The access log's MAC keys, read by the settings from the environment or a key file, never from the database.

A database administrator who can rewrite rows must not also hold what proves them genuine, so the keys live with
the application's other secrets. Format, in the variable AUDIT_LOG_KEYS or in the file AUDIT_LOG_KEY_FILE names:
`key_id:hex` entries separated by commas or newlines (`#` starts a comment), each key at least 32 bytes. Several
keys are listed during a rotation: new rows use AUDIT_LOG_KEY_ID (default: the last key listed), older rows name
the key they were written under. Plain Python, no Django: the settings import it.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")

KEYS_MISSING = (
    "The access log needs a MAC key: set AUDIT_LOG_KEYS ('key_id:hex', 64 hex digits or more) or AUDIT_LOG_KEY_FILE "
    "(a file of such lines). Generate one with: python -c 'import secrets; print(\"k1:\" + secrets.token_hex(32))'."
)
KEY_MALFORMED = "AUDIT_LOG_KEYS entry {n} is not 'key_id:hex' with a key of at least 32 bytes (64 hex digits)."
KEY_ID_UNKNOWN = "AUDIT_LOG_KEY_ID names {key_id!r}, which is not among the keys given ({known})."


def parse_audit_keys(text: str) -> dict[str, bytes]:
    """{key id: key} from 'id:hex' entries; order kept (the last one is the default current key)."""
    keys: dict[str, bytes] = {}
    entries = [part.split("#", 1)[0].strip() for line in text.splitlines() for part in line.split(",")]
    for n, entry in enumerate([e for e in entries if e], start=1):
        key_id, _, value = entry.partition(":")
        try:
            key = bytes.fromhex(value.strip())
        except ValueError:
            key = b""
        if not _KEY_ID.match(key_id.strip()) or len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(KEY_MALFORMED.format(n=n))
        keys[key_id.strip()] = key
    return keys


def load_audit_keys(*, keys_text: str = "", key_file: str = "") -> dict[str, bytes]:
    """The keys from the variable and the file together (both may be given); empty when neither is."""
    keys = parse_audit_keys(keys_text)
    if key_file:
        path = Path(key_file)
        if not path.is_file():
            raise ImproperlyConfigured(f"AUDIT_LOG_KEY_FILE {key_file} does not exist.")
        keys.update(parse_audit_keys(path.read_text()))
    return keys


def current_key_id(keys: dict[str, bytes], key_id: str = "") -> str:
    """The key new rows are written under: `key_id` when given (it must be held), else the last key listed."""
    if not keys:
        raise ImproperlyConfigured(KEYS_MISSING)
    if not key_id:
        return list(keys)[-1]
    if key_id not in keys:
        raise ImproperlyConfigured(KEY_ID_UNKNOWN.format(key_id=key_id, known=", ".join(keys)))
    return key_id


def ensure_key_file(path: Path) -> str:
    """For development and the demo only: create a key file with one random key if there is none. Production
    settings never call this (a generated key beside the database would prove nothing)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# access-log MAC key generated for development\ndev-1:{secrets.token_hex(32)}\n")
        path.chmod(0o600)
    return str(path)
