"""The agency's usage and privacy policy (versioned), and the periodic reports published for its council.

Both are records: a published policy version and a published report are frozen (a database trigger refuses to
change them, see migration 0001). A policy changes by publishing a new version; a report is corrected by
publishing a new one that supersedes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from agencies.models import Agency

from .choices import STANDARD_PROHIBITED_USES, PeriodKind

PERIOD_REVERSED = "The period ends before it starts."

# The elements of Civil Code §1798.90.51 (operators) and .53 (end users), plus the uses the portal shows.
# field name -> label. A policy lacking any one of them cannot be published.
POLICY_ELEMENTS: dict[str, str] = {
    "authorized_purposes": "Authorized purposes for using ALPR and collecting ALPR information",
    "job_titles_and_training": "Job titles of the people authorized to use or access ALPR information, and the "
    "training they must complete",
    "monitoring": "How the system's use is monitored to ensure security and compliance with the law",
    "sharing_purposes": "Purposes for which ALPR information may be shared",
    "sharing_process": "Process for sharing or transferring ALPR information",
    "sharing_restrictions": "Restrictions on the sale, sharing or transfer of ALPR information",
    "custodian_title": "Title of the official custodian, or owner, of the ALPR system",
    "accuracy_measures": "Measures used to ensure the accuracy of ALPR information and correct errors",
    "retention_and_destruction": "Length of time ALPR information is retained, and the process for destroying it",
    "periodic_audits": "Periodic system audits",
    "acceptable_uses": "Acceptable uses",
    "hotlist_policy": "Hotlists: which lists are used, and how a hit is confirmed before anyone acts on it",
}


class UsagePolicy(models.Model):
    """One version of an agency's ALPR usage and privacy policy (Civil Code §1798.90.51 and .53).

    Drafts are edited in admin; publishing (transparency.services.usage_policy_publish) refuses a version that lacks
    any element of POLICY_ELEMENTS and freezes it. The agency's current policy is its highest published version;
    the earlier ones stay public. The standard prohibited uses (choices.STANDARD_PROHIBITED_USES) are part of
    every version; `additional_prohibited_uses` holds what the agency adds.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="usage_policies")
    version = models.PositiveIntegerField(editable=False)
    authorized_purposes = models.TextField(blank=True)
    job_titles_and_training = models.TextField("job titles with access, and their training", blank=True)
    monitoring = models.TextField("how use is monitored", blank=True)
    sharing_purposes = models.TextField(blank=True)
    sharing_process = models.TextField(blank=True)
    sharing_restrictions = models.TextField(blank=True)
    custodian_title = models.CharField(
        "custodian's title", max_length=200, blank=True, help_text="A title, not a person's name."
    )
    accuracy_measures = models.TextField(blank=True)
    retention_and_destruction = models.TextField(blank=True)
    periodic_audits = models.TextField(blank=True)
    acceptable_uses = models.TextField(blank=True)
    additional_prohibited_uses = models.TextField(
        blank=True,
        help_text="Uses the agency prohibits in addition to the standard ones, which every policy includes.",
    )
    hotlist_policy = models.TextField(blank=True)
    effective_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = "usage and privacy policy"
        verbose_name_plural = "usage and privacy policies"
        ordering = ["agency__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "version"], name="usage_policy_unique_version"),
        ]

    def __str__(self) -> str:
        state = "published" if self.is_published else "draft"
        return f"{self.agency} policy v{self.version} ({state})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def missing_elements(self) -> list[str]:
        """Labels of the required elements this version leaves empty."""
        return [label for name, label in POLICY_ELEMENTS.items() if not (getattr(self, name) or "").strip()]

    @property
    def prohibited_uses(self) -> list[str]:
        added = [line.strip() for line in (self.additional_prohibited_uses or "").splitlines() if line.strip()]
        return [*STANDARD_PROHIBITED_USES, *added]


class PublishedReport(models.Model):
    """A periodic report for the council: the portal's figures for one period, frozen when it was published.

    `figures` is the JSON that transparency.selectors.transparency_figures returned at publishing time, so the
    report reads the same whatever happens to the live tables afterwards (new searches, purged reads). Rows are
    never updated or deleted (a database trigger refuses it); a correction is a new report that `supersedes` it.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="published_reports")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text="The last day of the period, included.")
    figures = models.JSONField(editable=False)
    policy = models.ForeignKey(
        UsagePolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The policy version in force when the report was published.",
    )
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The earlier report of the same period that this one corrects.",
    )
    note = models.TextField(blank=True, help_text="Shown on the report, e.g. why it supersedes an earlier one.")
    published_at = models.DateTimeField(editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "-period_start", "-published_at"]
        constraints = [
            models.CheckConstraint(
                name="report_period_not_reversed",
                condition=models.Q(period_end__gte=models.F("period_start")),
                violation_error_message=PERIOD_REVERSED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.MONTH:
            return f"{self.period_start:%B %Y}"
        if self.period_kind == PeriodKind.QUARTER:
            return f"Q{(self.period_start.month - 1) // 3 + 1} {self.period_start.year}"
        return f"{self.period_start.year}"


from .program_models import (  # noqa: E402, F401  (registers the program page's models with this app)
    CommunityPresentation,
    ComplianceReport,
    CouncilAuthorization,
    FaqEntry,
    ProgramCost,
    ProgramFacts,
    PublicQuestion,
    SurveillanceEvaluation,
)
