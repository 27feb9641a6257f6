from django import forms
from django.contrib import admin, messages
from django.contrib.gis import admin as gis_admin
from django.utils.html import format_html

from common.admin import AgencyScopedAdmin

from . import audit_admin  # noqa: F401  (registers the search-audit pages)
from .models import AccessLogEntry, Camera, CameraMove, EvidenceHold, EvidenceHoldItem, FrigateBroker, PurgeRun
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
    list_display = ["name", "agency", "kind", "peer", "external_id", "is_active", "health", "last_heartbeat_at"]
    list_filter = ["kind", "peer", "is_active", "agency"]
    search_fields = ["name", "agent_uid", "external_id"]
    inlines = [CameraMoveInline]
    fieldsets = [
        (None, {"fields": ["agency", "name", "kind", "is_active"]}),
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


class FrigateBrokerForm(forms.ModelForm):
    class Meta:
        model = FrigateBroker
        fields = [
            "agency", "name", "is_active", "url", "mqtt_version", "username", "password", "tls", "ca_certificate",
            "client_id", "topic_prefix", "camera_map",
        ]  # fmt: skip
        widgets = {"password": forms.PasswordInput(render_value=True)}


@admin.register(FrigateBroker)
class FrigateBrokerAdmin(AgencyScopedAdmin):
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

    list_display = ["at", "username", "agency", "action", "channel", "purpose", "case_number", "result_count"]
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
