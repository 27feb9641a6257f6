"""Reads about agencies and people that span models."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from .choices import TokenPurpose
from .models import Agency, ApiToken, TrainingRecord, User

# California State Auditor report 2019-118: accounts of people who left, or whose training lapsed, stay open.
# An account unused this long is treated as someone who has left.
INACTIVITY_DAYS = 90


class DeactivationReason(models.TextChoices):
    NEVER_SIGNED_IN = "never_signed_in", f"Never signed in, account older than {INACTIVITY_DAYS} days"
    INACTIVE = "inactive", f"No sign-in for over {INACTIVITY_DAYS} days"
    TRAINING_LAPSED = "training_lapsed", "No current ALPR training"


def users_due_for_deactivation(queryset=None, *, now: dt.datetime | None = None):
    """Active users, of `queryset` (all users by default), whose account should be deactivated, annotated with
    `last_seen_at` (last sign-in or last use of one of their API tokens, whichever is later), `training_current`,
    `is_machine` and `training_until` (the latest expiry of their training records).

    Service accounts of cameras and agents (holders of an ingest token) write reads and reach none, so the
    training rule does not apply to them; their last token use counts as their last sign-in.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    queryset = User.objects.all() if queryset is None else queryset
    last_token_use = (
        ApiToken.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(last=Max("last_used_at"))
        .values("last")
    )
    training_until = (
        TrainingRecord.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(until=Max("expires_on"))
        .values("until")
    )
    return (
        queryset.filter(is_active=True)
        .annotate(
            # PostgreSQL's GREATEST ignores NULLs: NULL only when there was neither a sign-in nor a token use.
            last_seen_at=Greatest("last_login", Subquery(last_token_use)),
            training_until=Subquery(training_until),
            training_current=Exists(TrainingRecord.objects.filter(user=OuterRef("pk")).current(today)),
            is_machine=Exists(ApiToken.objects.filter(user=OuterRef("pk"), purpose=TokenPurpose.INGEST)),
        )
        .filter(inactive_q(now=now) | training_lapsed_q())
    )


def inactive_q(*, now: dt.datetime | None = None) -> Q:
    """On users_due_for_deactivation's annotations: not seen for INACTIVITY_DAYS (or never, joined before that)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=INACTIVITY_DAYS)
    return Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True, date_joined__lt=cutoff)


def training_lapsed_q() -> Q:
    """On users_due_for_deactivation's annotations: a person (not a camera account) without current training."""
    return Q(training_current=False, is_machine=False)


def accounts_due_for_deactivation(agency: Agency, *, now: dt.datetime | None = None):
    """The agency's active accounts due for deactivation, with their annotations (see users_due_for_deactivation),
    ordered by username. `deactivation_reasons(user)` says why for each."""
    return (
        users_due_for_deactivation(User.objects.filter(membership__agency=agency), now=now)
        .select_related("membership")
        .order_by("username")
    )


def deactivation_reasons(user: User, *, now: dt.datetime | None = None) -> list[str]:
    """Why an annotated user (from accounts_due_for_deactivation) is listed."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=INACTIVITY_DAYS)
    reasons = []
    if user.last_seen_at is None and user.date_joined < cutoff:
        reasons.append(DeactivationReason.NEVER_SIGNED_IN)
    elif user.last_seen_at is not None and user.last_seen_at < cutoff:
        reasons.append(DeactivationReason.INACTIVE)
    if not user.training_current and not user.is_machine:
        reasons.append(DeactivationReason.TRAINING_LAPSED)
    return reasons
