"""Console forms. They validate input with the same rules the API uses: `purpose_validate` for the purpose
statement and `SearchCriteria.validate` for the criteria, so a message means the same thing on both channels."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.access import Scope, agencies_visible_to
from agencies.models import Agency
from hotlists.choices import AlertStatus
from hotlists.models import Hotlist
from reads.choices import STATED_PURPOSES, OnBehalfOf, PlateKind
from reads.models import Camera
from reads.purpose import ATTESTATION_TEXT, PurposeStatement, purpose_validate
from reads.search import Near, SearchCriteria, attestation_check, searched_agencies
from sharing.rules import eligible_partner_q

NEAR_INCOMPLETE = "An area needs latitude, longitude and radius, all three."
TIMELINE_NEEDS_FULL_PLATE = "A timeline follows one full plate; wildcards are for the search page."
DEFAULT_WINDOW_DAYS = 7
_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# SearchCriteria / purpose_validate error keys -> the form field that shows them.
_ERROR_FIELDS = {"near": "radius_m", "non_field_errors": None, "__all__": None, "to_status": None}


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_LOCAL)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, messages in exc.message_dict.items():
        target = _ERROR_FIELDS.get(key, key)
        form.add_error(target if target in form.fields else None, messages)


class PurposeFormMixin(forms.Form):
    """Purpose, case number, for whom, and (when other agencies' data is reached) the attestation: asked first on
    every form that reaches ALPR data.

    The fields are optional to Django so that `purpose_validate` (the API's rule) says what is missing. The agency
    list offers only agencies that may receive ALPR data (California public agencies); an ORI typed in is checked
    by the same rule, and a refusal is recorded."""

    purpose = forms.ChoiceField(
        label="Purpose", choices=[("", "Choose the purpose of this search"), *STATED_PURPOSES], required=False
    )
    case_number = forms.CharField(
        label="Case or incident number", max_length=64, required=False, widget=forms.TextInput(attrs={"size": 20})
    )
    purpose_detail = forms.CharField(
        label="Purpose details", max_length=500, required=False, help_text="Required when the purpose is 'Other'."
    )
    on_behalf_of = forms.ChoiceField(
        label="This search is for",
        choices=OnBehalfOf.choices,
        initial=OnBehalfOf.OWN,
        required=False,
        widget=forms.RadioSelect,
    )
    on_behalf_of_agency = forms.ModelChoiceField(
        label="Agency it is for",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Choose the agency",
        help_text="California public agencies only (Civil Code §1798.90.55(b)).",
    )
    on_behalf_of_ori = forms.CharField(
        label="or its ORI", max_length=9, required=False, widget=forms.TextInput(attrs={"size": 10})
    )
    attestation = forms.BooleanField(label=ATTESTATION_TEXT, required=False)

    statement: PurposeStatement | None = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["on_behalf_of_agency"].queryset = (
            Agency.objects.filter(eligible_partner_q(prefix=""), is_active=True)
            .exclude(memberships__user=user)
            .order_by("name")
        )
        self.fields["on_behalf_of_agency"].label_from_instance = lambda agency: f"{agency.name} ({agency.ori})"
        if len(agencies_visible_to(user, Scope.SEARCH)) < 2:
            del self.fields["attestation"]  # only the user's own agency's data can be reached

    def clean_statement(self) -> None:
        agency = self.cleaned_data.get("on_behalf_of_agency")
        try:
            self.statement = purpose_validate(
                purpose=self.cleaned_data.get("purpose"),
                case_number=self.cleaned_data.get("case_number"),
                detail=self.cleaned_data.get("purpose_detail"),
                user=self.user,
                on_behalf_of=self.cleaned_data.get("on_behalf_of"),
                on_behalf_of_ori=self.cleaned_data.get("on_behalf_of_ori"),
                on_behalf_of_agency=agency.pk if agency else None,
                attested=bool(self.cleaned_data.get("attestation")),
            )
        except ValidationError as exc:
            _add_errors(self, exc)

    def clean_attestation_for(self, criteria: SearchCriteria) -> None:
        """The API's rule (reads.search.attestation_check), asked before the search runs."""
        if self.statement is None:
            return
        try:
            attestation_check(
                user=self.user, reached=searched_agencies(user=self.user, criteria=criteria), statement=self.statement
            )
        except ValidationError as exc:
            _add_errors(self, exc)


class SearchForm(PurposeFormMixin):
    """Every search mode of the API in one form: exact / wildcard / OCR-tolerant plate, vehicle description,
    time window, cameras, agencies and area."""

    plate = forms.CharField(
        label="Plate",
        max_length=20,
        required=False,
        help_text="Full plate, or a pattern: ? is exactly one character (7D? finds 7DX but not 7DX12); * is any run "
        "of characters, none included (7D* finds both).",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    fuzzy = forms.BooleanField(
        label="OCR-tolerant (also O/0, B/8, S/5 ... misreads)",
        required=False,
        help_text="With a pattern too: 7D? also finds 7O and 70.",
    )
    group_by_vehicle = forms.BooleanField(
        label="Group by vehicle",
        required=False,
        help_text="One row per plate (reads, first and last seen); reads with no plate or a paper plate by "
        "description and camera.",
    )
    plate_kind = forms.ChoiceField(
        label="Plate kind", required=False, choices=[("", "Any"), *PlateKind.choices], help_text="e.g. no plate, paper."
    )
    plate_state = forms.CharField(label="Plate state", max_length=2, required=False, help_text="Two letters, e.g. CA.")
    vehicle_make = forms.CharField(label="Make", max_length=40, required=False)
    vehicle_model = forms.CharField(label="Model", max_length=40, required=False)
    vehicle_type = forms.CharField(label="Type", max_length=24, required=False, help_text="e.g. sedan, pickup, SUV.")
    vehicle_color = forms.CharField(label="Color", max_length=24, required=False)
    start = forms.DateTimeField(label="From", required=False, widget=_datetime_input())
    end = forms.DateTimeField(label="To", required=False, widget=_datetime_input())
    cameras = forms.ModelMultipleChoiceField(
        label="Cameras", queryset=Camera.objects.none(), required=False, help_text="None chosen: every camera."
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies", queryset=Agency.objects.none(), required=False, help_text="None chosen: every agency."
    )
    latitude = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180)
    radius_m = forms.FloatField(label="Radius (meters)", required=False, min_value=1)

    criteria: SearchCriteria | None = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        visible = agencies_visible_to(user, Scope.SEARCH)
        self.fields["cameras"].queryset = Camera.objects.visible_to(user).select_related("agency")
        self.fields["cameras"].label_from_instance = lambda camera: f"{camera.name} ({camera.agency.name})"
        self.fields["agencies"].queryset = Agency.objects.filter(id__in=visible).order_by("name")
        if len(visible) < 2:
            del self.fields["agencies"]
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("start", now - dt.timedelta(days=DEFAULT_WINDOW_DAYS))
            self.initial.setdefault("end", now + dt.timedelta(minutes=1))

    def clean(self):
        data = super().clean()
        self.clean_statement()
        near_parts = [data.get(name) for name in ("latitude", "longitude", "radius_m")]
        near = None
        if any(part is not None for part in near_parts):
            if any(part is None for part in near_parts):
                self.add_error("radius_m", NEAR_INCOMPLETE)
                return data
            near = Near(latitude=near_parts[0], longitude=near_parts[1], radius_m=near_parts[2])
        criteria = SearchCriteria(
            start=data.get("start"),
            end=data.get("end"),
            plate=(data.get("plate") or "").strip(),
            fuzzy=bool(data.get("fuzzy")),
            plate_state=(data.get("plate_state") or "").strip().upper(),
            plate_kind=data.get("plate_kind") or "",
            vehicle_make=(data.get("vehicle_make") or "").strip(),
            vehicle_model=(data.get("vehicle_model") or "").strip(),
            vehicle_type=(data.get("vehicle_type") or "").strip(),
            vehicle_color=(data.get("vehicle_color") or "").strip(),
            cameras=sorted(camera.pk for camera in data.get("cameras") or []),
            agencies=sorted(agency.pk for agency in data.get("agencies") or []),
            near=near,
        )
        try:
            self.criteria = criteria.validate()
        except ValidationError as exc:
            _add_errors(self, exc)
        else:
            self.clean_attestation_for(self.criteria)
        return data


class TimelineForm(PurposeFormMixin):
    """One plate over a window: where a vehicle went."""

    plate = forms.CharField(
        label="Plate", max_length=20, widget=forms.TextInput(attrs={"autocapitalize": "characters"})
    )
    start = forms.DateTimeField(label="From", required=False, widget=_datetime_input())
    end = forms.DateTimeField(label="To", required=False, widget=_datetime_input())

    criteria: SearchCriteria | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("start", now - dt.timedelta(days=DEFAULT_WINDOW_DAYS))
            self.initial.setdefault("end", now + dt.timedelta(minutes=1))

    def clean(self):
        data = super().clean()
        self.clean_statement()
        plate = (data.get("plate") or "").strip()
        if "*" in plate or "?" in plate:
            self.add_error("plate", TIMELINE_NEEDS_FULL_PLATE)
            return data
        try:
            self.criteria = SearchCriteria(start=data.get("start"), end=data.get("end"), plate=plate).validate()
        except ValidationError as exc:
            _add_errors(self, exc)
        else:
            self.clean_attestation_for(self.criteria)
        return data


class HoldForm(forms.Form):
    """Place the checked reads of a result page under an evidence hold."""

    read_ids = forms.TypedMultipleChoiceField(coerce=int, label="Reads", error_messages={"required": ""})
    case_number = forms.CharField(label="Case number for the hold", max_length=64)
    reason = forms.CharField(label="Why these reads are kept", max_length=500)

    def __init__(self, *args, read_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        # Only reads of the logged result page can be held from it.
        self.fields["read_ids"].choices = [(read_id, read_id) for read_id in read_ids]


class HoldReleaseForm(forms.Form):
    reason = forms.CharField(label="Why the hold is released", max_length=500)


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Open (new and acknowledged)"), ("all", "Every status"), *AlertStatus.choices],
    )
    hotlist = forms.ModelChoiceField(label="List", queryset=Hotlist.objects.none(), required=False, empty_label="All")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotlist"].queryset = Hotlist.objects.owned_by(user).order_by("name")
        self.fields["hotlist"].label_from_instance = lambda hotlist: hotlist.name


class AlertTransitionForm(forms.Form):
    """One step of the alert workflow. The service (hotlists.services.alert_transition) decides what is allowed;
    the form only carries the input."""

    to_status = forms.ChoiceField(choices=AlertStatus.choices, widget=forms.HiddenInput)
    plate_verified = forms.BooleanField(
        label="I compared the plate in the image with the hotlist plate, character by character", required=False
    )
    database_checked = forms.BooleanField(
        label="I rechecked this hit against the state system (CLETS) or NCIC, and it is still wanted", required=False
    )
    note = forms.CharField(
        label="Reason or note", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def add_service_errors(self, exc: ValidationError) -> None:
        _add_errors(self, exc)


class AnalysisKind:
    CONVOY = "convoy"
    PLACES = "places"
    LOCATE = "locate"
    CHOICES = [
        (CONVOY, "Convoy: vehicles travelling with a target"),
        (PLACES, "Multiple places: vehicles seen at several places"),
        (LOCATE, "Likely locations: where and when a vehicle is read"),
    ]


PLACE_LINE_INVALID = (
    "Line {n}: write 'latitude longitude radius_m' or 'cameras ID ID ...', then optionally '; from; to' "
    "(YYYY-MM-DDTHH:MM)."
)


def _local(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.strip())
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class AnalysisForm(PurposeFormMixin):
    """The three analyses on one page. The criteria are checked by the analysis services (reads.analysis), whose
    messages the view adds to this form, so that they read the same as the API's."""

    kind = forms.ChoiceField(label="Analysis", choices=AnalysisKind.CHOICES, initial=AnalysisKind.CONVOY)
    start = forms.DateTimeField(label="From", required=False, widget=_datetime_input())
    end = forms.DateTimeField(label="To", required=False, widget=_datetime_input())
    plate = forms.CharField(
        label="Plate",
        max_length=20,
        required=False,
        help_text="Convoy and likely locations: the target's full plate. Multiple places: optional, full or 7AB*.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    plate_state = forms.CharField(label="Plate state", max_length=2, required=False)
    read_id = forms.IntegerField(
        label="Target read", required=False, min_value=1, help_text="Convoy: instead of a plate."
    )
    seconds = forms.IntegerField(label="Within ± seconds", required=False, min_value=1, max_value=900, initial=60)
    min_together = forms.IntegerField(label="At least this many times", required=False, min_value=1, initial=2)
    places = forms.CharField(
        label="Places",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=(
            "Multiple places: 2 to 10 lines, each '33.8303 -116.5453 150' (a point and a radius in meters) or "
            "'cameras 12 14', optionally followed by '; from; to' for that place's own window."
        ),
    )
    min_places = forms.IntegerField(label="Seen at at least", required=False, min_value=1, help_text="Default: all.")
    vehicle_make = forms.CharField(label="Make", max_length=40, required=False)
    vehicle_model = forms.CharField(label="Model", max_length=40, required=False)
    vehicle_type = forms.CharField(label="Type", max_length=24, required=False)
    vehicle_color = forms.CharField(label="Color", max_length=24, required=False)
    group_m = forms.FloatField(label="Group cameras within (m)", required=False, min_value=0, initial=150)

    criteria = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("start", now - dt.timedelta(days=DEFAULT_WINDOW_DAYS))
            self.initial.setdefault("end", now + dt.timedelta(minutes=1))

    def clean(self):
        from reads.analysis.convoy import ConvoyCriteria
        from reads.analysis.locate import DEFAULT_GROUP_M, LocateCriteria
        from reads.analysis.places import Place, PlacesCriteria

        data = super().clean()
        self.clean_statement()
        kind, start, end = data.get("kind"), data.get("start"), data.get("end")
        plate = (data.get("plate") or "").strip()
        if kind == AnalysisKind.CONVOY:
            self.criteria = ConvoyCriteria(
                start=start,
                end=end,
                plate=plate,
                plate_state=(data.get("plate_state") or "").strip().upper(),
                read_id=data.get("read_id"),
                seconds=data.get("seconds") or 60,
                min_together=data.get("min_together") or 2,
                limit=25,
            )
        elif kind == AnalysisKind.LOCATE:
            group_m = data.get("group_m")
            self.criteria = LocateCriteria(
                start=start,
                end=end,
                plate=plate,
                plate_state=(data.get("plate_state") or "").strip().upper(),
                group_m=DEFAULT_GROUP_M if group_m is None else group_m,
            )
        elif kind == AnalysisKind.PLACES:
            places = []
            lines = [line for line in (data.get("places") or "").splitlines() if line.strip()]
            for number, line in enumerate(lines, 1):
                where, *window = [part.strip() for part in line.split(";")]
                words = where.replace(",", " ").split()
                try:
                    place = Place(start=_local(window[0]) if window else start,
                                  end=_local(window[1]) if len(window) > 1 else end)  # fmt: skip
                    if words and words[0].lower() == "cameras":
                        place.cameras = [int(word) for word in words[1:]]
                    else:
                        latitude, longitude, radius_m = (float(word) for word in words)
                        place.near = Near(latitude=latitude, longitude=longitude, radius_m=radius_m)
                except (ValueError, IndexError):
                    self.add_error("places", PLACE_LINE_INVALID.format(n=number))
                    continue
                places.append(place)
            self.criteria = PlacesCriteria(
                places=places,
                plate=plate,
                vehicle_make=(data.get("vehicle_make") or "").strip(),
                vehicle_model=(data.get("vehicle_model") or "").strip(),
                vehicle_type=(data.get("vehicle_type") or "").strip(),
                vehicle_color=(data.get("vehicle_color") or "").strip(),
                min_places=data.get("min_places"),
                limit=25,
            )
        return data

    def add_service_errors(self, exc: ValidationError) -> None:
        """The analysis service's refusal, shown on the fields it names."""
        _add_errors(self, exc)


class HoldReadsForm(PurposeFormMixin):
    """Opening the reads under an evidence hold is an access of ALPR data like a search: it states a purpose."""

    def clean(self):
        data = super().clean()
        self.clean_statement()
        return data
