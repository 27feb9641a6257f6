"""MOUs between an owner agency (whose ALPR data is shared) and a partner agency (who receives it), and the
record of every refused attempt to share."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router
from django.utils import timezone

from agencies.access import Scope
from agencies.models import Agency
from common.prohibited import IMMIGRATION_ENFORCEMENT_REFUSED, states_prohibited_purpose

from .querysets import MOUQuerySet, SharingEventQuerySet, SharingRefusalQuerySet
from .rules import partner_refusal
from .validators import validate_signed_pdf

MOU_SAME_AGENCY = "An agency cannot have an MOU with itself. Choose a different partner agency."
MOU_EXPIRES_BEFORE_START = "The expiry date must be after the effective date."
MOU_NO_SCOPE = "Choose at least one thing the partner may do: search reads, receive alerts, or see hotlists."
MOU_PAIR_ALREADY_ACTIVE = (
    "These two agencies already have an active MOU in this direction. Revoke it, or let it expire, before "
    "activating another one."
)
MOU_NEEDS_JUSTIFICATION = (
    "State why this partner needs the data (California State Auditor report 2019-118: sharing is justified per "
    "partner)."
)

# Scope value -> (MOU boolean field, Agency object permission codename). The one table that ties them together.
SCOPE_FIELDS = {
    Scope.SEARCH: ("scope_search", "search_reads_of"),
    Scope.ALERTS: ("scope_alerts", "receive_alerts_of"),
    Scope.HOTLISTS: ("scope_hotlists", "view_hotlists_of"),
}
SCOPE_LABELS = {
    Scope.SEARCH: "Search reads",
    Scope.ALERTS: "Receive alerts",
    Scope.HOTLISTS: "See hotlists",
}


_CONSTRAINTS_CHECKED_IN_CLEAN = frozenset({"mou_parties_differ", "mou_expires_after_start", "mou_has_scope"})


def mou_document_path(instance: MOU, filename: str) -> str:
    # A random name: the stored path never reveals the parties, and two uploads never collide.
    return f"sharing/mous/{instance.owner_id}/{uuid.uuid4().hex}.pdf"


class MOU(models.Model):
    """A memorandum of understanding: `owner` shares its ALPR data with `partner` in the scopes ticked, from
    `effective_on` to `expires_on` inclusive, while `status` is active. Written only by sharing.services; the
    object permissions it grants follow its status (see services.sharing_sync_permissions)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    owner = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="mous_as_owner",
        help_text="The agency whose data is shared. May be a private entity sharing one way into a police agency.",
    )
    partner = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="mous_as_partner",
        help_text="The agency that receives access. Must be a California public agency.",
    )
    scope_search = models.BooleanField("search reads", default=False, help_text="Search the owner's reads.")
    scope_alerts = models.BooleanField(
        "receive alerts",
        default=False,
        help_text="Receive alerts when the owner's cameras read a plate on the partner's hotlists.",
    )
    scope_hotlists = models.BooleanField("see hotlists", default=False, help_text="See the owner's hotlists.")
    effective_on = models.DateField("effective date")
    expires_on = models.DateField("expiry date", help_text="Access ends at the end of this day.")
    document = models.FileField(
        "signed MOU (PDF)",
        upload_to=mou_document_path,
        blank=True,
        max_length=255,
        validators=[validate_signed_pdf],
        help_text="The MOU signed by both agencies, as a PDF of at most 10 MB.",
    )
    owner_signatory = models.CharField(
        "signed for the owner by", max_length=200, blank=True, help_text="Name and title."
    )
    partner_signatory = models.CharField(
        "signed for the partner by", max_length=200, blank=True, help_text="Name and title."
    )
    partner_certified_purposes = models.BooleanField(
        "partner certifies its use",
        default=False,
        help_text="The partner certifies that it will use the data only for the purposes in the owner's ALPR "
        "usage and privacy policy.",
    )
    justification = models.TextField(
        "stated need", help_text="Why this partner needs the data (State Auditor report 2019-118)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False)
    revocation_reason = models.TextField(blank=True, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MOUQuerySet.as_manager()

    class Meta:
        verbose_name = "MOU"
        verbose_name_plural = "MOUs"
        ordering = ["owner__name", "partner__name", "-effective_on"]
        constraints = [
            models.CheckConstraint(name="mou_parties_differ", condition=~models.Q(owner=models.F("partner"))),
            models.CheckConstraint(
                name="mou_expires_after_start", condition=models.Q(expires_on__gt=models.F("effective_on"))
            ),
            models.CheckConstraint(
                name="mou_has_scope",
                condition=models.Q(scope_search=True) | models.Q(scope_alerts=True) | models.Q(scope_hotlists=True),
            ),
            models.CheckConstraint(
                name="mou_revoked_has_reason",
                condition=~models.Q(status="revoked") | ~models.Q(revocation_reason=""),
            ),
            # One live agreement per direction: permissions are per (owner, partner), so two active MOUs for the
            # same pair would make revoking one of them ambiguous.
            models.UniqueConstraint(
                fields=["owner", "partner"],
                condition=models.Q(status="active"),
                name="mou_one_active_per_pair",
                violation_error_message=MOU_PAIR_ALREADY_ACTIVE,
            ),
        ]
        indexes = [models.Index(fields=["partner", "status"], name="mou_partner_status")]

    def __str__(self) -> str:
        return f"{self.owner} → {self.partner} ({self.get_status_display()})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.owner_id and self.partner_id:
            if self.owner_id == self.partner_id:
                errors.setdefault("partner", []).append(MOU_SAME_AGENCY)
            else:
                refusal = partner_refusal(self.partner)
                if refusal:
                    errors.setdefault("partner", []).append(refusal)
        if self.effective_on and self.expires_on and self.expires_on <= self.effective_on:
            errors.setdefault("expires_on", []).append(MOU_EXPIRES_BEFORE_START)
        if not self.scopes:
            errors.setdefault("scope_search", []).append(MOU_NO_SCOPE)
        if not (self.justification or "").strip():
            errors.setdefault("justification", []).append(MOU_NEEDS_JUSTIFICATION)
        elif states_prohibited_purpose(self.justification, agency_ids=[self.owner_id]):
            errors.setdefault("justification", []).append(IMMIGRATION_ENFORCEMENT_REFUSED)
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None) -> None:
        """Django's, minus the check constraints that restate clean()'s rules for the database: clean() already
        reported those, attached to the right field and worded for a records clerk, and twice is noise."""
        using = router.db_for_write(type(self), instance=self)
        errors: dict = {}
        for constraint in self._meta.constraints:
            if constraint.name in _CONSTRAINTS_CHECKED_IN_CLEAN:
                continue
            try:
                constraint.validate(type(self), self, exclude=exclude, using=using)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    @property
    def scopes(self) -> list[str]:
        """The Scope values this MOU names, in a fixed order."""
        return [scope for scope, (field, _) in SCOPE_FIELDS.items() if getattr(self, field)]

    @property
    def scope_display(self) -> str:
        return ", ".join(SCOPE_LABELS[scope] for scope in self.scopes) or "–"

    def is_in_effect(self, on=None) -> bool:
        """Active and within its dates: the request-time half of the rule (the partner half is in rules.py)."""
        on = on or timezone.localdate()
        return self.status == self.Status.ACTIVE and self.effective_on <= on <= self.expires_on


class SharingRefusal(models.Model):
    """One refused attempt to share ALPR data: an MOU save, an activation, a permission grant or a request that
    the rules turned down. Append-only (the admin shows it read-only; nothing in the code updates or deletes it).

    We keep these in their own table rather than as django-auditlog LogEntry rows with a custom action: a refusal
    is not a change to a record (often nothing was saved at all), and auditors filter it by party and channel.
    """

    class Where(models.TextChoices):
        ADMIN = "admin", "Admin (MOU form)"
        API = "api", "API"
        ACTIVATION = "activation", "Activation"
        GRANT = "grant", "Permission grant"
        REQUEST = "request", "Request-time check"
        ON_BEHALF = "on_behalf", "Search on behalf of another agency"
        SYSTEM = "system", "System (scheduled job, shell, demo)"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    partner = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    mou = models.ForeignKey(MOU, on_delete=models.SET_NULL, null=True, blank=True, related_name="refusals")
    where = models.CharField(max_length=16, choices=Where.choices)
    reason = models.TextField()

    objects = SharingRefusalQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "sharing refusal"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_where_display()}: {self.partner or '?'}"


class SharingEvent(models.Model):
    """One change to what an owner agency shares: an MOU activated, renewed, its scope changed, revoked, expired, or
    its permissions withdrawn because the partner stopped being a California public agency. Append-only, written
    only by sharing.services in the transaction of the change, so a change that did not happen leaves no event and
    every one that did leaves one. Shown to both parties' auditors (admin) and, for the owner, on the public
    portal's sharing history: no switch widens sharing silently."""

    class Kind(models.TextChoices):
        ACTIVATED = "activated", "MOU activated"
        RENEWED = "renewed", "MOU renewed"
        SCOPE_CHANGED = "scope_changed", "Scope changed"
        REVOKED = "revoked", "MOU revoked"
        EXPIRED = "expired", "MOU expired"
        PARTNER_INELIGIBLE = "partner_ineligible", "Access withdrawn: partner no longer eligible"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    mou = models.ForeignKey(MOU, on_delete=models.PROTECT, related_name="events")
    owner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    scopes = models.JSONField(default=list, help_text="The scopes after the change.")
    previous_scopes = models.JSONField(default=list, blank=True, help_text="The scopes before (scope changes).")
    expires_on = models.DateField(null=True, blank=True, help_text="The expiry date after the change.")
    previous_expires_on = models.DateField(null=True, blank=True, help_text="The expiry date before (renewals).")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="Empty: the system (the nightly job).")
    reason = models.TextField(blank=True)

    objects = SharingEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "sharing change"
        indexes = [models.Index(fields=["owner", "at"], name="sharing_event_owner_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.get_kind_display()}: {self.owner} → {self.partner}"

    @property
    def scope_display(self) -> str:
        return ", ".join(SCOPE_LABELS.get(scope, scope) for scope in self.scopes) or "–"
