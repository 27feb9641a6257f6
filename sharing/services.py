"""Writes about sharing: MOUs through their life (draft, active, expired, revoked), the django-guardian object
permissions they grant, the per-agency groups those permissions are held by, and the record of refusals.

Every refusal is recorded as a SharingRefusal *before* the write's transaction starts, so that the record
survives the rollback of the refused write (and of a caller's own transaction, as long as the caller commits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.models import GroupObjectPermission

from agencies.models import Agency, Membership

from .models import MOU, MOU_PAIR_ALREADY_ACTIVE, SCOPE_FIELDS, SharingEvent, SharingRefusal
from .rules import AGENCY_GROUP_PREFIX, agency_group_name, partner_refusal

Where = SharingRefusal.Where

MOU_ACTIVATE_NOT_DRAFT = "Only a draft MOU can be activated. This one is %(status)s."
MOU_ACTIVATE_NEEDS_DOCUMENT = "Attach the signed MOU (PDF) before activating it."
MOU_ACTIVATE_NEEDS_SIGNATORIES = "Enter who signed for each agency before activating the MOU."
MOU_ACTIVATE_NEEDS_CERTIFICATION = (
    "The partner has not certified that it will use the data only for the purposes in your ALPR usage and privacy "
    "policy. Tick the certification (it must be part of the signed MOU) before activating."
)
MOU_ACTIVATE_PAST_EXPIRY = "This MOU's expiry date (%(expires_on)s) has passed. Change the dates before activating."
MOU_REVOKE_NEEDS_REASON = "Give the reason for revoking this MOU; it is kept in the agency's records."
MOU_REVOKE_ALREADY = "This MOU is already revoked."
MOU_RENEW_WRONG_STATUS = "Only an active or expired MOU can be renewed. This one is %(status)s."
MOU_RENEW_EXPIRY_NOT_LATER = (
    "The new expiry date must be later than both today and the current expiry date (%(current)s)."
)
MOU_RENEW_NEEDS_DOCUMENT = "Attach the signed renewal (PDF) to renew the MOU."
MOU_UPDATE_NOT_DRAFT = "Only a draft MOU can be edited. To change an active MOU, revoke it and draft a new one."


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def sharing_refusal_record(
    *,
    where: str,
    reason: str,
    owner_id: int | None = None,
    partner: Agency | None = None,
    mou_id: int | None = None,
    user=None,
) -> SharingRefusal:
    """Append one refusal to the record. Deliberately outside any transaction of its own: see the module docstring."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return SharingRefusal.objects.create(
        where=where,
        reason=reason,
        owner_id=owner_id,
        partner=partner,
        mou_id=mou_id,
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
    )


def _refuse(*, where: str, error: ValidationError, mou: MOU, user) -> None:
    sharing_refusal_record(
        where=where,
        reason=_messages(error),
        owner_id=mou.owner_id,
        partner=mou.partner if mou.partner_id else None,
        mou_id=mou.pk,
        user=user,
    )
    raise error


def _validate_or_refuse(*, mou: MOU, where: str, user) -> None:
    try:
        mou.full_clean()
    except ValidationError as error:
        _refuse(where=where, error=error, mou=mou, user=user)


def sharing_event_record(
    *, mou: MOU, kind: str, user=None, previous_scopes=(), previous_expires_on=None, reason: str = ""
) -> SharingEvent:
    """Append one change to the sharing history. Call inside the transaction of the change."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return SharingEvent.objects.create(
        kind=kind,
        mou=mou,
        owner_id=mou.owner_id,
        partner_id=mou.partner_id,
        scopes=mou.scopes,
        previous_scopes=list(previous_scopes),
        expires_on=mou.expires_on,
        previous_expires_on=previous_expires_on,
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        reason=reason,
    )


def _set_scopes(mou: MOU, scopes: Iterable[str]) -> None:
    wanted = set(scopes)
    unknown = wanted - set(SCOPE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown sharing scopes: {sorted(unknown)}")
    for scope, (field, _) in SCOPE_FIELDS.items():
        setattr(mou, field, scope in wanted)


def mou_create(
    *,
    owner: Agency,
    partner: Agency,
    scopes: Iterable[str],
    effective_on: dt.date,
    expires_on: dt.date,
    justification: str,
    owner_signatory: str = "",
    partner_signatory: str = "",
    partner_certified_purposes: bool = False,
    document=None,
    created_by=None,
    where: str = Where.SYSTEM,
) -> MOU:
    """Draft an MOU. Refuses (and records the refusal) a partner that is not a California public agency, dates in
    the wrong order, no scope, no stated need, a document that is not a PDF of at most 10 MB."""
    mou = MOU(
        owner=owner,
        partner=partner,
        effective_on=effective_on,
        expires_on=expires_on,
        justification=justification,
        owner_signatory=owner_signatory,
        partner_signatory=partner_signatory,
        partner_certified_purposes=partner_certified_purposes,
        created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
    )
    _set_scopes(mou, scopes)
    if document is not None:
        mou.document = document
    _validate_or_refuse(mou=mou, where=where, user=created_by)
    with transaction.atomic():
        mou.save()
    return mou


MOU_UPDATABLE_FIELDS = frozenset(
    {
        "owner",
        "partner",
        "effective_on",
        "expires_on",
        "justification",
        "owner_signatory",
        "partner_signatory",
        "partner_certified_purposes",
        "document",
    }
)


def mou_update(*, mou: MOU, user=None, where: str = Where.SYSTEM, scopes: Iterable[str] | None = None, **fields) -> MOU:
    """Change a draft. An active, expired or revoked MOU is a record of what was agreed: it is not edited."""
    unknown = set(fields) - MOU_UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"mou_update() cannot change {sorted(unknown)}")
    if mou.pk and MOU.objects.filter(pk=mou.pk).exclude(status=MOU.Status.DRAFT).exists():
        _refuse(where=where, error=ValidationError(MOU_UPDATE_NOT_DRAFT), mou=mou, user=user)
    before = MOU.objects.get(pk=mou.pk).scopes if mou.pk else None
    for name, value in fields.items():
        setattr(mou, name, value)
    if scopes is not None:
        _set_scopes(mou, scopes)
    _validate_or_refuse(mou=mou, where=where, user=user)
    with transaction.atomic():
        mou.save()
        if before is not None and before != mou.scopes:
            sharing_event_record(mou=mou, kind=SharingEvent.Kind.SCOPE_CHANGED, user=user, previous_scopes=before)
    return mou


def _lock(mou: MOU) -> MOU:
    # Lock the row before a status change, so that an activation racing a revocation (two clerks, or a clerk and
    # the nightly job) applies one after the other and the permissions end up matching the final status.
    return MOU.objects.select_for_update().select_related("owner", "partner").get(pk=mou.pk)


def mou_activate(*, mou: MOU, user=None, where: str = Where.ACTIVATION) -> MOU:
    """Make a draft MOU active and grant the partner agency's group the object permissions its scope names."""
    mou = MOU.objects.select_related("owner", "partner").get(pk=mou.pk)
    today = timezone.localdate()
    problems = []
    if mou.status != MOU.Status.DRAFT:
        problems.append(MOU_ACTIVATE_NOT_DRAFT % {"status": mou.get_status_display().lower()})
    refusal = partner_refusal(mou.partner)
    if refusal:
        problems.append(refusal)
    if not mou.document:
        problems.append(MOU_ACTIVATE_NEEDS_DOCUMENT)
    if not (mou.owner_signatory.strip() and mou.partner_signatory.strip()):
        problems.append(MOU_ACTIVATE_NEEDS_SIGNATORIES)
    if not mou.partner_certified_purposes:
        problems.append(MOU_ACTIVATE_NEEDS_CERTIFICATION)
    if mou.expires_on < today:
        problems.append(MOU_ACTIVATE_PAST_EXPIRY % {"expires_on": mou.expires_on})
    if (
        mou.status == MOU.Status.DRAFT
        and MOU.objects.filter(owner_id=mou.owner_id, partner_id=mou.partner_id, status=MOU.Status.ACTIVE).exists()
    ):
        problems.append(MOU_PAIR_ALREADY_ACTIVE)
    if problems:
        _refuse(where=where, error=ValidationError(problems), mou=mou, user=user)
    with _granting(mou=mou, user=user), transaction.atomic():
        mou = _lock(mou)
        if mou.status != MOU.Status.DRAFT:  # changed under us between the checks and the lock
            raise ValidationError(MOU_ACTIVATE_NOT_DRAFT % {"status": mou.get_status_display().lower()})
        mou.status = MOU.Status.ACTIVE
        mou.activated_at = timezone.now()
        mou.activated_by = user if getattr(user, "is_authenticated", False) else None
        mou.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
        sharing_grant_permissions(mou=mou)
        sharing_event_record(mou=mou, kind=SharingEvent.Kind.ACTIVATED, user=user)
    return mou


def mou_revoke(*, mou: MOU, reason: str, user=None, where: str = Where.SYSTEM) -> MOU:
    """Revoke an MOU now (from draft, active or expired) and remove the permissions it granted at once."""
    reason = (reason or "").strip()
    if not reason:
        _refuse(where=where, error=ValidationError(MOU_REVOKE_NEEDS_REASON), mou=mou, user=user)
    if MOU.objects.filter(pk=mou.pk, status=MOU.Status.REVOKED).exists():
        _refuse(where=where, error=ValidationError(MOU_REVOKE_ALREADY), mou=mou, user=user)
    with transaction.atomic():
        mou = _lock(mou)
        if mou.status == MOU.Status.REVOKED:
            raise ValidationError(MOU_REVOKE_ALREADY)
        mou.status = MOU.Status.REVOKED
        mou.revocation_reason = reason
        mou.revoked_at = timezone.now()
        mou.revoked_by = user if getattr(user, "is_authenticated", False) else None
        mou.save(update_fields=["status", "revocation_reason", "revoked_at", "revoked_by", "updated_at"])
        sharing_sync_permissions(owner_id=mou.owner_id, partner_id=mou.partner_id)
        sharing_event_record(mou=mou, kind=SharingEvent.Kind.REVOKED, user=user, reason=reason)
    return mou


def mou_renew(*, mou: MOU, expires_on: dt.date, document, user=None, where: str = Where.ACTIVATION) -> MOU:
    """Extend an active or expired MOU to a later expiry date, with the signed renewal attached. An expired MOU
    becomes active again; the partner rule is checked again, as on activation."""
    mou = MOU.objects.select_related("owner", "partner").get(pk=mou.pk)
    previous_expires_on = mou.expires_on
    today = timezone.localdate()
    problems = []
    if mou.status not in (MOU.Status.ACTIVE, MOU.Status.EXPIRED):
        problems.append(MOU_RENEW_WRONG_STATUS % {"status": mou.get_status_display().lower()})
    refusal = partner_refusal(mou.partner)
    if refusal:
        problems.append(refusal)
    if expires_on is None or expires_on <= max(today, mou.expires_on):
        problems.append(MOU_RENEW_EXPIRY_NOT_LATER % {"current": mou.expires_on})
    if not document:
        problems.append(MOU_RENEW_NEEDS_DOCUMENT)
    if not problems:
        mou.document = document
        mou.expires_on = expires_on
        try:
            mou.full_clean()
        except ValidationError as error:
            problems.append(_messages(error))
    if problems:
        _refuse(where=where, error=ValidationError(problems), mou=mou, user=user)
    if (
        mou.status == MOU.Status.EXPIRED
        and MOU.objects.filter(owner_id=mou.owner_id, partner_id=mou.partner_id, status=MOU.Status.ACTIVE)
        .exclude(pk=mou.pk)
        .exists()
    ):
        _refuse(where=where, error=ValidationError(MOU_PAIR_ALREADY_ACTIVE), mou=mou, user=user)
    with _granting(mou=mou, user=user), transaction.atomic():
        locked = _lock(mou)
        if locked.status not in (MOU.Status.ACTIVE, MOU.Status.EXPIRED):
            raise ValidationError(MOU_RENEW_WRONG_STATUS % {"status": locked.get_status_display().lower()})
        mou.status = MOU.Status.ACTIVE
        mou.save(update_fields=["status", "expires_on", "document", "updated_at"])
        sharing_grant_permissions(mou=mou)
        sharing_event_record(
            mou=mou, kind=SharingEvent.Kind.RENEWED, user=user, previous_expires_on=previous_expires_on
        )
    return mou


def mou_expire_due(*, today: dt.date | None = None) -> int:
    """Mark active MOUs past their expiry date expired and remove their permissions. Also removes the permissions
    of any active MOU whose partner is no longer a California public agency (each such case is recorded).
    Returns the number of MOUs expired. Run daily by sharing.tasks.expire_mous; requests do not wait for it."""
    today = today or timezone.localdate()
    expired = 0
    for mou in MOU.objects.filter(status=MOU.Status.ACTIVE, expires_on__lt=today).select_related("partner"):
        with transaction.atomic():
            locked = _lock(mou)
            if locked.status != MOU.Status.ACTIVE or locked.expires_on >= today:
                continue
            locked.status = MOU.Status.EXPIRED
            locked.save(update_fields=["status", "updated_at"])  # a save, so the change history shows it
            sharing_sync_permissions(owner_id=locked.owner_id, partner_id=locked.partner_id)
            sharing_event_record(mou=locked, kind=SharingEvent.Kind.EXPIRED)
            expired += 1
    for mou in MOU.objects.filter(status=MOU.Status.ACTIVE).select_related("partner"):
        refusal = partner_refusal(mou.partner)
        if refusal and _held_codenames(owner_id=mou.owner_id, partner_id=mou.partner_id):
            sharing_refusal_record(
                where=Where.SYSTEM, reason=refusal, owner_id=mou.owner_id, partner=mou.partner, mou_id=mou.pk
            )
            with transaction.atomic():
                sharing_sync_permissions(owner_id=mou.owner_id, partner_id=mou.partner_id)
                sharing_event_record(mou=mou, kind=SharingEvent.Kind.PARTNER_INELIGIBLE, reason=refusal)
    return expired


# -- permissions and groups ---------------------------------------------------------------------------------------


def _agency_content_type() -> ContentType:
    return ContentType.objects.get_for_model(Agency)


def sharing_agency_group(*, agency_id: int) -> Group:
    group, _ = Group.objects.get_or_create(name=agency_group_name(agency_id))
    return group


def _held_codenames(*, owner_id: int, partner_id: int) -> set[str]:
    return set(
        GroupObjectPermission.objects.filter(
            group__name=agency_group_name(partner_id),
            content_type=_agency_content_type(),
            object_pk=str(owner_id),
        ).values_list("permission__codename", flat=True)
    )


@transaction.atomic
def sharing_sync_permissions(*, owner_id: int, partner_id: int) -> set[str]:
    """Make the partner group's object permissions on the owner Agency exactly those of the pair's active MOUs
    (whatever their dates: the selectors check dates on every request) with an eligible partner.
    Idempotent; returns the codenames now held."""
    partner = Agency.objects.get(pk=partner_id)
    wanted: set[str] = set()
    if partner_refusal(partner) is None:
        for mou in MOU.objects.filter(owner_id=owner_id, partner_id=partner_id, status=MOU.Status.ACTIVE):
            wanted.update(SCOPE_FIELDS[scope][1] for scope in mou.scopes)
    held = _held_codenames(owner_id=owner_id, partner_id=partner_id)
    group = sharing_agency_group(agency_id=partner_id)
    content_type = _agency_content_type()
    if held - wanted:
        GroupObjectPermission.objects.filter(
            group=group,
            content_type=content_type,
            object_pk=str(owner_id),
            permission__codename__in=held - wanted,
        ).delete()
    if wanted - held:
        for permission in Permission.objects.filter(content_type=content_type, codename__in=wanted - held):
            GroupObjectPermission.objects.get_or_create(
                group=group, permission=permission, content_type=content_type, object_pk=str(owner_id)
            )
    return wanted


class GrantRefused(ValidationError):
    """The partner rule failed at the moment of a permission grant. Raised inside the granting transaction;
    the service that opened it records the refusal once the transaction has rolled back."""


def sharing_grant_permissions(*, mou: MOU) -> set[str]:
    """Grant the permissions of an active MOU, checking the partner rule once more at the moment of the grant
    (reading the partner's row again, in case it changed since the MOU was checked). Call inside the transaction
    that makes the MOU active; see `_granting` for how a refusal is recorded."""
    refusal = partner_refusal(Agency.objects.get(pk=mou.partner_id))
    if refusal:
        raise GrantRefused(refusal)
    return sharing_sync_permissions(owner_id=mou.owner_id, partner_id=mou.partner_id)


class _granting:
    """`with _granting(mou=..., user=...):` around a transaction that calls sharing_grant_permissions: a
    GrantRefused leaving the (rolled back) transaction is recorded, then re-raised."""

    def __init__(self, *, mou: MOU, user) -> None:
        self.mou, self.user = mou, user

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None and issubclass(exc_type, GrantRefused):
            sharing_refusal_record(
                where=Where.GRANT,
                reason=_messages(exc),
                owner_id=self.mou.owner_id,
                partner=Agency.objects.get(pk=self.mou.partner_id),
                mou_id=self.mou.pk,
                user=self.user,
            )
        return False


def sharing_sync_agency_group(*, user) -> None:
    """Keep `user` in exactly one agency group: their membership's. Called by agencies.services whenever a
    membership is set or changed, so a user who changes agency or leaves loses the old agency's MOU access."""
    membership = Membership.objects.filter(user=user).first()
    stale = user.groups.filter(name__startswith=AGENCY_GROUP_PREFIX)
    if membership is not None:
        stale = stale.exclude(name=agency_group_name(membership.agency_id))
    user.groups.remove(*stale)
    if membership is not None:
        user.groups.add(sharing_agency_group(agency_id=membership.agency_id))
