from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from common.admin import AgencyScopedAdmin
from common.prohibited import agency_terms
from reads.plates import PlateError, normalize_plate

from .choices import ImportFormat, ImportOutcome
from .models import (
    Alert,
    AlertEvent,
    Hotlist,
    HotlistEntry,
    HotlistImport,
    NotificationOutbox,
    NotificationSubscription,
)
from .notifications import notification_subscription_create
from .rules import PROHIBITED_REASON, states_immigration_purpose
from .services import hotlist_entry_create, hotlist_import


class HotlistImportForm(forms.Form):
    file = forms.FileField()
    format = forms.ChoiceField(choices=ImportFormat.choices)
    replace = forms.BooleanField(
        required=False, initial=True, help_text="Replace the whole list (a daily state extract); else add to it."
    )


@admin.register(Hotlist)
class HotlistAdmin(AgencyScopedAdmin):
    list_display = ["name", "agency", "source", "category", "priority", "match_strategy", "is_active", "import_link"]
    list_filter = ["source", "category", "is_active", "match_strategy"]
    search_fields = ["name"]
    fields = [
        "agency",
        "name",
        "source",
        "category",
        "priority",
        "alert_level",
        "match_strategy",
        "is_active",
        "default_entry_lifetime",
        "drop_file_name",
    ]

    def get_urls(self):
        return [
            path(
                "<int:pk>/import/",
                self.admin_site.admin_view(self.import_view),
                name="hotlists_hotlist_import",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Import")
    def import_link(self, obj):
        return format_html('<a href="{}">Upload a file</a>', reverse("admin:hotlists_hotlist_import", args=[obj.pk]))

    def import_view(self, request, pk):
        """Upload form on a hotlist: all or nothing; a refused file lists each bad line."""
        hotlist = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("hotlists.import_hotlist"):
            raise PermissionDenied
        form = HotlistImportForm(request.POST or None, request.FILES or None, initial={"format": hotlist.import_format})
        record = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            record = hotlist_import(
                hotlist=hotlist,
                content=upload.read(),
                file_name=upload.name,
                file_format=form.cleaned_data["format"],
                replace=form.cleaned_data["replace"],
                user=request.user,
                channel="admin",
            )
            if record.outcome == ImportOutcome.SUCCEEDED:
                self.message_user(
                    request,
                    f"Imported {upload.name}: {record.added} added, {record.updated} updated, {record.removed} "
                    f"removed, {record.unchanged} unchanged, {record.historical_alerts} historical alert(s).",
                    messages.SUCCESS,
                )
                return redirect("admin:hotlists_hotlist_change", hotlist.pk)
            self.message_user(
                request, f"{upload.name} was refused ({record.error_count} bad line(s)); the list is unchanged.",
                messages.ERROR,
            )  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": hotlist,
            "title": f"Import into {hotlist.name}",
            "form": form,
            "record": record,
        }
        return TemplateResponse(request, "admin/hotlists/hotlist/import.html", context)


class HotlistEntryForm(forms.ModelForm):
    class Meta:
        model = HotlistEntry
        fields = [
            "hotlist",
            "plate",
            "plate_state",
            "reason",
            "case_number",
            "description",
            "expires_at",
            "vehicle_year",
            "vehicle_make",
            "vehicle_model",
            "vehicle_color",
        ]

    def clean_plate(self):
        try:
            return normalize_plate(self.cleaned_data["plate"])
        except PlateError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        hotlist = data.get("hotlist") or getattr(self.instance, "hotlist", None)
        extra = agency_terms([hotlist.agency_id]) if hotlist is not None else ()
        texts = (data.get("reason", ""), data.get("description", ""), data.get("case_number", ""))
        if states_immigration_purpose(*texts, extra_terms=extra):
            raise ValidationError(PROHIBITED_REASON)
        return data


@admin.register(HotlistEntry)
class HotlistEntryAdmin(AgencyScopedAdmin):
    agency_field = "hotlist__agency"
    form = HotlistEntryForm
    list_display = ["plate", "plate_state", "hotlist", "reason", "case_number", "entered_at", "expires_at"]
    list_filter = ["reason", "hotlist"]
    search_fields = ["plate", "case_number"]
    list_select_related = ["hotlist__agency"]
    show_full_result_count = False  # a state list has a million rows

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "hotlist" and not request.user.is_superuser:
            kwargs["queryset"] = Hotlist.objects.owned_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # An entry is added through the service (rules, historical matching); afterwards only its details change.
        return ["hotlist", "plate", "plate_state"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        entry = hotlist_entry_create(user=request.user, **form.cleaned_data)
        obj.pk = entry.pk
        if entry.historical_alerts:
            self.message_user(request, f"{len(entry.historical_alerts)} earlier read(s) matched.", messages.WARNING)


@admin.register(HotlistImport)
class HotlistImportAdmin(AgencyScopedAdmin):
    agency_field = "hotlist__agency"
    list_display = ["started_at", "hotlist", "file_name", "file_format", "outcome", "added", "removed", "unchanged"]
    list_filter = ["outcome", "file_format", "channel"]
    readonly_fields = [f.name for f in HotlistImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "at", "from_status", "to_status", "note", "plate_verified", "database_checked"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(AgencyScopedAdmin):
    """Read-only here: alerts are worked through the API / console so that every step is an AlertEvent."""

    list_display = ["created_at", "plate", "list_name", "match_kind", "status", "read_count", "historical"]
    list_filter = ["status", "match_kind", "historical"]
    search_fields = ["plate", "case_number"]
    inlines = [AlertEventInline]
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationSubscription)
class NotificationSubscriptionAdmin(AgencyScopedAdmin):
    list_display = ["name", "agency", "kind", "url", "email", "min_priority", "is_active"]
    fields = ["agency", "name", "kind", "url", "email", "min_priority", "include_historical", "is_active"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = notification_subscription_create(
            agency=obj.agency, name=obj.name, kind=obj.kind, url=obj.url, email=obj.email, min_priority=obj.min_priority
        )
        obj.pk = created.pk
        if created.secret:
            self.message_user(request, f"Signing secret (give it to the receiver): {created.secret}", messages.WARNING)


@admin.register(NotificationOutbox)
class NotificationOutboxAdmin(AgencyScopedAdmin):
    agency_field = "subscription__agency"
    list_display = ["created_at", "alert", "subscription", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in NotificationOutbox._meta.fields]

    def has_add_permission(self, request):
        return False
