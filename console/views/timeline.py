"""Vehicle timeline: one plate's reads over a window, oldest first, with a plain SVG of where they were taken.

Logged like a search (read_search, action `timeline`, channel web), under a purpose and case number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from agencies.access import membership_of
from reads.models import Read
from reads.search import MAX_WINDOW_DAYS

from ..access import console_view
from ..forms import TimelineForm
from ..maps import read_points
from ..selectors import reads_of_state
from ..state import Kind, search_state_get
from .search import run_logged_search, state_or_redirect

TIMELINE_MAX = 500
WIDEN_BY = timedelta(days=7)  # each "widen" adds a week on both sides (up to now, within the longest window)


@console_view("reads.search_read")
def timeline_search(request):
    """The timeline form. `?from=<log id>` fills in the purpose statement of a search of this session."""
    initial = {}
    if "plate" in request.GET:
        initial["plate"] = request.GET["plate"]
    source = search_state_get(request, _int(request.GET.get("from")))
    if source is not None:
        initial.update(
            purpose=source.statement.purpose,
            case_number=source.statement.case_number,
            purpose_detail=source.statement.detail,
            on_behalf_of="other" if source.statement.is_on_behalf else "own",
            on_behalf_of_agency=source.statement.on_behalf_of_id,
            attestation=source.statement.attested,
            start=source.criteria.start,
            end=source.criteria.end,
        )
    form = TimelineForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        state = run_logged_search(
            request, criteria=form.criteria, statement=form.statement, kind=Kind.TIMELINE, limit=TIMELINE_MAX
        )
        return redirect("console:timeline-result", log_id=state.log_id)
    return render(request, "console/timeline_form.html", {"form": form}, status=400 if form.errors else 200)


@dataclass
class TimelineRow:
    number: int
    read: Read
    since_previous: str
    is_partner: bool


@console_view("reads.search_read")
def timeline_result(request, log_id: int):
    state = state_or_redirect(request, log_id, Kind.TIMELINE)
    if isinstance(state, HttpResponse):
        return state
    reads = reads_of_state(user=request.user, state=state)
    own_agency_id = membership_of(request.user).agency_id
    rows = [
        TimelineRow(
            number=index,
            read=read,
            since_previous=gap_text(read.captured_at - reads[index - 2].captured_at) if index > 1 else "",
            is_partner=read.owner_agency_id != own_agency_id,
        )
        for index, read in enumerate(reads, start=1)
    ]
    points = read_points(reads)
    context = {
        "state": state,
        "rows": rows,
        "map_points": points,
        "map_caption": _map_caption(len(reads) - len(points)),
        "truncated": state.count > len(state.read_ids),
        "may_view_images": request.user.has_perm("reads.view_read_image"),
        "widen": widened_window(state.criteria.start, state.criteria.end),
    }
    return render(request, "console/timeline.html", context)


def widened_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The timeline's window a week wider on each side, never past now (plus a minute) nor past the longest window
    a search may span; the timeline page offers it as one button under the same purpose statement."""
    latest = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    new_end = max(end, min(end + WIDEN_BY, latest))
    new_start = max(start - WIDEN_BY, new_end - timedelta(days=MAX_WINDOW_DAYS))
    return timezone.localtime(new_start), timezone.localtime(new_end)


def _map_caption(unplaced: int) -> str:
    caption = "The places in time order, each marked with the numbers of its reads in the table below."
    if unplaced:
        many = unplaced != 1
        caption += f" {unplaced} read{'s' if many else ''} without a location {'are' if many else 'is'} not drawn."
    return caption


def gap_text(gap: timedelta) -> str:
    """'45 s', '12 min', '3 h 5 min', '2 d 4 h': how long after the previous read."""
    seconds = int(gap.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
