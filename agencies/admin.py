"""Agencies and their people in admin. Every page goes through the choke point (common.admin.RestrictedAdmin):
an agency admin manages their own agency's people, up to agency admin (agencies.roles.ROLES_GRANTABLE); nobody
changes their own role or training; only a superuser sees or sets the superuser and staff flags, groups and raw
permissions."""

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.html import format_html
from django_otp.plugins.otp_static import admin as _otp_static_admin  # noqa: F401  (registered before re-wrapping)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.admin import RestrictedAdmin, RestrictedStackedInline, RestrictedTabularInline, restrict_registered

from .access import access_of
from .choices import Role
from .deactivation_admin import DueForDeactivationFilter, deactivate_accounts
from .models import Agency, ApiToken, Membership, ProhibitedTerm, SignInEvent, TrainingRecord, User
from .roles import roles_grantable_by
from .services import membership_sync_groups

# The User fields only a superuser sees or sets: roles are given through memberships, never as raw rights.
SUPERUSER_ONLY_USER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
# An authenticator app's secret, on its change page: shown to the device's own user only.
DEVICE_SECRET_FIELDS = ("key", "qrcode_link")
DEVICE_SECRET_NOT_YOURS = "An authenticator app's secret is shown to its own user only."


@admin.register(Agency)
class AgencyAdmin(RestrictedAdmin):
    list_display = ["name", "ori", "kind", "state", "retention_days", "public_comment_meeting_on", "is_active"]
    list_filter = ["kind", "state", "is_active"]
    search_fields = ["name", "ori", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "ori", "kind", "state", "is_active"]}),
        ("Retention", {"fields": ["retention_days", "alert_retention_days"]}),
        (
            "Public comment (Civil Code §1798.90.55(a))",
            {
                "fields": ["public_comment_meeting_on", "public_comment_meeting_url"],
                "description": "Cameras cannot be activated until this meeting is recorded.",
            },
        ),
    ]

    # Every agency is listed (clerks pick MOU partners from it), but a clerk edits only their own: restrict() says so.

    def get_readonly_fields(self, request, obj=None):
        # Kind, state and ORI decide whether an agency may receive shared data (Civil Code §1798.90.55(b)): an
        # agency must not reclassify itself (a private entity as police, a federal one as Californian). Operators do.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["kind", "state", "ori"]
        return readonly


class GrantableRolesMixin:
    """The role field offers only the roles the signed-in user may give (agencies.roles.ROLES_GRANTABLE)."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            grantable = roles_grantable_by(access_of(request.user).role)
            kwargs["choices"] = [(value, label) for value, label in Role.choices if value in grantable]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class MembershipInline(GrantableRolesMixin, RestrictedStackedInline):
    model = Membership
    can_delete = False
    extra = 1
    max_num = 1

    def get_min_num(self, request, obj=None, **kwargs):
        # A person added by an agency admin belongs to that agency from the start.
        return 0 if request.user.is_superuser else 1

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("validate_min", not request.user.is_superuser)
        return super().get_formset(request, obj, **kwargs)


class TrainingInline(RestrictedTabularInline):
    model = TrainingRecord
    extra = 1


@admin.register(User)
class UserAdmin(RestrictedAdmin, DjangoUserAdmin):
    inlines = [MembershipInline, TrainingInline]
    list_display = ["username", "get_full_name", "agency", "role", "training_until", "is_active", "last_login"]
    list_filter = ["is_active", DueForDeactivationFilter, "membership__role", "membership__agency"]
    list_select_related = ["membership__agency"]
    actions = [deactivate_accounts]

    @admin.display(description="Training current until")
    def training_until(self, obj):
        latest = obj.training_records.order_by("-expires_on").first()
        if latest is None:
            return format_html('<strong style="color:#a00">none</strong>')
        if latest.expires_on < timezone.localdate():
            return format_html('<strong style="color:#a00">lapsed {}</strong>', latest.expires_on)
        return latest.expires_on

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_USER_FIELDS]})
            for name, options in fieldsets
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        membership_sync_groups(user=form.instance)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(RestrictedAdmin):
    list_display = ["user", "course", "completed_on", "expires_on"]
    list_filter = ["course"]
    date_hierarchy = "expires_on"


@admin.register(Membership)
class MembershipAdmin(GrantableRolesMixin, RestrictedAdmin):
    list_display = ["user", "agency", "role", "job_title"]
    list_filter = ["role", "agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        membership_sync_groups(user=obj.user)


@admin.register(ApiToken)
class ApiTokenAdmin(RestrictedAdmin):
    list_display = ["name", "user", "purpose", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["purpose"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "purpose", "expires_at", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        lifetime = form.cleaned_data["expires_at"] - timezone.now()
        token, secret = ApiToken.issue(user=obj.user, name=obj.name, purpose=obj.purpose, lifetime=lifetime)
        obj.pk = token.pk
        self.message_user(
            request,
            f"Token created. Copy the secret now; it is not stored and cannot be shown again: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Revoke selected tokens now", permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")


class ReadOnlyAdmin(RestrictedAdmin):
    """Audit records are written by the system and never edited, not even by a superuser."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """Sign-ins of the viewer's agency's people. Attempts on unknown usernames belong to no agency, so only a
    superuser sees those."""

    list_display = ["occurred_at", "username", "user", "address", "outcome", "reason", "path"]
    list_filter = ["outcome", "reason"]
    list_select_related = ["user"]
    search_fields = ["username", "address"]
    date_hierarchy = "occurred_at"


# auditlog registers its own LogEntry admin; this one narrows it to the viewer's agency.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class LogEntryAdmin(RestrictedAdmin, AuditlogLogEntryAdmin):
    """Change history, for auditors and agency admins (`auditlog.view_logentry`). A non-superuser sees changes
    made by people of their own agency; changes made by the system or by other agencies are a superuser's."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # auditlog's rule (only as the cascade of another deletion), and the choke point's.
        return AuditlogLogEntryAdmin.has_delete_permission(self, request, obj) and super().has_delete_permission(
            request, obj
        )


# Registered by other packages: the choke point goes in front of them too. None is in the permission map, so they
# are a superuser's only (fail closed); people get roles through memberships and second factors at sign-in.
for _model in (Group, StaticDevice):
    restrict_registered(admin.site, _model)
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(RestrictedAdmin, _otp_totp_admin.TOTPDeviceAdmin):
    """Authenticator apps, a superuser's only like every second factor. A device's secret (its key, and the QR
    code and configuration page that carry it) is shown to its own user only, superusers included: whoever else
    reads it holds that person's second factor. A device's user never changes (moving someone's device to oneself
    would show its key), and a new device's key is always generated, never typed (whoever chose it would know it)."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.user_id == request.user.pk:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in DEVICE_SECRET_FIELDS]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else [*fields, "user"]

    def config_view(self, request, pk):
        self._own_device(request, pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        self._own_device(request, pk)
        return super().qrcode_view(request, pk)

    def _own_device(self, request, pk) -> None:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        device = get_object_or_404(self.get_queryset(request), pk=pk)
        if device.user_id != request.user.pk:
            raise PermissionDenied(DEVICE_SECRET_NOT_YOURS)


@admin.register(ProhibitedTerm)
class ProhibitedTermAdmin(RestrictedAdmin):
    """An agency's additions to the prohibited-purpose screen (the built-in list: common/data/prohibited_terms.json)."""

    list_display = ["term", "agency", "note", "added_by", "added_at"]
    search_fields = ["term"]
    fields = ["agency", "term", "note"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
