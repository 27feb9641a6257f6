"""The records clerk's MOU workflow: draft, attach the signed PDF, activate, renew, revoke; and the overview of
who shares with whom. Every write goes through sharing.services; every refusal is recorded (SharingRefusal)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from agencies.access import access_of
from agencies.models import Agency
from common.admin import RestrictedAdmin

from . import services
from .models import MOU, SCOPE_FIELDS, SCOPE_LABELS, SharingEvent, SharingRefusal
from .rules import eligible_partner_q, partner_refusal
from .selectors import sharing_overview

EXPIRING_DAYS = 30
RENEW_SELECT_ONE = "Select exactly one MOU to renew."
OVERVIEW_BAD_AGENCY = "The agency must be given by its number."
ACTION_NOT_OWNER = "%(mou)s: only the owner agency's records staff can do this."
ACTION_DONE = {
    "activate": "Activated %(count)d MOU(s). The partner agencies' users have the access the MOUs name from now on.",
    "revoke": "Revoked %(count)d MOU(s). The partner agencies lost the access at once.",
    "renew": "Renewed the MOU until %(expires_on)s.",
}


def _own_agency_id(request) -> int | None:
    return access_of(request.user).agency_id


class ExpiringFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("30", f"Active, expiring within {EXPIRING_DAYS} days"), ("past", "Active, past its expiry date")]

    def queryset(self, request, queryset):
        if self.value() == "30":
            return queryset.expiring_within(EXPIRING_DAYS)
        if self.value() == "past":
            return queryset.filter(status=MOU.Status.ACTIVE, expires_on__lt=timezone.localdate())
        return queryset


class MOUAdminForm(forms.ModelForm):
    """The MOU form. The rules are the model's (clean() and the document validator); this form only records a
    refused save, as the services do for the API."""

    refusal_user = None  # set per request by MOUAdmin.get_form

    class Meta:
        model = MOU
        fields = [
            "owner",
            "partner",
            "scope_search",
            "scope_alerts",
            "scope_hotlists",
            "effective_on",
            "expires_on",
            "document",
            "owner_signatory",
            "partner_signatory",
            "partner_certified_purposes",
            "justification",
        ]
        widgets = {"document": forms.FileInput(attrs={"accept": "application/pdf,.pdf"})}

    def clean(self):
        self._explain_refused_partner()
        return super().clean()

    def _explain_refused_partner(self) -> None:
        """The partner field offers only agencies that may lawfully receive data. A posted agency outside those
        is refused by the field; say why in the law's words, as the model's own check (the second lock) would."""
        if "partner" not in self.errors:
            return
        raw = self.data.get(self.add_prefix("partner"))
        partner = Agency.objects.filter(pk=raw).first() if str(raw or "").isdigit() else None
        reason = partner_refusal(partner) if partner is not None else None
        if reason:
            self._refused_partner = partner
            self.errors["partner"] = self.error_class([reason])

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid and self.is_bound:
            data = getattr(self, "cleaned_data", {})
            owner = data.get("owner") or (self.instance.owner if self.instance.owner_id else None)
            partner = (
                data.get("partner")
                or getattr(self, "_refused_partner", None)
                or (self.instance.partner if self.instance.partner_id else None)
            )
            services.sharing_refusal_record(
                where=SharingRefusal.Where.ADMIN,
                reason=" ".join(str(message) for errors in self.errors.values() for message in errors),
                owner_id=owner.pk if owner else None,
                partner=partner,
                mou_id=self.instance.pk,
                user=self.refusal_user,
            )
        return valid


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason for revoking",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept in the agency's records and shown to the partner.",
    )


class RenewForm(forms.Form):
    expires_on = forms.DateField(label="New expiry date", widget=AdminDateWidget)
    document = forms.FileField(
        label="Signed renewal (PDF)",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text="The renewal or amendment signed by both agencies, as a PDF of at most 10 MB.",
    )


@admin.register(MOU)
class MOUAdmin(RestrictedAdmin):
    form = MOUAdminForm
    list_display = ["__str__", "scope_display", "effective_on", "expires_on", "status_badge", "has_document"]
    list_filter = ["status", ("partner", admin.RelatedOnlyFieldListFilter), ExpiringFilter]
    list_select_related = ["owner", "partner"]
    search_fields = ["owner__name", "partner__name", "justification"]
    date_hierarchy = "expires_on"
    actions = ["activate_selected", "renew_selected", "revoke_selected"]
    change_form_template = "admin/sharing/mou/change_form.html"
    change_list_template = "admin/sharing/mou/change_list.html"
    readonly_fields = [
        "status",
        "signed_document",
        "activated_at",
        "activated_by",
        "revocation_reason",
        "revoked_at",
        "revoked_by",
        "created_by",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["owner", "partner", "status"]}),
        (
            "What the partner may do",
            {
                "fields": ["scope_search", "scope_alerts", "scope_hotlists"],
                "description": "Tick at least one. The partner's users still need their own role and current ALPR "
                "training.",
            },
        ),
        ("Term", {"fields": ["effective_on", "expires_on"]}),
        (
            "Signatures and certification",
            {
                "fields": [
                    "document",
                    "signed_document",
                    "owner_signatory",
                    "partner_signatory",
                    "partner_certified_purposes",
                ]
            },
        ),
        ("Stated need (State Auditor 2019-118)", {"fields": ["justification"]}),
        (
            "History",
            {
                "fields": ["activated_at", "activated_by", "revocation_reason", "revoked_at", "revoked_by"]
                + ["created_by", "created_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    # -- who sees and changes what ----------------------------------------------------------------------------

    def get_queryset(self, request):
        # Both sides of an agreement see it; only the owner's side changes it (agencies.access.HOLDINGS).
        return super().get_queryset(request).select_related("owner", "partner")

    def _is_owner_side(self, request, obj) -> bool:
        return request.user.is_superuser or (obj is not None and obj.owner_id == _own_agency_id(request))

    def has_change_permission(self, request, obj=None):
        if obj is not None and (obj.status != MOU.Status.DRAFT or not self._is_owner_side(request, obj)):
            return False  # an agreement in force or ended is a record: act on it with the actions only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: an MOU and its history are kept

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.refusal_user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partner":
            # Only agencies that may lawfully receive ALPR data (Civil Code §1798.90.55(b)), never the owner itself;
            # the model's check on save stays as the second lock.
            partners = Agency.objects.filter(eligible_partner_q(prefix="")).order_by("name")
            own = _own_agency_id(request)
            kwargs["queryset"] = partners.exclude(pk=own) if own and not request.user.is_superuser else partners
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "owner" and not request.user.is_superuser:
            formfield.initial = _own_agency_id(request)
        return formfield

    # -- list columns ----------------------------------------------------------------------------------------

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        colors = {"draft": "#666", "active": "#060", "expired": "#a60", "revoked": "#a00"}
        label = obj.get_status_display()
        if obj.status == MOU.Status.ACTIVE and obj.expires_on < timezone.localdate():
            label = "Active (past expiry – no access)"
        return format_html('<strong style="color:{}">{}</strong>', colors[obj.status], label)

    @admin.display(description="signed PDF", boolean=True)
    def has_document(self, obj):
        return bool(obj.document)

    @admin.display(description="signed MOU on file")
    def signed_document(self, obj):
        if not obj or not obj.document:
            return "None attached yet."
        if obj.pk is None:  # a refused new MOU shown again: nothing is stored, so there is nothing to open
            return "Not stored: the MOU was not saved. Attach the signed PDF again when you save it."
        url = reverse("admin:sharing_mou_document", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Open the signed MOU (PDF)</a>', url)

    # -- saving goes through the services --------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        scopes = [scope for scope, (field, _) in SCOPE_FIELDS.items() if data.get(field)]
        if change:
            fields = {
                name: data[name]
                for name in services.MOU_UPDATABLE_FIELDS
                if name in form.changed_data and (name != "document" or data[name])
            }
            services.mou_update(mou=obj, user=request.user, where=SharingRefusal.Where.ADMIN, scopes=scopes, **fields)
            return
        mou = services.mou_create(
            owner=data["owner"],
            partner=data["partner"],
            scopes=scopes,
            effective_on=data["effective_on"],
            expires_on=data["expires_on"],
            justification=data["justification"],
            owner_signatory=data.get("owner_signatory", ""),
            partner_signatory=data.get("partner_signatory", ""),
            partner_certified_purposes=data.get("partner_certified_purposes", False),
            document=data.get("document") or None,
            created_by=request.user,
            where=SharingRefusal.Where.ADMIN,
        )
        obj.pk, obj.document, obj.status = mou.pk, mou.document, mou.status

    # -- actions, each with a confirmation page --------------------------------------------------------------

    def action_refused(self, request, obj) -> None:
        # The choke point leaves the partner's side out of every action (only the owner's side changes an MOU).
        self.message_user(request, ACTION_NOT_OWNER % {"mou": obj}, messages.ERROR)

    def _confirm(self, request, action, mous, title, intro, form=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "action": action,
            "mous": mous,
            "scope_labels": SCOPE_LABELS,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "multipart": action == "renew_selected",
        }
        return TemplateResponse(request, "admin/sharing/mou/confirm_action.html", context)

    def _run(self, request, mous, call) -> int:
        done = 0
        for mou in mous:
            try:
                call(mou)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{mou}: {message}", messages.ERROR)
            else:
                done += 1
        return done

    @admin.action(description="Activate the selected MOUs…", permissions=["change"])
    def activate_selected(self, request, queryset):
        mous = list(queryset)
        if not mous:
            return None
        if request.POST.get("post") != "yes":
            return self._confirm(
                request,
                "activate_selected",
                mous,
                "Activate MOUs",
                "Activating gives every user of the partner agency the access listed below, from the effective "
                "date to the expiry date. Check that the signed MOU is attached and the dates are right.",
            )
        done = self._run(request, mous, lambda mou: services.mou_activate(mou=mou, user=request.user))
        if done:
            self.message_user(request, ACTION_DONE["activate"] % {"count": done}, messages.SUCCESS)
        return None

    @admin.action(description="Revoke the selected MOUs…", permissions=["change"])
    def revoke_selected(self, request, queryset):
        mous = list(queryset)
        if not mous:
            return None
        form = RevokeForm(request.POST if request.POST.get("post") == "yes" else None)
        if not form.is_valid():
            return self._confirm(
                request,
                "revoke_selected",
                mous,
                "Revoke MOUs",
                "Revoking ends the partner agency's access at once. It cannot be undone: a new MOU would have to "
                "be drafted, signed and activated.",
                form,
            )
        reason = form.cleaned_data["reason"]
        done = self._run(
            request,
            mous,
            lambda mou: services.mou_revoke(
                mou=mou, reason=reason, user=request.user, where=SharingRefusal.Where.ADMIN
            ),
        )
        if done:
            self.message_user(request, ACTION_DONE["revoke"] % {"count": done}, messages.SUCCESS)
        return None

    @admin.action(description="Renew the selected MOU…", permissions=["change"])
    def renew_selected(self, request, queryset):
        mous = list(queryset)
        if len(mous) != 1:
            if mous:
                self.message_user(request, RENEW_SELECT_ONE, messages.WARNING)
            return None
        mou = mous[0]
        posted = request.POST.get("post") == "yes"
        form = RenewForm(request.POST if posted else None, request.FILES if posted else None)
        if not posted:
            form.initial["expires_on"] = max(mou.expires_on, timezone.localdate()) + dt.timedelta(days=365)
        if form.is_valid():
            try:
                services.mou_renew(
                    mou=mou,
                    expires_on=form.cleaned_data["expires_on"],
                    document=form.cleaned_data["document"],
                    user=request.user,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request, ACTION_DONE["renew"] % {"expires_on": form.cleaned_data["expires_on"]}, messages.SUCCESS
                )
                return None
        return self._confirm(
            request,
            "renew_selected",
            [mou],
            "Renew MOU",
            "Renewing extends the MOU to a new expiry date; an expired MOU becomes active again. Attach the "
            "renewal signed by both agencies.",
            form,
        )

    _ACTIONS_BY_STATUS = {
        MOU.Status.DRAFT: [("activate_selected", "Activate…"), ("revoke_selected", "Cancel (revoke)…")],
        MOU.Status.ACTIVE: [("renew_selected", "Renew…"), ("revoke_selected", "Revoke…")],
        MOU.Status.EXPIRED: [("renew_selected", "Renew…"), ("revoke_selected", "Revoke…")],
        MOU.Status.REVOKED: [],
    }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        mou = self.get_object(request, object_id)
        actions = []
        if mou is not None and self._is_owner_side(request, mou) and super().has_change_permission(request):
            actions = self._ACTIONS_BY_STATUS[mou.status]
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "mou_actions": actions})

    # -- extra pages ---------------------------------------------------------------------------------------

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/document/",
                self.admin_site.admin_view(self.document_view),
                name="sharing_mou_document",
            ),
            path("overview/", self.admin_site.admin_view(self.overview_view), name="sharing_mou_overview"),
        ]
        return extra + super().get_urls()

    def document_view(self, request, object_id):
        """The signed MOU, to either party's staff. Never from a public URL (MEDIA_ROOT is not served)."""
        mou = self.get_object(request, object_id)  # None for an id that is not one, or an MOU the user may not see
        if mou is None:
            raise Http404("No such MOU.")
        if not self.has_view_permission(request, mou):
            raise PermissionDenied
        if not mou.document:
            raise Http404("No signed document is attached to this MOU.")
        response = FileResponse(mou.document.open("rb"), content_type="application/pdf", filename=f"MOU-{mou.pk}.pdf")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def overview_view(self, request):
        """Who we share with and who shares with us, by scope, from the MOUs in effect today."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        agencies = None
        if request.user.is_superuser:
            agencies = Agency.objects.order_by("name")
            chosen = request.GET.get("agency") or ""
            if chosen and not chosen.isdigit():
                return HttpResponseBadRequest(OVERVIEW_BAD_AGENCY, content_type="text/plain; charset=utf-8")
            agency = agencies.filter(pk=chosen).first() if chosen else None
        else:
            agency = access_of(request.user).agency
        overview = sharing_overview(agency=agency) if agency else None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Sharing overview – {agency}" if agency else "Sharing overview",
            "opts": self.model._meta,
            "agency": agency,
            "agencies": agencies,
            "overview": overview,
            "scope_labels": SCOPE_LABELS,
            "we_share_by_scope": overview.by_scope(overview.we_share_with) if overview else {},
            "shares_with_us_by_scope": overview.by_scope(overview.shares_with_us) if overview else {},
        }
        return TemplateResponse(request, "admin/sharing/mou/overview.html", context)


@admin.register(SharingRefusal)
class SharingRefusalAdmin(RestrictedAdmin):
    """Read-only: the record of refused sharing, for the agency's auditors and records staff."""

    list_display = ["at", "where", "owner", "partner", "username", "short_reason"]
    list_filter = ["where", ("partner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["owner", "partner"]
    search_fields = ["reason", "username", "owner__name", "partner__name"]
    date_hierarchy = "at"

    @admin.display(description="reason")
    def short_reason(self, obj):
        return obj.reason if len(obj.reason) <= 120 else obj.reason[:117] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharingEvent)
class SharingEventAdmin(RestrictedAdmin):
    """Read-only: every change to sharing (activated, renewed, scope changed, revoked, expired, withdrawn), for
    both parties' auditors and records staff. The owner's history is public too, on its transparency portal."""

    list_display = ["at", "kind", "owner", "partner", "scope_display", "expires_on", "username", "reason"]
    list_filter = ["kind", ("partner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["owner", "partner"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.visible_to(request.user)

    @admin.display(description="scope")
    def scope_display(self, obj):
        return obj.scope_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
