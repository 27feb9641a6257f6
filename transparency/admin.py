"""The records clerk's side: policy versions (draft, publish, start a new version) and published reports
(publish, supersede). Every write goes through transparency.services; published rows are read-only here and
refused by the database if anything else tries."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from common.admin import RestrictedAdmin

from . import services
from .choices import STANDARD_PROHIBITED_USES
from .models import POLICY_ELEMENTS, PublishedReport, UsagePolicy
from .presentation import figures_rows
from .selectors import transparency_figures
from .version_admin import VersionedDocumentAdmin

POLICY_PUBLISHED = "Published %(policy)s. It is now the agency's current policy on the public portal."
POLICY_NEW_VERSION = "Started %(policy)s from version %(version)s. Edit it, then publish it."
SELECT_ONE_POLICY = "Select exactly one policy version to start a new version from."
REPORT_PUBLISHED = "Published the report. Its figures are frozen; its public address is %(url)s"
REPORT_FINAL = "Once published, a report cannot be changed or deleted: a correction is a new report that supersedes it."
CONFIRM_PUBLISH = "_confirm_publish"  # the preview's "Publish" button; without it a valid form shows the preview


class UsagePolicyForm(forms.ModelForm):
    class Meta:
        model = UsagePolicy
        fields = ["agency", "effective_on", *POLICY_ELEMENTS, "additional_prohibited_uses"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4, "cols": 90}) for name in POLICY_ELEMENTS if name != "custodian_title"
        }


@admin.register(UsagePolicy)
class UsagePolicyAdmin(VersionedDocumentAdmin):
    public_url_name = "transparency:policy"
    form = UsagePolicyForm
    list_display = ["agency", "version", "state", "effective_on", "published_at", "complete"]
    list_filter = [("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agency"]
    actions = ["publish_selected", "new_version_from_selected"]
    readonly_fields = ["version", "state", "missing", "standard_prohibited_uses", "published_at", "public_page"]
    fieldsets = [
        (None, {"fields": ["agency", "version", "state", "missing", "effective_on", "published_at", "public_page"]}),
        (
            "Uses (Civil Code §1798.90.51(b)(1))",
            {
                "fields": [
                    "authorized_purposes",
                    "acceptable_uses",
                    "standard_prohibited_uses",
                    "additional_prohibited_uses",
                ]
            },
        ),
        ("Access", {"fields": ["job_titles_and_training", "monitoring", "custodian_title"]}),
        ("Sharing", {"fields": ["sharing_purposes", "sharing_process", "sharing_restrictions"]}),
        (
            "Data",
            {"fields": ["accuracy_measures", "retention_and_destruction", "periodic_audits", "hotlist_policy"]},
        ),
    ]

    @admin.display(description="standard prohibited uses (part of every policy)")
    def standard_prohibited_uses(self, obj):
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((use,) for use in STANDARD_PROHIBITED_USES))
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name != "agency"}
        if change:
            saved = services.usage_policy_update(policy=obj, **fields)
        else:
            saved = services.usage_policy_create(agency=form.cleaned_data["agency"], user=request.user, **fields)
        obj.pk, obj.version, obj._state.adding = saved.pk, saved.version, False

    @admin.action(description="Publish the selected policy versions", permissions=["change"])
    def publish_selected(self, request, queryset):
        for policy in queryset.order_by("version"):
            try:
                services.usage_policy_publish(policy=policy, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{policy}: {message}", messages.ERROR)
            else:
                self.message_user(request, POLICY_PUBLISHED % {"policy": policy}, messages.SUCCESS)

    @admin.action(description="Start a new version from the selected one", permissions=["add"])
    def new_version_from_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, SELECT_ONE_POLICY, messages.ERROR)
            return
        base = queryset.get()
        policy = services.usage_policy_create(agency=base.agency, user=request.user, from_policy=base)
        self.message_user(request, POLICY_NEW_VERSION % {"policy": policy, "version": base.version}, messages.SUCCESS)


class PublishedReportForm(forms.ModelForm):
    """Choose the agency, the kind of period and its first day; the last day follows (or is checked, if given)."""

    class Meta:
        model = PublishedReport
        fields = ["agency", "period_kind", "period_start", "period_end", "supersedes", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "period_end" in self.fields:  # absent from the read-only view of a published report
            self.fields["period_end"].required = False
            self.fields["period_end"].help_text = "Leave empty: it follows from the kind of period and its first day."

    def clean(self):
        data = super().clean()
        agency, kind, start = data.get("agency"), data.get("period_kind"), data.get("period_start")
        if not (agency and kind and start):
            return data
        try:
            data["period_start"], data["period_end"] = services.report_period_validate(
                kind=kind, start=start, end=data.get("period_end")
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                self.add_error(field, errors)
            return data
        supersedes = data.get("supersedes")
        same = PublishedReport.objects.filter(
            agency=agency, period_kind=kind, period_start=data["period_start"], period_end=data["period_end"]
        )
        if supersedes is None:
            existing = same.filter(superseded_by__isnull=True).first()
            if existing is not None:
                self.add_error("supersedes", services.REPORT_ALREADY_PUBLISHED.format(period=existing.period_label))
        elif not same.filter(pk=supersedes.pk).exists():
            self.add_error("supersedes", services.REPORT_SUPERSEDES_OTHER_PERIOD)
        elif PublishedReport.objects.filter(supersedes=supersedes).exists():
            self.add_error("supersedes", services.REPORT_ALREADY_SUPERSEDED)
        return data


@admin.register(PublishedReport)
class PublishedReportAdmin(RestrictedAdmin):
    form = PublishedReportForm
    list_display = ["agency", "period_label", "period_kind", "published_at", "superseded", "public_link"]
    list_filter = ["period_kind", ("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agency", "superseded_by"]
    date_hierarchy = "period_start"
    readonly_fields = ["published_at", "policy", "summary", "public_link"]
    add_form_template = "admin/transparency/publishedreport/add_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "period_kind", "period_start", "period_end", "supersedes", "note"]
        return ["agency", "period_kind", "period_start", "period_end", "supersedes", "note", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return False  # a published report is a record: supersede it with a new one

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "supersedes":  # the agency's own reports (the choke point), not yet superseded
            kwargs["queryset"] = PublishedReport.objects.filter(superseded_by__isnull=True).select_related("agency")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="period")
    def period_label(self, obj):
        return obj.period_label

    @admin.display(description="superseded", boolean=True)
    def superseded(self, obj):
        return hasattr(obj, "superseded_by")

    @admin.display(description="public page")
    def public_link(self, obj):
        url = reverse("transparency:report", args=[obj.agency.slug, obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="frozen figures")
    def summary(self, obj):
        f = obj.figures
        rows = [
            ("Vehicles detected", f["reads"]),
            ("Hotlist hits", f["hotlist_hits"]),
            ("Searches", f["searches"]),
            ("Searches to date", f["searches_to_date"]),
            ("Active cameras", f["cameras"]["active"]),
        ]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", ((k, f"{v:,}") for k, v in rows)))

    def add_view(self, request, form_url="", extra_context=None):
        """Publishing is final, so a valid form first shows the figures the report would freeze (computed by the
        same selector, as of now) and says so; its "Publish" button posts the same form again to publish."""
        extra_context = {**(extra_context or {}), "report_final": REPORT_FINAL}
        if request.method == "POST" and CONFIRM_PUBLISH not in request.POST:
            form = self.get_form(request, None)(request.POST, request.FILES)
            if form.is_valid():
                return self._preview(request, form)
        return super().add_view(request, form_url, extra_context)

    def _preview(self, request, form):
        data = form.cleaned_data
        figures = transparency_figures(
            data["agency"], period_start=data["period_start"], period_end=data["period_end"], now=timezone.now()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Check the report for {data['agency']} before publishing",
            "rows": [(section, item, value) for section, item, value in figures_rows(figures) if section != "agency"],
            "period": (data["period_start"], data["period_end"]),
            "agency": data["agency"],
            "posted": [(name, value) for name, value in request.POST.items() if name != "csrfmiddlewaretoken"],
            "report_final": REPORT_FINAL,
            "confirm_name": CONFIRM_PUBLISH,
        }
        return TemplateResponse(request, "admin/transparency/publishedreport/preview.html", context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        report = services.published_report_publish(
            agency=data["agency"],
            period_kind=data["period_kind"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            supersedes=data.get("supersedes"),
            note=data.get("note", ""),
            user=request.user,
            now=timezone.now(),
        )
        obj.__dict__.update({key: value for key, value in report.__dict__.items() if key != "_state"})
        obj._state.adding = False
        url = request.build_absolute_uri(reverse("transparency:report", args=[report.agency.slug, report.pk]))
        self.message_user(request, REPORT_PUBLISHED % {"url": url}, messages.SUCCESS)


from . import program_admin  # noqa: E402, F401  (registers the program page's admin pages)
