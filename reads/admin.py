from django.contrib import admin, messages
from django.contrib.gis import admin as gis_admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from agencies.access import membership_of
from agencies.models import Agency
from common.admin import AgencyScopedAdmin

from . import audit_admin  # noqa: F401  (registers the search-audit pages)
from .models import AccessLogEntry, Camera, CameraMove, EvidenceHold, EvidenceHoldItem, PartnerSearch, PurgeRun
from .partner_searches import criteria_text, monthly_report, person_name, report_csv, report_pdf
from .services import camera_move


class CameraMoveInline(admin.TabularInline):
    model = CameraMove
    extra = 0
    can_delete = False
    readonly_fields = ["location", "heading", "moved_at", "moved_by", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Camera)
class CameraAdmin(AgencyScopedAdmin, gis_admin.GISModelAdmin):
    list_display = ["name", "agency", "kind", "is_active", "health", "last_heartbeat_at"]
    list_filter = ["kind", "is_active", "agency"]
    search_fields = ["name", "agent_uid"]
    inlines = [CameraMoveInline]
    fieldsets = [
        (None, {"fields": ["agency", "name", "kind", "is_active"]}),
        ("Position (confidential)", {"fields": ["location", "heading"]}),
        ("Health", {"fields": ["expected_interval_s", "last_heartbeat_at"]}),
        ("OpenALPR agent mapping", {"fields": ["agent_uid", "agent_camera_id"]}),
    ]
    readonly_fields = ["last_heartbeat_at"]

    def has_delete_permission(self, request, obj=None):
        # Reads refer to their camera: a camera taken out of service is deactivated, never deleted.
        return False

    @admin.display(description="Health")
    def health(self, obj):
        if obj.is_online:
            return format_html('<span style="color:#075">online</span>')
        return format_html('<strong style="color:#a00">offline</strong>')

    def save_model(self, request, obj, form, change):
        moved = change and ({"location", "heading"} & set(form.changed_data))
        if moved:
            super().save_model(request, obj, form, change)
            camera_move(camera=obj, location=obj.location, heading=obj.heading, moved_by=request.user, reason="admin")
            self.message_user(request, "The camera's move was recorded in its history.", messages.INFO)
        else:
            super().save_model(request, obj, form, change)


class ReadOnlyAdmin(AgencyScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    """Read-only: the table refuses changes anyway (trigger), and the admin offers none."""

    list_display = [
        "at", "username", "agency", "action", "channel", "purpose", "case_number", "on_behalf_of", "result_count",
    ]  # fmt: skip
    list_filter = ["action", "channel", "purpose"]
    search_fields = ["username", "case_number"]
    date_hierarchy = "at"


class EvidenceHoldItemInline(admin.TabularInline):
    model = EvidenceHoldItem
    extra = 0
    readonly_fields = ["read_id", "captured_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EvidenceHold)
class EvidenceHoldAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "agency", "created_by", "created_at", "released_at"]
    list_filter = ["released_at"]
    search_fields = ["case_number"]
    inlines = [EvidenceHoldItemInline]


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "duration_ms", "removed_total", "kept_for_holds"]

    def get_queryset(self, request):
        return PurgeRun.objects.all()


@admin.register(PartnerSearch)
class PartnerSearchAdmin(ReadOnlyAdmin):
    """Every access by another agency's people that reached our data, with names (the owner's audit trail), and
    the monthly per-partner report as CSV or PDF."""

    list_display = [
        "at", "agency", "name", "username", "action", "purpose", "purpose_detail", "case_number", "on_behalf_of",
        "criteria", "result_count",
    ]  # fmt: skip
    list_filter = ["action", "purpose", "agency"]
    list_select_related = ["agency", "user", "on_behalf_of"]
    search_fields = ["username", "case_number"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return PartnerSearch.objects.partner_searches_visible_to(request.user).select_related(
            "agency", "user", "on_behalf_of"
        )

    @admin.display(description="person")
    def name(self, entry):
        return person_name(entry)

    @admin.display(description="criteria")
    def criteria(self, entry):
        return criteria_text(entry)

    def get_urls(self):
        report = path("report/", self.admin_site.admin_view(self.report_view), name="reads_partnersearch_report")
        return [report, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        membership = membership_of(request.user)
        partners = Agency.objects.filter(pk__in=self.get_queryset(request).values("agency_id").distinct()).order_by(
            "name"
        )
        context = {
            "report_month": f"{timezone.localdate():%Y-%m}",
            "report_partners": partners if membership else [],
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def report_view(self, request):
        membership = membership_of(request.user)
        if membership is None or not self.has_view_permission(request):
            raise PermissionDenied
        partner = request.GET.get("partner") or ""
        kind = "pdf" if request.GET.get("kind") == "pdf" else "csv"
        try:
            report = monthly_report(
                owner=membership.agency,
                month=request.GET.get("month"),
                partner_id=int(partner) if partner.isdigit() else None,
            )
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
        if kind == "csv":
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.file_stem}.{kind}"'
        return response
