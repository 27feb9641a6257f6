from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from agencies.access import CHANGE, restrict
from common.admin import RestrictedAdmin, RestrictedTabularInline
from common.client import client_address
from common.prohibited import agency_terms
from reads.choices import Channel
from reads.plates import PlateError, normalize_plate

from .alert_access import alert_access_log
from .choices import ImportFormat, ImportOutcome, ImportStage
from .import_preview import (
    PREVIEW_EXPIRED,
    PREVIEW_REMOVAL_NOT_CONFIRMED,
    hotlist_import_preview,
    import_lines,
    import_replaces,
    parse_import_lines,
    preview_peek,
    preview_store,
    preview_take,
)
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
from .parsers import ImportFileError
from .rules import PROHIBITED_REASON, states_immigration_purpose
from .services import hotlist_entry_create, hotlist_import_queue

IMPORT_FILE_REFUSED = "The file has {count} bad line(s), listed below; nothing was imported."


class HotlistImportForm(forms.Form):
    file = forms.FileField()
    format = forms.ChoiceField(choices=ImportFormat.choices)
    replace = forms.BooleanField(
        label="Replace the list",
        required=False,
        help_text="Entries not in the file are removed (a daily state or NCIC extract). Unticked, the file adds to "
        "the list. The next page shows what would be added and removed before anything changes.",
    )


class ImportConfirmForm(forms.Form):
    """The second step: the preview's token and, when the import removes entries, the clerk's explicit consent."""

    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    confirm_removal = forms.BooleanField(required=False)


@admin.register(Hotlist)
class HotlistAdmin(RestrictedAdmin):
    # The upload link next to the name: at the end of a wide row it was cut off at 1366 px.
    list_display = ["name", "import_link", "agency", "source", "category", "priority", "match_strategy", "is_active"]
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
        """Upload form on a hotlist, in two steps. The upload is parsed at once and the next page previews what it
        would do (to add, to remove, unchanged); a refused file lists each bad line and nothing is kept. Only the
        confirmation queues the file for a worker (a state extract takes about a minute), and an import that removes
        entries needs the clerk to tick that removal. The import's own page then shows its stage and outcome."""
        # The role's permissions first (a role without them is refused outright), then the list: one the user may
        # not change (another agency's) is answered as a missing one.
        if not (self.has_change_permission(request) and request.user.has_perm("hotlists.import_hotlist")):
            raise PermissionDenied
        hotlist = get_object_or_404(restrict(Hotlist.objects.all(), request.user, CHANGE), pk=pk)
        if request.method == "POST" and "token" in request.POST:
            return self._import_confirm(request, hotlist)
        initial = {"format": hotlist.import_format, "replace": import_replaces(hotlist.import_format, None)}
        form = HotlistImportForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            file_format = form.cleaned_data["format"]
            try:
                parsed = parse_import_lines(hotlist, import_lines(content), file_format)
            except ImportFileError as exc:
                form.add_error("file", IMPORT_FILE_REFUSED.format(count=exc.total))
                return self._import_page(request, hotlist, form, errors=exc.errors, status=400)
            preview = hotlist_import_preview(hotlist=hotlist, parsed=parsed, replace=form.cleaned_data["replace"])
            token = preview_store(
                user=request.user,
                hotlist=hotlist,
                content=content,
                file_name=upload.name,
                file_format=file_format,
                replace=preview.replace,
            )
            return self._preview_page(
                request, hotlist, preview, upload.name, ImportConfirmForm(initial={"token": token})
            )
        return self._import_page(request, hotlist, form, status=400 if request.method == "POST" else 200)

    def _import_confirm(self, request, hotlist):
        form = ImportConfirmForm(request.POST)
        stored = preview_peek(user=request.user, hotlist=hotlist, token=request.POST.get("token", ""))
        if not form.is_valid() or stored is None:
            self.message_user(request, PREVIEW_EXPIRED, messages.ERROR)
            return redirect("admin:hotlists_hotlist_import", hotlist.pk)
        parsed = parse_import_lines(hotlist, import_lines(stored["content"]), stored["file_format"])
        # Recomputed: the list may have changed since the preview, and what is removed is what the clerk confirms.
        preview = hotlist_import_preview(hotlist=hotlist, parsed=parsed, replace=stored["replace"])
        if preview.to_remove and not form.cleaned_data["confirm_removal"]:
            form.add_error("confirm_removal", PREVIEW_REMOVAL_NOT_CONFIRMED.format(count=preview.to_remove))
            return self._preview_page(request, hotlist, preview, stored["file_name"], form, status=400)
        if preview_take(user=request.user, hotlist=hotlist, token=form.cleaned_data["token"]) is None:
            self.message_user(request, PREVIEW_EXPIRED, messages.ERROR)
            return redirect("admin:hotlists_hotlist_import", hotlist.pk)
        record = hotlist_import_queue(
            hotlist=hotlist,
            content=stored["content"],
            file_name=stored["file_name"],
            file_format=stored["file_format"],
            replace=stored["replace"],
            user=request.user,
            channel="admin",
        )
        self.message_user(
            request,
            f"{stored['file_name']} is queued for import into {hotlist.name}. This page shows its progress and "
            "outcome (reload it); the list changes only if the whole file is accepted.",
            messages.SUCCESS,
        )
        return redirect("admin:hotlists_hotlistimport_change", record.pk)

    def _import_page(self, request, hotlist, form, *, errors=(), status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": hotlist,
            "title": f"Import into {hotlist.name}",
            "form": form,
            "file_errors": errors,
            "recent": HotlistImport.objects.filter(hotlist=hotlist).order_by("-started_at")[:5],
        }
        return TemplateResponse(request, "admin/hotlists/hotlist/import.html", context, status=status)

    def _preview_page(self, request, hotlist, preview, file_name, form, *, status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": hotlist,
            "title": f"Check the import into {hotlist.name}",
            "preview": preview,
            "file_name": file_name,
            "form": form,
        }
        return TemplateResponse(request, "admin/hotlists/hotlist/import_preview.html", context, status=status)


def import_progress(record: HotlistImport) -> str:
    """ "parsing: 120,000 of 1,000,000 lines" while running; the outcome's counts once finished."""
    if record.outcome == ImportOutcome.QUEUED:
        return "waiting for a worker"
    if record.outcome == ImportOutcome.RUNNING:
        if record.stage == ImportStage.PARSING:
            return f"reading the file: {record.progress:,} of {record.total_lines:,} lines"
        if record.stage == ImportStage.STAGING:
            return f"loading entries: {record.progress:,} of {record.records_read:,}"
        return ImportStage(record.stage).label
    if record.outcome == ImportOutcome.SUCCEEDED:
        return (
            f"{record.added:,} added, {record.updated:,} updated, {record.removed:,} removed, "
            f"{record.unchanged:,} unchanged, {record.historical_alerts:,} historical alert(s)"
        )
    return f"{record.error_count:,} error(s); the list is unchanged"


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
class HotlistEntryAdmin(RestrictedAdmin):
    form = HotlistEntryForm
    list_display = ["plate", "plate_state", "hotlist", "reason", "case_number", "entered_at", "expires_at"]
    list_filter = ["reason", "hotlist"]
    search_fields = ["plate", "case_number"]
    list_select_related = ["hotlist__agency"]
    show_full_result_count = False  # a state list has a million rows

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
class HotlistImportAdmin(RestrictedAdmin):
    list_display = ["started_at", "hotlist", "file_name", "file_format", "outcome", "progress_display"]
    list_filter = ["outcome", "file_format", "channel"]
    readonly_fields = ["progress_display", *(f.name for f in HotlistImport._meta.fields if f.name != "stored_file")]
    exclude = ["stored_file"]

    @admin.display(description="Progress")
    def progress_display(self, obj):
        return import_progress(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AlertEventInline(RestrictedTabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "at", "from_status", "to_status", "note", "plate_verified", "database_checked"]

    def has_add_permission(self, request, obj=None):
        return False


class AlertAccessLoggedAdmin(RestrictedAdmin):
    """An admin whose pages show alerts' read data: each changelist page (with its search and filters) and each
    change page writes an access-log row of the alerts it shows (hotlists.alert_access)."""

    def alerts_of(self, objects) -> list[Alert]:
        return list(objects)

    def _log(self, request, objects, view: str) -> None:
        criteria = {
            "search": request.GET.get("q", ""),
            "filters": {key: value for key, value in request.GET.items() if key not in ("q", "p", "o")},
        }
        alert_access_log(
            user=request.user,
            alerts=self.alerts_of(objects),
            channel=Channel.ADMIN,
            view=view,
            client_address=client_address(request),
            criteria=criteria,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            self._log(request, changelist.result_list, f"admin:{self.opts.model_name}-changelist")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if original is not None:
            self._log(request, [original], f"admin:{self.opts.model_name}-change")
        return response


@admin.register(Alert)
class AlertAdmin(AlertAccessLoggedAdmin):
    """Read-only here: alerts are worked through the API / console so that every step is an AlertEvent."""

    holds_alpr_data = True  # a superuser sees only their own agency's alerts (common.admin)

    list_display = ["created_at", "plate", "list_name", "match_kind", "status", "read_count", "historical"]
    list_filter = ["status", "match_kind", "historical"]
    search_fields = ["plate", "case_number"]
    inlines = [AlertEventInline]
    readonly_fields = [f.name for f in Alert._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationSubscription)
class NotificationSubscriptionAdmin(RestrictedAdmin):
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
class NotificationOutboxAdmin(AlertAccessLoggedAdmin):
    """The notifications' payloads carry their alert's plate, time and camera: viewing them is logged as an alert."""

    list_select_related = ["alert", "subscription"]

    def alerts_of(self, objects) -> list[Alert]:
        return list({row.alert_id: row.alert for row in objects}.values())

    list_display = ["created_at", "alert", "subscription", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in NotificationOutbox._meta.fields]

    def has_add_permission(self, request):
        return False
