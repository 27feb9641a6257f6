"""Evidence holds: place checked reads of a result page under a hold, list the agency's holds, release one.

The writes are reads.services.hold_place / hold_release, the same as the API's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.access import membership_of
from reads.models import EvidenceHold
from reads.services import hold_place, hold_release

from ..access import console_view
from ..forms import HoldForm, HoldReleaseForm
from ..state import Kind, search_state_get
from .search import SEARCH_EXPIRED

HOLD_PLACED = "Hold placed for case {case}: {count} read(s) will be kept past retention until it is released."
HOLD_RELEASED = "Hold for case {case} released."
HOLD_PICK_READS = "Tick the reads to hold in the results table first."


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
