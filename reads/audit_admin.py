"""Admin pages for periodic search audits: a list of audits, a form to open one, and a review page where the
auditor marks each sampled search compliant or not and then closes the audit. Imported by reads/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from agencies.access import access_of
from common.admin import RestrictedAdmin, RestrictedTabularInline

from .audits import (
    DEFAULT_SAMPLE_SIZE,
    audit_close,
    audit_open,
    audit_open_validate,
    audit_review_sample,
    audit_review_validate,
    audits_with_counts,
)
from .log_display import criteria_in_words, local_time, person
from .models import SearchAudit, SearchAuditSample

CLOSE_BUTTON = "_close_audit"
CLOSE_CONFIRM = "_confirm_close"  # the box beside the close button: closing is final
AUDIT_CLOSE_NOT_CONFIRMED = (
    'The reviews were saved, but the audit is still open: tick "I understand that closing is final" to close it.'
)
AUDIT_OPENED = "Audit opened: {count} search(es) drawn from {population} in the period. Review each one below."
AUDIT_CLOSED_MESSAGE = "Audit closed. Its figures now appear on the transparency portal."


class SearchAuditAddForm(forms.ModelForm):
    class Meta:
        model = SearchAudit
        fields = ["agency", "period_start", "period_end", "sample_size", "risk_sample_size"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_sample_size"].required = False  # left empty: the default number

    def clean(self):
        data = super().clean()
        if all(data.get(name) is not None for name in ("period_start", "period_end", "sample_size")):
            audit_open_validate(
                period_start=data["period_start"], period_end=data["period_end"], sample_size=data["sample_size"]
            )
        return data


class SampleReviewForm(forms.ModelForm):
    class Meta:
        model = SearchAuditSample
        fields = ["finding", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "cols": 24})}

    def clean(self):
        data = super().clean()
        if self.has_changed():
            audit_review_validate(finding=data.get("finding", ""), note=data.get("note", ""))
        return data


class SampleInline(RestrictedTabularInline):
    """The sampled searches. Only the finding and the note are the auditor's; the rest is the access log's."""

    model = SearchAuditSample
    form = SampleReviewForm
    extra = 0
    can_delete = False
    # Few columns, so that the note box stays on screen at 1366 px: the search's facts share one cell.
    fields = ["position", "why", "search", "criteria", "result_count", "finding", "note", "reviewed"]
    readonly_fields = ["position", "why", "search", "criteria", "result_count", "reviewed"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("access_log_entry__user", "reviewed_by")

    @admin.display(description="Search")
    def search(self, sample):
        """When (local, to the second), who by name, what and why; links to the log row and the person's others."""
        entry = sample.access_log_entry
        row = reverse("admin:reads_accesslogentry_change", args=[entry.pk])
        others = reverse("admin:reads_accesslogentry_changelist") + f"?user__id__exact={entry.user_id}"
        return format_html(
            '{}<br>{}<br>{} · {}{}<br><a href="{}">Access-log row</a> · <a href="{}">Their other searches</a>',
            local_time(entry.at),
            person(entry),
            entry.get_action_display(),
            self.purpose(sample),
            f" · case {entry.case_number}" if entry.case_number else "",
            row,
            others,
        )

    @admin.display(description="Reviewed")
    def reviewed(self, sample):
        if sample.reviewed_by is None:
            return "—"
        name = sample.reviewed_by.get_full_name() or sample.reviewed_by.get_username()
        return f"{name}, {local_time(sample.reviewed_at)}"

    # The samples are part of the audit: whoever may view or change the audit may view or review them (the
    # permission map names the audit's permissions for its samples).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_closed)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Why chosen")
    def why(self, sample):
        return sample.reasons_display

    @admin.display(description="Purpose")
    def purpose(self, sample):
        entry = sample.access_log_entry
        return (
            f"{entry.get_purpose_display()}: {entry.purpose_detail}"
            if entry.purpose_detail
            else entry.get_purpose_display()
        )

    @admin.display(description="Searched for")
    def criteria(self, sample):
        return criteria_in_words(sample.access_log_entry.query)

    @admin.display(description="Results")
    def result_count(self, sample):
        return sample.access_log_entry.result_count


class AuditStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(SearchAudit)
class SearchAuditAdmin(RestrictedAdmin):
    """Periodic audits of searches (State Auditor report 2019-118), for auditors and agency admins."""

    list_display = [
        "__str__", "status", "sampled", "reviewed", "compliant", "non_compliant", "opened_by", "closed_at",
    ]  # fmt: skip
    list_filter = [AuditStatusFilter]
    list_select_related = ["agency", "opened_by"]
    date_hierarchy = "period_start"
    inlines = [SampleInline]
    change_form_template = "admin/reads/searchaudit/change_form.html"

    def get_queryset(self, request):
        return audits_with_counts(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SearchAuditAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": ["agency", "period_start", "period_end", "sample_size", "risk_sample_size"],
                        "description": "The system draws the sample at random from the agency's searches, exports "
                        "and timelines in the period (first to last day, inclusive), then adds the searches most "
                        "worth a look (purpose 'other', on behalf of another agency, many searches by one person in "
                        "a day, one plate searched by many agencies, outside the person's usual hours), each with "
                        "its reasons.",
                    },
                )
            ]
        return [
            (None, {"fields": ["agency", "period_start", "period_end", "status"]}),
            (
                "Sample",
                {
                    "fields": [
                        "sample_size",
                        "risk_sample_size",
                        "population_count",
                        "seed",
                        "opened_by",
                        "opened_at",
                    ]
                },
            ),  # fmt: skip
            (
                "Conclusions",
                {
                    "fields": ["findings", "closed_by", "closed_at"],
                    "description": "Review every sampled search below, then close the audit.",
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = [
            "agency", "period_start", "period_end", "status", "sample_size", "risk_sample_size", "population_count",
            "seed",
        ]  # fmt: skip
        fixed += ["opened_by", "opened_at", "closed_by", "closed_at"]
        return fixed + (["findings"] if obj.is_closed else [])

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_changeform_initial_data(self, request):
        agency_id = access_of(request.user).agency_id
        return {"agency": agency_id} if agency_id else {}

    def has_change_permission(self, request, obj=None):
        # A closed audit is final: its page becomes read-only.
        return super().has_change_permission(request, obj) and not (obj is not None and obj.is_closed)

    def has_delete_permission(self, request, obj=None):
        return False  # an audit is a record; it is never removed

    @admin.display(description="Status")
    def status(self, audit):
        return "Closed" if audit.is_closed else "Open"

    @admin.display(description="Sampled")
    def sampled(self, audit):
        return audit.sampled

    @admin.display(description="Reviewed")
    def reviewed(self, audit):
        return audit.reviewed

    @admin.display(description="Compliant")
    def compliant(self, audit):
        return audit.compliant

    @admin.display(description="Not compliant")
    def non_compliant(self, audit):
        return audit.non_compliant

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)  # the draft of the findings, while open
            return
        data = form.cleaned_data
        audit = audit_open(
            agency=data["agency"],
            opened_by=request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            sample_size=data["sample_size"],
            risk_sample_size=(
                DEFAULT_SAMPLE_SIZE if data.get("risk_sample_size") is None else data["risk_sample_size"]
            ),
        )
        obj.pk = audit.pk
        self.message_user(
            request,
            AUDIT_OPENED.format(count=audit.samples.count(), population=audit.population_count),
            messages.SUCCESS,
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not SearchAuditSample:
            return super().save_formset(request, form, formset, change)
        # commit=False: the formset says what changed (for the admin's history) and the service does the writing.
        for sample in formset.save(commit=False):
            audit_review_sample(
                audit=form.instance, sample=sample, reviewer=request.user, finding=sample.finding, note=sample.note
            )

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the review page: the next thing an auditor does is review the sample.
        return HttpResponseRedirect(reverse("admin:reads_searchaudit_change", args=[obj.pk]))

    def response_change(self, request, obj):
        if CLOSE_BUTTON not in request.POST:
            return super().response_change(request, obj)
        if not request.POST.get(CLOSE_CONFIRM):
            self.message_user(request, AUDIT_CLOSE_NOT_CONFIRMED, messages.WARNING)
            return HttpResponseRedirect(request.path)
        try:
            audit_close(audit=obj, closed_by=request.user, findings=obj.findings)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(request, AUDIT_CLOSED_MESSAGE, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reads_searchaudit_changelist"))
