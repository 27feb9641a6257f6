"""Documents the program page publishes (contracts, budget pages, community presentations): checked exactly like
a signed MOU (sharing.validators: a PDF by name and by its first bytes, at most 10 MB), with messages that name
what is being attached."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from sharing.validators import validate_signed_pdf

PROGRAM_DOCUMENT_NOT_PDF = (
    "The document must be a PDF file (a file ending in .pdf, as saved by a scanner or 'Save as PDF'). "
    "Other formats such as Word documents, slides or photos cannot be attached: save them as PDF first."
)
PROGRAM_DOCUMENT_NOT_REALLY_PDF = (
    "This file is named .pdf but is not a PDF document. Open it and save it again as PDF, then attach it."
)
PROGRAM_DOCUMENT_TOO_LARGE = "The document is larger than 10 MB. Save it at a lower resolution and attach it again."
PROGRAM_DOCUMENT_EMPTY = "The document file is empty."

_MESSAGES = {
    "not_pdf": PROGRAM_DOCUMENT_NOT_PDF,
    "not_really_pdf": PROGRAM_DOCUMENT_NOT_REALLY_PDF,
    "too_large": PROGRAM_DOCUMENT_TOO_LARGE,
    "empty": PROGRAM_DOCUMENT_EMPTY,
}


def validate_program_pdf(value) -> None:
    """The MOU document check (one rule for every published PDF), reworded for a program document."""
    try:
        validate_signed_pdf(value)
    except ValidationError as error:
        raise ValidationError(_MESSAGES.get(error.code, error.messages[0]), code=error.code) from None
