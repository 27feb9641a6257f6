"""The Analysis page: convoy, multiple places and likely locations, run through the API's own services
(reads.analysis: one access-log row each, channel web), with the results' evidence openable (as the reads of a
logged search: console/state.py), exportable (logged as an export) and holdable (the holds page's own form).

Reached from the search form, a result's detail page ("Run a convoy from this read", "Where is this vehicle
found") and a timeline. A run redirects to its result page, which shows the stored answer: reloading it, or coming
back to it from a read's detail, runs and logs nothing again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agencies.access import membership_of
from common.api import client_address
from reads.analysis.common import Caller
from reads.analysis.convoy import convoy_analyse
from reads.analysis.exports import convoy_csv_rows, locate_csv_rows, places_csv_rows
from reads.analysis.locate import WEEKDAYS, locate_analyse
from reads.analysis.places import places_analyse
from reads.analysis.vehicles import GROUP_BY_VEHICLE, vehicle_search_grouped
from reads.api.analysis_serializers import (
    ConvoyResponseSerializer,
    LocateResponseSerializer,
    PlacesResponseSerializer,
)
from reads.api.serializers import VehicleGroupResponseSerializer
from reads.choices import AccessAction, Channel
from reads.purpose import PurposeStatement
from reads.search import SearchCriteria

from ..access import console_view, search_rate_check
from ..forms import AnalysisForm, AnalysisKind, HoldForm
from ..maps import read_points
from ..selectors import held_read_ids, reads_of_state
from ..state import (
    Kind,
    SearchState,
    analysis_result_get,
    analysis_result_save,
    search_state_get,
    search_state_save,
)
from .search import SEARCH_EXPIRED

SERVICES = {
    AnalysisKind.CONVOY: (convoy_analyse, ConvoyResponseSerializer, convoy_csv_rows),
    AnalysisKind.PLACES: (places_analyse, PlacesResponseSerializer, places_csv_rows),
    AnalysisKind.LOCATE: (locate_analyse, LocateResponseSerializer, locate_csv_rows),
}
_FORM_FIELDS = list(AnalysisForm.base_fields)
VEHICLES = "vehicles"  # the search grouped by vehicle, shown on the analysis result page
GROUPS_SHOWN = 200


def _window(kind: str, criteria) -> tuple[dt.datetime, dt.datetime]:
    """The window that holds every evidence read (a read is opened only within its logged analysis's window)."""
    if kind == AnalysisKind.PLACES:
        return min(p.start for p in criteria.places), max(p.end for p in criteria.places) + dt.timedelta(seconds=1)
    return criteria.start, criteria.end + dt.timedelta(seconds=1)


def _evidence_ids(kind: str, result) -> list[int]:
    if kind == AnalysisKind.CONVOY:
        pairs = [pair for item in result.results for pair in item.evidence]
        return list(dict.fromkeys(read.pk for pair in pairs for read in (pair.target, pair.companion)))
    if kind == AnalysisKind.PLACES:
        return list(dict.fromkeys(e.read.pk for item in result.results for e in item.evidence if e.read))
    return list(dict.fromkeys(read.pk for place in result.places for read in place.evidence))


def _run(request, form: AnalysisForm, *, export: bool = False):
    kind = form.cleaned_data["kind"]
    service = SERVICES[kind][0]
    caller = Caller.of(
        user=request.user,
        statement=form.statement,
        channel=Channel.EXPORT if export else Channel.WEB,
        client_address=client_address(request),
    )
    return service(caller=caller, criteria=form.criteria, action=AccessAction.EXPORT if export else AccessAction.SEARCH)


def _initial(request) -> dict:
    """Prefill from a link: ?kind=&plate=&plate_state=&read=&from=<log id of a search, timeline or analysis>."""
    initial = {key: request.GET[key] for key in ("kind", "plate", "plate_state") if request.GET.get(key)}
    if request.GET.get("read", "").isdigit():
        initial["read_id"] = int(request.GET["read"])
    source = search_state_get(request, int(request.GET["from"])) if request.GET.get("from", "").isdigit() else None
    if source is not None:
        initial.update(
            purpose=source.statement.purpose,
            case_number=source.statement.case_number,
            purpose_detail=source.statement.detail,
        )
        if source.kind != Kind.ANALYSIS:
            initial.update(start=source.criteria.start, end=source.criteria.end)
    return initial


@console_view("reads.search_read")
def analysis(request):
    form = AnalysisForm(request.POST or None, user=request.user, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        search_rate_check(request)
        kind = form.cleaned_data["kind"]
        try:
            result = _run(request, form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            start, end = _window(kind, form.criteria)
            search_state_save(
                request,
                SearchState(
                    log_id=result.access_log_id,
                    kind=Kind.ANALYSIS,
                    statement=form.statement,
                    criteria=SearchCriteria(start=start, end=end),
                    read_ids=_evidence_ids(kind, result),
                    count=result.count if hasattr(result, "count") else len(result.places),
                ),
            )
            answer = json.loads(json.dumps(SERVICES[kind][1](result).data, default=str))
            asked = {name: request.POST.getlist(name) for name in _FORM_FIELDS if name in request.POST}
            analysis_result_save(request, result.access_log_id, {"kind": kind, "answer": answer, "asked": asked})
            return redirect("console:analysis-result", log_id=result.access_log_id)
    return render(request, "console/analysis.html", {"form": form}, status=400 if form.errors else 200)


@console_view("reads.search_read")
def analysis_result(request, log_id: int):
    stored = analysis_result_get(request, log_id)
    state = search_state_get(request, log_id, Kind.ANALYSIS)
    if stored is None or state is None:
        messages.error(request, SEARCH_EXPIRED)
        return redirect("console:analysis")
    reads = reads_of_state(user=request.user, state=state)
    own = membership_of(request.user).agency_id
    may_hold = request.user.has_perm("reads.add_evidencehold")
    holdable = [read for read in reads if read.owner_agency_id == own] if may_hold else []
    context = {
        "state": state,
        "kind": stored["kind"],
        "answer": stored["answer"],
        "weekdays": WEEKDAYS,
        "map_points": read_points(reads),
        "may_export": stored["kind"] != VEHICLES and request.user.has_perm("reads.export_read"),
        "holdable": holdable,
        "held": held_read_ids(user=request.user, read_ids=[read.pk for read in holdable]) if holdable else set(),
        "hold_form": HoldForm(read_ids=state.read_ids, initial={"case_number": state.statement.case_number}),
    }
    return render(request, "console/analysis_result.html", context)


@require_POST
@console_view("reads.search_read", "reads.export_read")
def analysis_export(request, log_id: int):
    """The analysis run again with the same request, answered as CSV and logged as an export (channel export)."""
    stored = analysis_result_get(request, log_id)
    if stored is None:
        messages.error(request, SEARCH_EXPIRED)
        return redirect("console:analysis")
    data = {name: values[0] if len(values) == 1 else values for name, values in stored["asked"].items()}
    form = AnalysisForm(data, user=request.user)
    if not form.is_valid():
        messages.error(request, SEARCH_EXPIRED)
        return redirect("console:analysis")
    search_rate_check(request)
    try:
        result = _run(request, form, export=True)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("console:analysis-result", log_id=log_id)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(SERVICES[stored["kind"]][2](result))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="alpr-{stored["kind"]}-{result.access_log_id}.csv"'
    return response


def run_grouped_search(request, *, criteria: SearchCriteria, statement: PurposeStatement):
    """The search form with 'group by vehicle': the grouped search (one access-log row, as a search), shown on the
    analysis result page; each group's last read is openable from it."""
    search_rate_check(request)
    page = vehicle_search_grouped(
        user=request.user,
        criteria=criteria,
        statement=statement,
        channel=Channel.WEB,
        client_address=client_address(request),
        limit=GROUPS_SHOWN,
    )
    search_state_save(
        request,
        SearchState(
            log_id=page.access_log_id,
            kind=Kind.ANALYSIS,
            statement=statement,
            criteria=criteria,
            read_ids=[group.last_read_id for group in page.results],
            count=page.count,
            count_capped=page.count_capped,
        ),
    )
    body = {"count": page.count, "count_capped": page.count_capped, "page": 1, "page_size": GROUPS_SHOWN,
            "access_log_id": page.access_log_id, "group_by": GROUP_BY_VEHICLE, "results": page.results}  # fmt: skip
    answer = json.loads(json.dumps(VehicleGroupResponseSerializer(body).data, default=str))
    analysis_result_save(request, page.access_log_id, {"kind": VEHICLES, "answer": answer, "asked": {}})
    return redirect("console:analysis-result", log_id=page.access_log_id)
