"""Search, its result pages, a result's detail with the full image, thumbnails, and the CSV export.

Every access goes through `reads.search.read_search` (the API's own search, which writes the access-log row) or
`reads.access_log.access_log_write` (image views). See console/state.py for how a result page's purpose and read
ids are carried to the image requests, and how often images are logged.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.access import membership_of
from common.api import client_address
from reads.access_log import access_log_write
from reads.choices import AccessAction, Channel
from reads.log_display import criteria_in_words
from reads.models import Read
from reads.purpose import PurposeStatement
from reads.search import COUNT_CAP, SearchCriteria, read_search

from ..access import console_view, search_rate_check
from ..forms import HoldForm, SearchForm
from ..images import stored_image_response, thumbnail_response
from ..maps import camera_points, read_points
from ..selectors import export_rows, held_read_ids, reads_of_state
from ..state import Kind, SearchState, search_state_get, search_state_save

PAGE_SIZE = 50
SEARCH_EXPIRED = "That search is no longer open in this session (only the last few stay open). Run it again."
READ_NOT_IN_SEARCH = "That read is not in this search's results."
IMAGE_NOT_OPENED = "Open the read's detail page first: that is the image view the access log records."


class _Echo:
    """A file-like object whose write returns the line, for csv.writer into a streaming response."""

    def write(self, value):
        return value


def run_logged_search(
    request,
    *,
    criteria: SearchCriteria,
    statement: PurposeStatement,
    page: int = 1,
    kind: str = Kind.SEARCH,
    limit: int = PAGE_SIZE,
) -> SearchState:
    """Run the search through the API's own service (one access-log row, channel web) and remember it."""
    search_rate_check(request)
    action = AccessAction.TIMELINE if kind == Kind.TIMELINE else AccessAction.SEARCH
    result = read_search(
        user=request.user,
        criteria=criteria,
        statement=statement,
        channel=Channel.WEB,
        client_address=client_address(request),
        offset=(page - 1) * limit,
        limit=limit,
        action=action,
    )
    read_ids = [read.pk for read in result.results]
    if kind == Kind.TIMELINE:
        read_ids.reverse()  # the search answers newest first; a timeline reads oldest first
    state = SearchState(
        log_id=result.access_log_id,
        kind=kind,
        statement=statement,
        criteria=criteria,
        read_ids=read_ids,
        count=result.count,
        count_capped=result.count_capped,
        page=page,
    )
    search_state_save(request, state)
    return state


def log_image_view(request, *, state: SearchState, reads: list[Read], kind: str) -> int:
    """One image_view row (channel web) for these reads, under the search's purpose statement."""
    statement = state.statement
    query: dict = {"search": state.log_id, "kind": kind}
    if kind == "thumbnail":
        query["read_ids"] = [read.pk for read in reads]
    else:
        query["read_id"] = reads[0].pk
    entry = access_log_write(
        user=request.user,
        agency=membership_of(request.user).agency,
        action=AccessAction.IMAGE_VIEW,
        channel=Channel.WEB,
        purpose=statement.purpose,
        purpose_detail=statement.detail,
        case_number=statement.case_number,
        query=query,
        result_count=len(reads),
        oldest_result_at=min(read.captured_at for read in reads),
        agencies_searched={read.owner_agency_id for read in reads},
        client_address=client_address(request),
        on_behalf_of_id=statement.on_behalf_of_id,
        on_behalf_of_ori=statement.on_behalf_of_ori,
        attested=statement.attested,
    )
    return entry.pk


def state_or_redirect(request, log_id: int, kind: str | None = None) -> SearchState | HttpResponse:
    state = search_state_get(request, log_id, kind)
    if state is None:
        messages.error(request, SEARCH_EXPIRED)
        return redirect("console:search")
    return state


def _state_or_404(request, log_id: int) -> SearchState:
    state = search_state_get(request, log_id)
    if state is None:
        raise Http404(SEARCH_EXPIRED)
    return state


def _visible_read_in_state(request, state: SearchState, read_id: int) -> Read:
    """The read, if the user may see it (else 404, as for any other agency's object) and the logged search
    returned it (else 404 too: an image is reached only through a logged result)."""
    read = get_object_or_404(
        Read.objects.visible_to(request.user)
        .in_window(state.criteria.start, state.criteria.end)
        .select_related("camera", "owner_agency"),
        pk=read_id,
    )
    if not state.has_read(read.pk):
        raise Http404(READ_NOT_IN_SEARCH)
    return read


@console_view("reads.search_read")
def search(request):
    """The search form: purpose and case number first, then every search mode of the API."""
    initial = _refine_initial(request)
    initial.update({name: request.GET[name] for name in ("plate", "plate_state") if name in request.GET})
    form = SearchForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("group_by_vehicle"):
            from .analysis import run_grouped_search

            return run_grouped_search(request, criteria=form.criteria, statement=form.statement)
        state = run_logged_search(request, criteria=form.criteria, statement=form.statement)
        return redirect("console:results", log_id=state.log_id)
    context = {"form": form, "map_cameras": camera_points(form.fields["cameras"].queryset)}
    return render(request, "console/search.html", context, status=400 if form.errors else 200)


def _refine_initial(request) -> dict:
    """`?refine=<log id>`: the form filled in with every criterion and the purpose of a search still open in this
    session, so that refining a search is changing one field, not typing all of them again."""
    raw = request.GET.get("refine", "")
    state = search_state_get(request, int(raw), Kind.SEARCH) if raw.isdigit() and len(raw) < 19 else None
    if state is None:
        return {}
    criteria, statement = state.criteria, state.statement
    initial = {
        "purpose": statement.purpose,
        "case_number": statement.case_number,
        "purpose_detail": statement.detail,
        "start": criteria.start,
        "end": criteria.end,
        "cameras": criteria.cameras,
        "agencies": criteria.agencies,
    }
    for name in ("plate", "fuzzy", "plate_state", "plate_kind", "vehicle_make", "vehicle_model", "vehicle_type"):
        initial[name] = getattr(criteria, name)
    initial["vehicle_color"] = criteria.vehicle_color
    if criteria.near is not None:
        near = criteria.near
        initial.update(latitude=near.latitude, longitude=near.longitude, radius_m=near.radius_m)
    return initial


def wildcard_hint(state: SearchState) -> str:
    """When a pattern with `?` (exactly one character) found nothing: the same pattern with `*` (any run of
    characters), offered as a one-click refinement. Not tried first: that would be an unlogged search."""
    plate = state.criteria.plate
    if state.count or "?" not in plate:
        return ""
    return plate.replace("?", "*")


@dataclass
class ResultRow:
    read: Read
    is_partner: bool
    can_hold: bool
    is_held: bool
    has_image: bool


@console_view("reads.search_read")
def results(request, log_id: int):
    """A logged result page. Its thumbnails are logged here, once, as one image_view row."""
    state = state_or_redirect(request, log_id, Kind.SEARCH)
    if isinstance(state, HttpResponse):
        return state
    reads = reads_of_state(user=request.user, state=state)
    may_view_images = request.user.has_perm("reads.view_read_image")
    with_images = [read for read in reads if read.image or read.plate_crop] if may_view_images else []
    if state.thumbnails_log_id is None and with_images:
        state.thumbnails_log_id = log_image_view(request, state=state, reads=with_images, kind="thumbnail")
        search_state_save(request, state)
    own_agency_id = membership_of(request.user).agency_id
    may_hold = request.user.has_perm("reads.add_evidencehold")
    held = held_read_ids(user=request.user, read_ids=state.read_ids) if may_hold else set()
    rows = [
        ResultRow(
            read=read,
            is_partner=read.owner_agency_id != own_agency_id,
            can_hold=may_hold and read.owner_agency_id == own_agency_id,
            is_held=read.pk in held,
            has_image=may_view_images and bool(read.image or read.plate_crop),
        )
        for read in reads
    ]
    first = (state.page - 1) * PAGE_SIZE
    context = {
        "state": state,
        "rows": rows,
        "first": first + 1,
        "last": first + len(rows),
        "has_next": state.count > first + len(state.read_ids),
        "may_export": request.user.has_perm("reads.export_read"),
        "may_hold": may_hold and any(row.can_hold for row in rows),
        "hold_form": HoldForm(read_ids=state.read_ids, initial={"case_number": state.statement.case_number}),
        "map_points": read_points(reads),
        "criteria_words": criteria_in_words(state.criteria.as_log()),
        "star_pattern": wildcard_hint(state),
    }
    return render(request, "console/results.html", context)


@require_POST
@console_view("reads.search_read")
def results_page(request, log_id: int):
    """Another page of a search: a new logged search with the same statement and criteria (as in the API)."""
    state = state_or_redirect(request, log_id, Kind.SEARCH)
    if isinstance(state, HttpResponse):
        return state
    try:
        page = max(1, int(request.POST.get("page", "1")))
    except ValueError:
        page = 1
    new_state = run_logged_search(request, criteria=state.criteria, statement=state.statement, page=page)
    return redirect("console:results", log_id=new_state.log_id)


@require_POST
@console_view("reads.search_read", "reads.export_read")
def export_csv(request, log_id: int):
    """Every result of the search (up to the count cap) as CSV: one export row in the access log, channel export."""
    state = state_or_redirect(request, log_id, Kind.SEARCH)
    if isinstance(state, HttpResponse):
        return state
    search_rate_check(request)
    result = read_search(
        user=request.user,
        criteria=state.criteria,
        statement=state.statement,
        channel=Channel.EXPORT,
        client_address=client_address(request),
        limit=COUNT_CAP,
        action=AccessAction.EXPORT,
    )
    writer = csv.writer(_Echo())
    body = "".join(writer.writerow(row) for row in export_rows(result.results))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="alpr-search-{result.access_log_id}.csv"'
    return response


@console_view("reads.search_read", "reads.view_read_image")
def read_detail(request, log_id: int, read_id: int):
    """One result with its full image. Opening it is an image view, logged once per read and search."""
    state = state_or_redirect(request, log_id)
    if isinstance(state, HttpResponse):
        return state
    read = _visible_read_in_state(request, state, read_id)
    has_image = bool(read.image or read.plate_crop)
    if has_image and read.pk not in state.viewed:
        log_image_view(request, state=state, reads=[read], kind="rear")
        state.viewed.append(read.pk)
        search_state_save(request, state)
    context = {
        "state": state,
        "read": read,
        "has_image": has_image,
        "is_partner": read.owner_agency_id != membership_of(request.user).agency_id,
        "back_url": {Kind.TIMELINE: "console:timeline-result", Kind.ANALYSIS: "console:analysis-result"}.get(
            state.kind, "console:results"
        ),
    }
    return render(request, "console/read_detail.html", context)


@console_view("reads.search_read", "reads.view_read_image")
def read_image(request, log_id: int, read_id: int):
    """The full image (or the plate crop, ?kind=plate) of a read whose detail page was opened, and so logged."""
    state = _state_or_404(request, log_id)
    read = _visible_read_in_state(request, state, read_id)
    if read.pk not in state.viewed:
        raise Http404(IMAGE_NOT_OPENED)
    return stored_image_response(read.plate_crop if request.GET.get("kind") == "plate" else read.image)


@console_view("reads.search_read", "reads.view_read_image")
def read_thumbnail(request, log_id: int, read_id: int):
    """A result page's thumbnail, served once the page's thumbnails are logged."""
    state = _state_or_404(request, log_id)
    read = _visible_read_in_state(request, state, read_id)
    if state.thumbnails_log_id is None:
        raise Http404(IMAGE_NOT_OPENED)
    return thumbnail_response(plate_crop=read.plate_crop, image=read.image)
