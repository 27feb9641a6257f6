import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from agencies.access import access_of, membership_of
from agencies.models import Agency
from common.admin import RestrictedAdmin, RestrictedTabularInline
from common.client import client_address

from . import audit_admin  # noqa: F401  (registers the search-audit pages)
from .access_log import access_log_export_write
from .camera_location import MAP_MEDIA, CameraLocationField, latitude_longitude
from .camera_map import HEALTH_MEANING, CameraHealth, camera_health, camera_map_points, last_heard
from .choices import CameraPlacement, Channel
from .log_display import agency_names, criteria_in_words, local_time, names_of, person
from .models import (
    AccessLogEntry,
    Camera,
    CameraMove,
    CameraPlacementNotice,
    EvidenceHold,
    EvidenceHoldItem,
    FrigateBroker,
    PartnerSearch,
    PurgeRun,
)
from .operator_admin import operator_lookup_view
from .partner_searches import (
    criteria_text,
    monthly_report,
    person_name,
    report_csv,
    report_download_log,
    report_pdf,
)
from .placement import PLACEMENT_END_IN_PAST, camera_placement_notice_resolve
from .services import camera_move


class CameraMoveInline(RestrictedTabularInline):
    model = CameraMove
    extra = 0
    can_delete = False
    fields = readonly_fields = ["position", "heading", "moved_at", "moved_by", "reason"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Latitude, longitude")
    def position(self, move):
        return latitude_longitude(move.location)


class CameraAdminForm(forms.ModelForm):
    """The residential rule is the model's (Camera.clean); a new or changed temporary placement must also end in
    the future, as in reads.placement.camera_placement_set. The location is typed as latitude and longitude, or set
    on the map beside them (reads.camera_location)."""

    location = CameraLocationField(
        label="Location",
        help_text="Confidential. Type the latitude and longitude in decimal degrees, or click the map where the "
        "camera stands and drag the marker to adjust; the numbers follow. Leave both empty for a mobile camera.",
    )

    class Meta:
        model = Camera
        fields = [
            "agency", "name", "kind", "is_active", "placement", "placement_ends_on", "crime_trend", "location",
            "heading", "expected_interval_s", "peer", "external_id", "time_zone", "date_order", "agent_uid",
            "agent_camera_id",
        ]  # fmt: skip

    def _post_clean(self):
        # A position that could not be read already says what to type; the model's "a fixed camera needs a
        # location" (it sees none) would only blur that message.
        said = len(self._errors.get("location", []))
        super()._post_clean()
        if said:
            self._errors["location"].data = self._errors["location"].data[:said]

    def clean(self):
        data = super().clean()
        ends_on = data.get("placement_ends_on")
        changed = {"placement", "placement_ends_on"} & set(self.changed_data)
        if (
            changed
            and data.get("placement") == CameraPlacement.RESIDENTIAL
            and ends_on
            and ends_on < timezone.localdate()
        ):
            self.add_error("placement_ends_on", PLACEMENT_END_IN_PAST.format(ends_on=ends_on.isoformat()))
        return data


@admin.register(Camera)
class CameraAdmin(RestrictedAdmin):
    """A camera's records, its position set on a map (no GIS widget from a CDN), and the map of the cameras the user
    may see with their health ("Map" on the list)."""

    form = CameraAdminForm
    list_display = [
        "name",
        "agency",
        "kind",
        "peer",
        "external_id",
        "placement",
        "placement_ends_on",
        "is_active",
        "health",
        "last_heartbeat_at",
    ]
    list_filter = ["kind", "peer", "placement", "is_active", "agency"]
    search_fields = ["name", "agent_uid", "external_id"]
    inlines = [CameraMoveInline]
    fieldsets = [
        (None, {"fields": ["agency", "name", "kind", "is_active"]}),
        (
            "Placement (residential placements are temporary: an end date and the crime trend they answer)",
            {"fields": ["placement", "placement_ends_on", "crime_trend"]},
        ),
        ("Position (confidential)", {"fields": ["location", "heading"]}),
        ("Health", {"fields": ["expected_interval_s", "last_heartbeat_at"]}),
        (
            "Peer mapping",
            {
                "fields": ["peer", "external_id", "time_zone", "date_order"],
                "description": "Which product sends this camera's reads, the identifier it uses for the camera, and "
                "how to place its times that carry no UTC offset. A read naming an unmapped or inactive camera is "
                "refused.",
            },
        ),
        ("OpenALPR agent mapping", {"fields": ["agent_uid", "agent_camera_id"]}),
    ]
    readonly_fields = ["last_heartbeat_at", "position"]

    def get_fieldsets(self, request, obj=None):
        """Those who may only view the camera (auditors) read its position as latitude and longitude."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        return [
            (title, {**options, "fields": ["position" if f == "location" else f for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description="Latitude, longitude")
    def position(self, camera):
        return latitude_longitude(camera.location)

    def has_delete_permission(self, request, obj=None):
        # Reads refer to their camera: a camera taken out of service is deactivated, never deleted.
        return False

    class Media:
        css = {"all": ["console/map.css"]}  # the health words' colours

    @admin.display(description="Health")
    def health(self, obj):
        health = camera_health(obj)
        return format_html('<span class="camera-health camera-health-{}">{}</span>', health.value, health.label)

    def get_urls(self):
        # Before the admin's own: "map/" would otherwise be taken for a camera's id.
        extra = [path("map/", self.admin_site.admin_view(self.map_view), name="reads_camera_map")]
        return extra + super().get_urls()

    def map_view(self, request):
        """The cameras the user may see (this admin's get_queryset: the choke point), on a map and in a table, each
        with its health in words and a link to its page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        cameras = list(self.get_queryset(request).select_related("agency").order_by("agency__name", "name"))

        def url_of(camera):
            return reverse("admin:reads_camera_change", args=[camera.pk])

        rows = [
            {"camera": camera, "health": camera_health(camera), "last_heard": last_heard(camera), "url": url_of(camera)}
            for camera in cameras
        ]
        legend = [
            {"health": health, "meaning": HEALTH_MEANING[health], "count": sum(row["health"] == health for row in rows)}
            for health in CameraHealth
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Camera map",
            "opts": self.model._meta,
            "rows": rows,
            "legend": legend,
            "map_cameras": camera_map_points(cameras, url_of=url_of),
            "several_agencies": len({camera.agency_id for camera in cameras}) > 1,
            "media": MAP_MEDIA,
        }
        return TemplateResponse(request, "admin/reads/camera/map.html", context)

    def save_model(self, request, obj, form, change):
        moved = change and ({"location", "heading"} & set(form.changed_data))
        if moved:
            # The other fields are saved with the position as it was, so that camera_move finds where the camera stood
            # before its first recorded move (area searches find its older reads there); then the move itself.
            location, heading = obj.location, obj.heading
            obj.location, obj.heading = Camera.objects.values_list("location", "heading").get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            camera_move(camera=obj, location=location, heading=heading, moved_by=request.user, reason="admin")
            self.message_user(request, "The camera's move was recorded in its history.", messages.INFO)
        else:
            super().save_model(request, obj, form, change)


class FrigateBrokerForm(forms.ModelForm):
    class Meta:
        model = FrigateBroker
        fields = [
            "agency", "name", "is_active", "url", "mqtt_version", "username", "password", "tls", "ca_certificate",
            "client_id", "topic_prefix", "camera_map",
        ]  # fmt: skip
        widgets = {"password": forms.PasswordInput(render_value=True)}


@admin.register(FrigateBroker)
class FrigateBrokerAdmin(RestrictedAdmin):
    """MQTT brokers that `manage.py frigate_subscriber` subscribes to for an agency. The Frigate camera names are
    mapped to the agency's Frigate cameras by their external_id (or through camera_map)."""

    form = FrigateBrokerForm
    list_display = ["name", "agency", "url", "topic_prefix", "is_active", "last_connected_at", "last_message_at"]
    list_filter = ["is_active", "agency"]
    fieldsets = [
        (None, {"fields": ["agency", "name", "is_active"]}),
        ("Broker", {"fields": ["url", "mqtt_version", "username", "password", "tls", "ca_certificate", "client_id"]}),
        ("Frigate", {"fields": ["topic_prefix", "camera_map"]}),
        ("Status", {"fields": ["last_connected_at", "last_message_at", "last_error"]}),
    ]
    readonly_fields = ["last_connected_at", "last_message_at", "last_error"]


class ReadOnlyAdmin(RestrictedAdmin):
    """Records the system writes: viewed in admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


ACCESS_LOG_EXPORT_PURPOSE = "Audit: CSV export of the access log"
ACCESS_LOG_BAD_FILTER = "The filters in this address are not valid; nothing was exported."
ACCESS_LOG_CSV_COLUMNS = [
    "id", "time (local)", "person", "agency", "action", "channel", "purpose", "purpose detail", "case number",
    "searched for", "agencies searched", "results", "client address",
]  # fmt: skip


class LoggedPeopleFilter(admin.RelatedOnlyFieldListFilter):
    """The people whose rows the user may see (the changelist is already restricted by the choke point), operators
    included: a superuser's accesses to an agency's data are filed under that agency, and its auditors filter by
    them like anyone else's, though an operator is no member of the agency."""


class AccessLogChangeList(ChangeList):
    """The log's page: the agencies and cameras its criteria name are looked up once for the page, not per row."""

    def get_results(self, request):
        super().get_results(request)
        names = names_of(self.result_list)
        for entry in self.result_list:
            entry.log_names = names


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    """Read-only: the table refuses changes anyway (trigger), and the admin offers none. An agency's auditors see
    every row filed under their agency, operator (superuser) accesses to its data included (channel "Operator"; the
    operator look-up page, reads.operator_admin, is here too). Shown as an auditor reads
    it (reads.log_display): local times to the second, people and agencies by name, criteria in words; filtered by
    person, agency, action, purpose and date, and exported as CSV with the filters applied (the export is itself an
    access, written to the log)."""

    list_display = [
        "when", "who", "agency", "action", "channel", "purpose", "case_number", "on_behalf_of", "searched_for",
        "result_count",
    ]  # fmt: skip
    list_filter = [
        ("user", LoggedPeopleFilter),
        ("agency", admin.RelatedOnlyFieldListFilter),
        "action",
        "channel",
        "purpose",
        ("at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user", "agency"]
    search_fields = ["username", "user__first_name", "user__last_name", "case_number"]
    date_hierarchy = "at"
    change_list_template = "admin/reads/accesslogentry/change_list.html"

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view), name="reads_accesslogentry_export")
        lookup = path(
            "operator-lookup/",
            self.admin_site.admin_view(operator_lookup_view),
            name="reads_accesslogentry_operator_lookup",
        )
        return [export, lookup, *super().get_urls()]

    @admin.display(description="When (local)", ordering="at")
    def when(self, entry):
        return local_time(entry.at)

    @admin.display(description="Who", ordering="username")
    def who(self, entry):
        return person(entry)

    def get_changelist(self, request, **kwargs):
        return AccessLogChangeList

    @admin.display(description="Searched for")
    def searched_for(self, entry):
        return criteria_in_words(entry.query, names=getattr(entry, "log_names", None))

    def export_view(self, request):
        """The rows the list shows (its filters, search and date), as CSV; logged as an export of ALPR data."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        agency = access_of(request.user).agency
        if agency is None:  # the export is logged for an agency; a user of none has nothing to export
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:  # a malformed filter value (the list itself answers such with ?e=1)
            return HttpResponse(ACCESS_LOG_BAD_FILTER, status=400, content_type="text/plain; charset=utf-8")
        entries = list(changelist.get_queryset(request).select_related("user", "agency"))
        names = names_of(entries)
        access_log_export_write(
            user=request.user, agency=agency, channel=Channel.ADMIN, detail=ACCESS_LOG_EXPORT_PURPOSE,
            query={"access_log_filters": dict(request.GET.items())}, entries=entries,
            client_address=client_address(request),
        )  # fmt: skip
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-log-{timezone.localdate():%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(ACCESS_LOG_CSV_COLUMNS)
        for entry in entries:
            writer.writerow(
                [
                    entry.pk, local_time(entry.at), person(entry), entry.agency.name, entry.get_action_display(),
                    entry.get_channel_display(), entry.get_purpose_display(), entry.purpose_detail, entry.case_number,
                    criteria_in_words(entry.query, names=names), agency_names(entry.agencies_searched, names=names),
                    entry.result_count,
                    entry.client_address or "",
                ]
            )  # fmt: skip
        return response


@admin.register(CameraPlacementNotice)
class CameraPlacementNoticeAdmin(RestrictedAdmin):
    """Reminders that a camera's temporary (residential) placement has ended; written by a daily task."""

    list_display = ["camera", "placement_ended_on", "created_at", "resolved_at", "resolved_by"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["camera", "agency", "placement_ended_on", "created_at", "resolved_at", "resolved_by"]
    actions = ["resolve_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Marking a reminder done writes (who and when): a change, never a mere view.
    @admin.action(description="Mark done (camera moved back, or its placement renewed)", permissions=["change"])
    def resolve_selected(self, request, queryset):
        for notice in queryset:
            camera_placement_notice_resolve(notice=notice, user=request.user)
        self.message_user(request, f"Marked {queryset.count()} reminder(s) done.", messages.SUCCESS)


class EvidenceHoldItemInline(RestrictedTabularInline):
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
    """The system's runs, one for all agencies: every auditor sees them (agencies.access.HOLDINGS)."""

    list_display = ["started_at", "duration_ms", "removed_total", "kept_for_holds"]


@admin.register(PartnerSearch)
class PartnerSearchAdmin(ReadOnlyAdmin):
    """Every access by another agency's people that reached our data, with names (the owner's audit trail), and
    the monthly per-partner report as CSV or PDF."""

    list_display = [
        "at", "agency", "name", "username", "action", "purpose", "purpose_detail", "case_number", "on_behalf_of",
        "criteria", "result_count",
    ]  # fmt: skip
    list_filter = ["action", "purpose", ("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agency", "user", "on_behalf_of"]
    search_fields = ["username", "case_number"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        # The choke point first (the auditor's permission), then only the searches that reached the user's agency.
        return super().get_queryset(request).partner_searches_visible_to(request.user)

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
        report_download_log(report, user=request.user, channel=Channel.ADMIN, client_address=client_address(request))
        if kind == "csv":
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.file_stem}.{kind}"'
        return response
