"""Recovery codes (django-otp static tokens) are stored as digests from now on (agencies.signin.services.
recovery_code_digest): replace the plain codes already stored by their digests, so that they keep working.

The digest is computed here as that function computes it today (a migration must not change with later code)."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.db import migrations


def _digest(code: str) -> str:
    normalized = "".join(code.split()).replace("-", "").lower()
    mac = hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()


def hash_stored_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().only("pk", "token"):
        StaticToken.objects.filter(pk=token.pk).update(token=_digest(token.token))


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_agency_sharing_permissions"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # Not reversible into codes (that is the point); reversing leaves the digests, which then match nothing.
    operations = [migrations.RunPython(hash_stored_codes, migrations.RunPython.noop)]
