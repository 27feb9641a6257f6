"""The rest of a city's ALPR program page: questions from the public, the FAQ, the program's facts (cameras
planned, costs, council authorisations, community presentations), the surveillance evaluation, and the quarterly
compliance report.

Imported by transparency.models, so Django registers these models with the transparency app.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from agencies.models import Agency

from .faq import figure_names_refusal
from .validators import validate_program_pdf

QUESTION_MAX_CHARS = 2000
QUESTION_MIN_CHARS = 10

# The five elements of a surveillance technology evaluation, as councils review them (e.g. Palm Springs' ALPR
# evaluation): field name -> label. An evaluation lacking any one of them cannot be published.
EVALUATION_ELEMENTS: dict[str, str] = {
    "technology_description": "Description of the technology and how it works",
    "purpose_and_benefits": "Purpose and expected benefits",
    "where_used": "Where it may be used (locations and deployment rules)",
    "laws_and_civil_liberties": "Applicable laws, civil-liberty impacts and their mitigations",
    "costs": "Costs (acquisition, installation, annual service, maintenance, staff)",
}


def program_document_path(instance, filename: str) -> str:
    # A random name under the agency: the stored path says nothing about the document, and uploads never collide.
    return f"transparency/{instance.agency_id}/{uuid.uuid4().hex}.pdf"


def fiscal_year_of(day: dt.date) -> int:
    """California's fiscal year runs July 1 to June 30; it is named by the calendar year it starts in."""
    return day.year if day.month >= 7 else day.year - 1


def fiscal_year_label(year: int) -> str:
    return f"FY {year}-{(year + 1) % 100:02d}"


class PublicQuestion(models.Model):
    """A question a member of the public asked on the agency's portal, with no sign-in.

    `email` is kept only until the answer is sent (or PUBLIC_QUESTION_EMAIL_KEEP_DAYS after asking, by a scheduled
    task), then erased; `email_erased_at` records that it was. Nothing else about the person is stored: not the
    address they wrote from, not their name. A clerk answers in admin (transparency.program_services) and chooses
    whether the question and its answer appear in the portal's FAQ.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="public_questions")
    question = models.TextField(max_length=QUESTION_MAX_CHARS)
    email = models.EmailField("e-mail address for the reply", blank=True)
    asked_at = models.DateTimeField(db_index=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    answer_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_in_faq = models.BooleanField(
        "published in the FAQ", default=False, help_text="Show the question and its answer in the portal's FAQ."
    )

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = "question from the public"
        verbose_name_plural = "questions from the public"
        constraints = [
            models.CheckConstraint(
                name="public_question_published_only_when_answered",
                condition=models.Q(published_in_faq=False) | models.Q(answered_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        text = " ".join(self.question.split())
        return text if len(text) <= 60 else f"{text[:59]}…"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class FaqEntry(models.Model):
    """One question and answer of the agency's FAQ. The answer is text that may embed live figures by name,
    written `[[active_cameras]]` (transparency.faq.FIGURES lists them); the portal substitutes today's value, so no
    number in the FAQ is typed by hand. The text itself is never run as a template."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="faq_entries")
    question = models.CharField(max_length=300)
    answer = models.TextField(help_text="Plain text. Embed a live figure by its name in double brackets.")
    position = models.PositiveSmallIntegerField(default=100, help_text="Lower numbers come first.")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__name", "position", "id"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        constraints = [
            models.UniqueConstraint(fields=["agency", "question"], name="faq_entry_unique_question"),
        ]

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        refusal = figure_names_refusal(self.answer)
        if refusal:
            raise ValidationError({"answer": refusal})


class ProgramFacts(models.Model):
    """The program's facts that are not in any other table: how many cameras are planned and by when. One row per
    agency; everything else on the program page is counted from the live tables."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="program_facts")
    cameras_planned = models.PositiveIntegerField(
        default=0, help_text="Cameras approved but not yet installed or activated."
    )
    cameras_planned_by = models.DateField("planned cameras' target date", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "program facts"
        verbose_name_plural = "program facts"

    def __str__(self) -> str:
        return f"{self.agency}: program facts"


class ProgramCost(models.Model):
    """What the program costs in one fiscal year, with the contract or budget document that shows it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="program_costs")
    fiscal_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000)],
        help_text="The calendar year the fiscal year starts in (July 1): 2026 is FY 2026-27.",
    )
    acquisition = models.DecimalField(max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    installation = models.DecimalField(max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    annual_service = models.DecimalField(max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    maintenance = models.DecimalField(max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)])
    document = models.FileField(
        "contract or budget document (PDF)",
        upload_to=program_document_path,
        blank=True,
        max_length=255,
        validators=[validate_program_pdf],
        help_text="The contract, invoice or budget page that shows these amounts, as a PDF of at most 10 MB.",
    )

    class Meta:
        ordering = ["agency__name", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "fiscal_year"], name="program_cost_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {fiscal_year_label(self.fiscal_year)}"

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def total(self):
        return self.acquisition + self.installation + self.annual_service + self.maintenance


class CouncilAuthorization(models.Model):
    """A vote of the governing body authorising (or renewing, or changing) the program."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="council_authorizations")
    date = models.DateField("meeting date")
    title = models.CharField(max_length=300, help_text="What was authorised, e.g. 'Five-year contract with Vendor'.")
    link = models.URLField("agenda or minutes", max_length=500)
    ayes = models.PositiveSmallIntegerField()
    noes = models.PositiveSmallIntegerField(default=0)
    abstentions = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["agency__name", "-date"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.title} ({self.date})"

    @property
    def vote(self) -> str:
        text = f"{self.ayes}–{self.noes}"
        return f"{text}, {self.abstentions} abstaining" if self.abstentions else text


class CommunityPresentation(models.Model):
    """A presentation of the program to the community, published as the PDF that was shown."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="community_presentations")
    date = models.DateField()
    title = models.CharField(max_length=300)
    document = models.FileField(
        "presentation (PDF)",
        upload_to=program_document_path,
        max_length=255,
        validators=[validate_program_pdf],
        help_text="The slides or handout, as a PDF of at most 10 MB.",
    )

    class Meta:
        ordering = ["agency__name", "-date"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.title} ({self.date})"


class SurveillanceEvaluation(models.Model):
    """One version of the surveillance technology evaluation the governing body reviewed. Versioned and published
    like the usage policy (transparency.program_services.surveillance_evaluation_publish): publication is refused
    while any of EVALUATION_ELEMENTS is empty, and a published version is frozen (database trigger)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="surveillance_evaluations")
    version = models.PositiveIntegerField(editable=False)
    technology_description = models.TextField("description of the technology", blank=True)
    purpose_and_benefits = models.TextField(blank=True)
    where_used = models.TextField("where it may be used", blank=True)
    laws_and_civil_liberties = models.TextField("laws, civil-liberty impacts and mitigations", blank=True)
    costs = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "version"], name="surveillance_evaluation_unique_version"),
        ]

    def __str__(self) -> str:
        state = "published" if self.is_published else "draft"
        return f"{self.agency} surveillance evaluation v{self.version} ({state})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def missing_elements(self) -> list[str]:
        return [label for name, label in EVALUATION_ELEMENTS.items() if not (getattr(self, name) or "").strip()]

    @property
    def elements(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in EVALUATION_ELEMENTS.items()]


class ComplianceReport(models.Model):
    """A quarter's compliance figures for one agency (operator accesses, partner searches, audits done, purge runs,
    sharing refusals, questions answered), frozen when published: never updated or deleted (database trigger)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="compliance_reports")
    period_start = models.DateField()
    period_end = models.DateField()
    figures = models.JSONField(editable=False)
    published_at = models.DateTimeField(editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "period_start"], name="compliance_report_one_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: compliance report {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"Q{(self.period_start.month - 1) // 3 + 1} {self.period_start.year}"
