"""Validation of the signed MOU document: a PDF (by extension and by its first bytes), at most 10 MB."""

from __future__ import annotations

from django.core.exceptions import ValidationError

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"

DOCUMENT_NOT_PDF = (
    "The signed MOU must be a PDF file (a file ending in .pdf, as saved by a scanner or 'Save as PDF'). "
    "Other formats such as Word documents or photos cannot be attached."
)
DOCUMENT_NOT_REALLY_PDF = (
    "This file is named .pdf but is not a PDF document. Open it and save it again as PDF, then attach it."
)
DOCUMENT_TOO_LARGE = "The signed MOU is larger than 10 MB. Scan it at a lower resolution and attach it again."
DOCUMENT_EMPTY = "The signed MOU file is empty."


def validate_signed_pdf(value) -> None:
    """Refuse anything that is not a PDF of at most DOCUMENT_MAX_BYTES.

    Only a new upload is checked: a document already stored passed this check when it was attached, and reading
    it back from storage on every save would only add a way to fail.
    """
    if not value or getattr(value, "_committed", False):
        return
    if not (value.name or "").lower().endswith(".pdf"):
        raise ValidationError(DOCUMENT_NOT_PDF, code="not_pdf")
    size = value.size
    if size == 0:
        raise ValidationError(DOCUMENT_EMPTY, code="empty")
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError(DOCUMENT_TOO_LARGE, code="too_large")
    value.seek(0)
    head = value.read(len(PDF_MAGIC))
    value.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(DOCUMENT_NOT_REALLY_PDF, code="not_really_pdf")
