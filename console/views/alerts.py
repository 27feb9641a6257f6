"""Alerts for dispatch: a live list (polled by console.js from `alert_feed_json`), filters, and the workflow.

The workflow is hotlists.services.alert_transition's: this module only shows the next steps it allows and
passes the officer's input on. Showing an alert's image is an image view (access log, purpose 'alert
verification', the hit's case number), logged once per alert and session when its page is opened."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone

from agencies.access import membership_of
from common.api import client_address
from hotlists.alert_access import alert_access_log
from hotlists.choices import ALERT_TRANSITIONS, OPEN_ALERT_STATUSES, AlertStatus
from hotlists.models import Alert
from hotlists.selectors import (
    ALERT_LIST_ORDER,
    FeedCursorError,
    alert_feed,
    alert_feed_covers,
    alert_vehicle_descriptions,
)
from hotlists.services import alert_transition
from reads.access_log import access_log_write
from reads.choices import AccessAction, Channel, Purpose

from ..access import ROLE_NOT_ALLOWED, console_view, forbidden
from ..forms import AlertFilterForm, AlertTransitionForm
from ..images import stored_image_response
from ..selectors import alert_groups, is_high_priority

LIST_LIMIT = 100
ALERT_IMAGES_SESSION_KEY = "console_alert_images"
ALERT_MOVED = "Alert {plate} is now {status}."
STEP_LABELS = {
    AlertStatus.ACKNOWLEDGED: "Acknowledge",
    AlertStatus.CONFIRMED: "Confirm hit",
    AlertStatus.MISREAD: "Misread",
    AlertStatus.NOT_LOCATED: "Not located",
    AlertStatus.CLEARED: "Clear",
}
# What each step's form asks for. The service enforces the rule; these only decide which inputs the page shows.
STEP_NEEDS_CHECKS = frozenset({AlertStatus.CONFIRMED})
STEP_NEEDS_NOTE = frozenset({AlertStatus.MISREAD, AlertStatus.CLEARED})
# The verification asked of the officer depends on what the hit has: an image to compare, or only the vehicle.
VERIFY_WITH_IMAGE = "I compared the plate in the image with the hotlist plate, character by character"
VERIFY_WITHOUT_IMAGE = (
    "No image was recorded with this read: I saw the vehicle and compared its plate with the hotlist plate, "
    "character by character"
)


def _filtered(request, form: AlertFilterForm):
    alerts = Alert.objects.visible_to(request.user)
    status = form.cleaned_data.get("status") if form.is_valid() else ""
    if not status:
        alerts = alerts.filter(status__in=OPEN_ALERT_STATUSES)
    elif status != "all":
        alerts = alerts.filter(status=status)
    hotlist = form.cleaned_data.get("hotlist") if form.is_valid() else None
    if hotlist is not None:
        alerts = alerts.filter(hotlist=hotlist)
    return alerts.order_by(*ALERT_LIST_ORDER)


@console_view("hotlists.view_alert")
def alert_list(request):
    """Live hits (a read just now) and historical hits (an old read matched when an entry was added) in separate
    tables, each sorted by priority then by read time, repeats of one plate grouped into one row."""
    form = AlertFilterForm(request.GET or None, user=request.user)
    # The page shows the alerts its feed cursor covers; console.js adds the later ones as the feed hands them out.
    _, cursor = alert_feed(user=request.user, cursor=None, wait_s=0)
    filtered = _filtered(request, form).filter(alert_feed_covers(cursor))
    live = list(filtered.filter(historical=False)[:LIST_LIMIT])
    historical = list(filtered.filter(historical=True)[:LIST_LIMIT])
    alerts = live + historical
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    hotlist = form.cleaned_data.get("hotlist") if form.is_valid() else None
    _log_shown(request, alerts, "console:alerts", {"status": status, "hotlist": hotlist.pk if hotlist else None})
    context = {
        "form": form,
        "live_groups": alert_groups(live),
        "historical_groups": alert_groups(historical),
        "cursor": cursor,
        "max_ids": LIST_LIMIT,  # how many shown alerts the feed reports the status of
        # New alerts arrive as 'new': the live feed adds them when the filter shows new alerts.
        "live_status": "" if status in ("", "all", AlertStatus.NEW) else "off",
        "live_hotlist": hotlist.pk if hotlist else "",
    }
    return render(request, "console/alerts.html", context)


def _log_shown(request, alerts, view: str, criteria: dict | None = None) -> None:
    """A page or answer showing alerts is an access of ALPR data (hotlists.alert_access): purpose "hotlist alert"."""
    alert_access_log(
        user=request.user,
        alerts=alerts,
        channel=Channel.WEB,
        view=view,
        client_address=client_address(request),
        criteria=criteria,
    )


def _feed_item(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "url": reverse("console:alert-detail", args=[alert.pk]),
        "seen_at": formats.date_format(timezone.localtime(alert.last_seen_at), "Y-m-d H:i:s"),
        "plate": alert.plate,
        "plate_state": alert.plate_state,
        "list_name": alert.list_name,
        "hotlist": alert.hotlist_id,
        "reason": alert.get_reason_display(),
        "camera": alert.camera_name,
        "priority": alert.get_priority_display(),
        "status": alert.status,
        "status_label": alert.get_status_display(),
        "high": is_high_priority(alert),
        "historical": alert.historical,
    }


FEED_BAD_IDS = f"ids must be at most {LIST_LIMIT} alert ids separated by commas."


def _shown_ids(raw: str) -> list[int] | None:
    """The `ids` parameter (alerts the page shows) as ints; None when it is not a short list of ids. An id given
    twice is accepted: it asks for one alert's status twice, harms nothing, and refusing it would stop a page's live
    updates over a repeated row."""
    parts = [part for part in raw.split(",") if part] if raw else []
    if len(parts) > LIST_LIMIT or not all(part.isdigit() and len(part) < 19 for part in parts):
        return None
    return [int(part) for part in parts]


@console_view("hotlists.view_alert", as_json=True)
def alert_feed_json(request):
    """New alerts after `since` (the cursor this view or the list page gave), without waiting: the page polls.
    With `ids` (the alerts the page shows), also their current status, so that a hit another officer has
    acknowledged or cleared changes on every screen without a reload."""
    shown = _shown_ids(request.GET.get("ids", ""))
    if shown is None:
        return JsonResponse({"detail": FEED_BAD_IDS}, status=400)
    try:
        alerts, cursor = alert_feed(user=request.user, cursor=request.GET.get("since"), wait_s=0)
    except FeedCursorError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    _log_shown(request, alerts, "console:alert-feed")  # new alerts only: the statuses show no read data
    statuses = Alert.objects.visible_to(request.user).filter(pk__in=shown).values_list("pk", "status")
    return JsonResponse(
        {
            "cursor": cursor,
            "alerts": [_feed_item(alert) for alert in alerts],
            "statuses": [
                {"id": pk, "status": status, "status_label": AlertStatus(status).label} for pk, status in statuses
            ],
        }
    )


@dataclass
class Step:
    status: str
    label: str
    form: AlertTransitionForm
    needs_checks: bool
    needs_note: bool


def _steps(alert: Alert, bound: AlertTransitionForm | None) -> list[Step]:
    steps = []
    for status in sorted(ALERT_TRANSITIONS.get(alert.status, ())):
        form = bound if bound is not None and bound.data.get("to_status") == status else None
        form = form or AlertTransitionForm(initial={"to_status": status}, auto_id=f"id_{status}_%s")
        form.fields["plate_verified"].label = VERIFY_WITH_IMAGE if alert.image else VERIFY_WITHOUT_IMAGE
        steps.append(
            Step(
                status=status,
                label=STEP_LABELS.get(status, AlertStatus(status).label),
                form=form,
                needs_checks=status in STEP_NEEDS_CHECKS,
                needs_note=status in STEP_NEEDS_NOTE,
            )
        )
    # Confirm first: it is the step that matters most on a live hit.
    return sorted(steps, key=lambda step: (step.status != AlertStatus.CONFIRMED, step.status))


def _log_alert_image(request, alert: Alert) -> None:
    seen = request.session.get(ALERT_IMAGES_SESSION_KEY, [])
    if alert.pk in seen:
        return
    access_log_write(
        user=request.user,
        agency=membership_of(request.user).agency,
        action=AccessAction.IMAGE_VIEW,
        channel=Channel.WEB,
        purpose=Purpose.ALERT_VERIFICATION,
        case_number=alert.case_number or f"ALERT-{alert.pk}",
        query={"alert_id": alert.pk, "read_id": alert.read_id, "kind": "rear"},
        result_count=1,
        oldest_result_at=alert.read_captured_at,
        agencies_searched=[alert.owner_agency_id],
        client_address=client_address(request),
    )
    request.session[ALERT_IMAGES_SESSION_KEY] = [*seen, alert.pk][-50:]


@console_view("hotlists.view_alert")
def alert_detail(request, alert_id: int):
    alert = get_object_or_404(Alert.objects.visible_to(request.user).select_related("hotlist"), pk=alert_id)
    may_transition = request.user.has_perm("hotlists.transition_alert")
    bound = None
    if request.method == "POST":
        if not may_transition:
            return forbidden(request, ROLE_NOT_ALLOWED)
        bound = AlertTransitionForm(request.POST, auto_id=f"id_{request.POST.get('to_status', '')}_%s")
        if bound.is_valid():
            try:
                alert = alert_transition(alert=alert, user=request.user, **bound.cleaned_data)
            except ValidationError as exc:
                bound.add_service_errors(exc)
            else:
                messages.success(request, ALERT_MOVED.format(plate=alert.plate, status=alert.get_status_display()))
                return redirect("console:alert-detail", alert_id=alert.pk)
    if alert.image:
        _log_alert_image(request, alert)
    _log_shown(request, [alert], "console:alert-detail")
    context = {
        "alert": alert,
        "is_high": is_high_priority(alert),
        "vehicle": alert_vehicle_descriptions([alert]).get(alert.pk, ""),
        "events": list(alert.events.select_related("actor").order_by("at", "id")),
        "steps": _steps(alert, bound) if may_transition else [],
        "error_step": bound.data.get("to_status") if bound is not None and bound.errors else None,
    }
    return render(request, "console/alert_detail.html", context, status=400 if bound is not None else 200)


@console_view("hotlists.view_alert")
def alert_image(request, alert_id: int):
    """The hit's image, once its page (and so the logged image view) was opened in this session."""
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=alert_id)
    if alert.pk not in request.session.get(ALERT_IMAGES_SESSION_KEY, []):
        raise Http404("Open the alert's page first.")
    response = stored_image_response(alert.image)
    _log_shown(request, [alert], "console:alert-image")
    return response
