"""Evidence holds: place checked reads of a result page under a hold, list the agency's holds, release one.

The writes are reads.services.hold_place / hold_release, the same as the API's."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.access import membership_of
from common.api import client_address
from reads.access_log import access_log_write
from reads.choices import AccessAction, Channel
from reads.models import EvidenceHold, Read
from reads.search import SearchCriteria
from reads.services import hold_place, hold_release

from ..access import console_view
from ..forms import HoldForm, HoldReadsForm, HoldReleaseForm
from ..state import Kind, SearchState, search_state_get, search_state_save
from .search import SEARCH_EXPIRED

HOLD_PLACED = "Hold placed for case {case}: {count} read(s) will be kept past retention until it is released."
HOLD_RELEASED = "Hold for case {case} released."
HOLD_PICK_READS = "Tick the reads to hold in the results table first."
HOLD_READS_MAX = 500
HOLD_HAS_NO_READS = "This hold has no reads."


@require_POST
@console_view("reads.search_read", "reads.add_evidencehold")
def hold_place_view(request):
    state = search_state_get(request, _int(request.POST.get("search")))
    if state is None or state.kind not in (Kind.SEARCH, Kind.ANALYSIS):
        messages.error(request, SEARCH_EXPIRED)
        return redirect("console:search")
    back = "console:analysis-result" if state.kind == Kind.ANALYSIS else "console:results"
    form = HoldForm(request.POST, read_ids=state.read_ids)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, HOLD_PICK_READS if field == "read_ids" else f"{form[field].label}: {errors[0]}")
        return redirect(back, log_id=state.log_id)
    try:
        hold = hold_place(
            user=request.user,
            agency=membership_of(request.user).agency,
            case_number=form.cleaned_data["case_number"],
            reason=form.cleaned_data["reason"],
            read_ids=form.cleaned_data["read_ids"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back, log_id=state.log_id)
    messages.success(request, HOLD_PLACED.format(case=hold.case_number, count=len(form.cleaned_data["read_ids"])))
    return redirect("console:holds")


@console_view("reads.view_evidencehold")
def hold_list(request):
    show_all = request.GET.get("show") == "all"
    holds = (
        EvidenceHold.objects.visible_to(request.user)
        .select_related("created_by", "released_by")
        .annotate(read_count=Count("items"))
        .order_by("released_at", "-created_at")
    )
    if not show_all:
        holds = holds.active()
    context = {
        "holds": list(holds[:200]),
        "may_search": request.user.has_perm("reads.search_read"),
        "reads_form": HoldReadsForm(user=request.user),
        "show_all": show_all,
        "may_release": request.user.has_perm("reads.release_evidencehold"),
    }
    return render(request, "console/holds.html", context)


@require_POST
@console_view("reads.release_evidencehold")
def hold_release_view(request, hold_id: int):
    hold = get_object_or_404(EvidenceHold.objects.visible_to(request.user), pk=hold_id)
    form = HoldReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{form['reason'].label}: {form.errors['reason'][0]}")
        return redirect("console:holds")
    try:
        hold_release(hold=hold, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console:holds")
    messages.success(request, HOLD_RELEASED.format(case=hold.case_number))
    return redirect("console:holds")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@require_POST
@console_view("reads.search_read", "reads.view_evidencehold")
def hold_reads(request, hold_id: int):
    """The reads under a hold, shown as a result page. Logged as a search (one access-log row naming the hold)
    under the purpose the user states here; the page's thumbnails and images are then logged as any result's."""
    hold = get_object_or_404(EvidenceHold.objects.visible_to(request.user), pk=hold_id)
    form = HoldReadsForm(request.POST, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form[field].label}: {errors[0]}" if field in form.fields else errors[0])
        return redirect("console:holds")
    items = list(hold.items.order_by("-captured_at", "-read_id").values_list("read_id", "captured_at"))
    items = items[:HOLD_READS_MAX]
    if not items:
        messages.error(request, HOLD_HAS_NO_READS)
        return redirect("console:holds")
    start = min(at for _, at in items) - timedelta(seconds=1)
    end = max(at for _, at in items) + timedelta(seconds=1)
    visible = dict(
        Read.objects.visible_to(request.user)
        .in_window(start, end)
        .filter(pk__in=[read_id for read_id, _ in items])
        .values_list("pk", "owner_agency_id")
    )
    read_ids = [read_id for read_id, _ in items if read_id in visible]
    statement = form.statement
    entry = access_log_write(
        user=request.user,
        agency=membership_of(request.user).agency,
        action=AccessAction.SEARCH,
        channel=Channel.WEB,
        purpose=statement.purpose,
        purpose_detail=statement.detail,
        case_number=statement.case_number,
        query={"evidence_hold": hold.pk, "start": start.isoformat(), "end": end.isoformat()},
        result_count=len(read_ids),
        oldest_result_at=start if read_ids else None,
        agencies_searched=sorted(set(visible.values())),
        client_address=client_address(request),
        on_behalf_of_id=statement.on_behalf_of_id,
        on_behalf_of_ori=statement.on_behalf_of_ori,
        attested=statement.attested,
    )
    state = SearchState(
        log_id=entry.pk,
        kind=Kind.SEARCH,
        statement=statement,
        criteria=SearchCriteria(start=start, end=end),
        read_ids=read_ids,
        count=len(read_ids),
    )
    search_state_save(request, state)
    return redirect("console:results", log_id=entry.pk)
