"""Validators for agency identifiers."""

import re

from django.core.exceptions import ValidationError

from .choices import US_STATES

ORI_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{7}$")
ORI_FORMAT_ERROR = "An ORI is nine characters: a two-letter state code, then seven letters or digits (e.g. CA0330400)."
ORI_STATE_ERROR = "An ORI begins with a state code; %(prefix)s is not one."


def validate_ori(value: str) -> None:
    """NCIC originating agency identifier: state code + 7 alphanumerics."""
    if not ORI_PATTERN.match(value or ""):
        raise ValidationError(ORI_FORMAT_ERROR, code="ori_format")
    if value[:2] not in US_STATES:
        raise ValidationError(ORI_STATE_ERROR, code="ori_state", params={"prefix": value[:2]})
