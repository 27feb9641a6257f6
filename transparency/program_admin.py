"""The records clerk's side of the program page: questions from the public (answer, publish), the FAQ, the
program's facts and documents, the surveillance evaluation (draft, publish, new version) and the quarterly
compliance reports. Every write with a rule goes through transparency.program_services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from common.admin import RestrictedAdmin

from . import program_services as services
from .faq import FIGURES, figure_names_refusal
from .program_models import (
    EVALUATION_ELEMENTS,
    CommunityPresentation,
    ComplianceReport,
    CouncilAuthorization,
    FaqEntry,
    ProgramCost,
    ProgramFacts,
    PublicQuestion,
    SurveillanceEvaluation,
)
from .version_admin import VersionedDocumentAdmin

QUESTION_ANSWERED = "Answered. {emailed}"
QUESTION_EMAILED = "The answer was e-mailed to the person and their address deleted."
QUESTION_NOT_EMAILED = "The person gave no e-mail address, so nothing was sent."
STARTER_ADDED = (
    "Added %(count)s standard questions to %(agency)s's FAQ (questions it already had were left as they were)."
)
EVALUATION_PUBLISHED = "Published %(evaluation)s. It is now the evaluation shown on the public portal."
EVALUATION_NEW_VERSION = "Started %(evaluation)s from version %(version)s. Edit it, then publish it."
SELECT_ONE_EVALUATION = "Select exactly one evaluation version to start a new version from."
COMPLIANCE_PUBLISHED = "Published the compliance report. Its figures are frozen; its public address is %(url)s"
PDF_WIDGET = forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})


def _figures_help() -> str:
    return format_html(
        "Embed a live figure by writing its name in double brackets, e.g. [[active_cameras]]. Names: <ul>{}</ul>",
        format_html_join("", "<li><code>[[{}]]</code>: {}</li>", FIGURES.items()),
    )


class PublicQuestionForm(forms.ModelForm):
    class Meta:
        model = PublicQuestion
        fields = ["answer", "published_in_faq"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 8, "cols": 90})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "answer" in self.fields:
            self.fields["answer"].help_text = _figures_help()

    def clean(self):
        data = super().clean()
        question, answer = self.instance, (data.get("answer") or "").strip()
        if question.pk and not question.is_answered:
            if not answer:
                self.add_error("answer", services.ANSWER_EMPTY)
            elif refusal := figure_names_refusal(answer):
                self.add_error("answer", refusal)
        return data


@admin.register(PublicQuestion)
class PublicQuestionAdmin(RestrictedAdmin):
    form = PublicQuestionForm
    list_display = ["asked_at", "agency", "short_question", "answered", "reply_by_email", "published_in_faq"]
    list_filter = [("answered_at", admin.EmptyFieldListFilter), "published_in_faq"]
    list_select_related = ["agency"]
    search_fields = ["question", "answer"]
    date_hierarchy = "asked_at"

    def get_fields(self, request, obj=None):
        return ["agency", "asked_at", "question", "reply_by_email", "answer", "published_in_faq", "answer_state"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["agency", "asked_at", "question", "reply_by_email", "answer_state"]
        if obj is not None and obj.is_answered:
            readonly.append("answer")  # sent: it is what the person received
        return readonly

    def has_add_permission(self, request):
        return False  # questions come from the public form only

    @admin.display(description="question")
    def short_question(self, obj):
        return str(obj)

    @admin.display(description="answered", boolean=True)
    def answered(self, obj):
        return obj.is_answered

    @admin.display(description="reply by e-mail")
    def reply_by_email(self, obj):
        if obj.email:
            return "Yes: the answer will be e-mailed, then the address deleted."
        if obj.answer_emailed_at:
            return f"E-mailed {timezone.localtime(obj.answer_emailed_at):%Y-%m-%d %H:%M}; address deleted."
        if obj.email_erased_at:
            return "Address deleted unused (kept only for a limited time)."
        return "No address given."

    @admin.display(description="state")
    def answer_state(self, obj):
        if obj is None or not obj.is_answered:
            return "Not answered yet. Saving an answer sends it."
        return f"Answered {timezone.localtime(obj.answered_at):%Y-%m-%d %H:%M} by {obj.answered_by}."

    def save_model(self, request, obj, form, change):
        before = PublicQuestion.objects.get(pk=obj.pk)
        if not before.is_answered:
            emailed = bool(before.email)
            saved = services.public_question_answer(
                question=before, answer=form.cleaned_data["answer"], user=request.user,
                publish=form.cleaned_data["published_in_faq"],
            )  # fmt: skip
            message = QUESTION_EMAILED if emailed else QUESTION_NOT_EMAILED
            self.message_user(request, QUESTION_ANSWERED.format(emailed=message), messages.SUCCESS)
        else:
            saved = services.public_question_set_published(
                question=before, published=form.cleaned_data["published_in_faq"]
            )
        obj.__dict__.update({key: value for key, value in saved.__dict__.items() if key != "_state"})


class FaqEntryForm(forms.ModelForm):
    class Meta:
        model = FaqEntry
        fields = ["agency", "question", "answer", "position", "is_published"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 6, "cols": 90})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].help_text = _figures_help()


@admin.register(FaqEntry)
class FaqEntryAdmin(RestrictedAdmin):
    form = FaqEntryForm
    list_display = ["question", "agency", "position", "is_published", "updated_at"]
    list_editable = ["position", "is_published"]
    list_filter = ["is_published", ("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["agency"]


@admin.register(ProgramFacts)
class ProgramFactsAdmin(RestrictedAdmin):
    list_display = ["agency", "cameras_planned", "cameras_planned_by", "updated_at"]
    fields = ["agency", "cameras_planned", "cameras_planned_by"]
    actions = ["add_starter_faq"]

    @admin.action(description="Add the standard questions to the selected agencies' FAQ", permissions=["change"])
    def add_starter_faq(self, request, queryset):
        for facts in queryset.select_related("agency"):
            created = services.faq_add_starter_set(agency=facts.agency)
            self.message_user(
                request, STARTER_ADDED % {"count": len(created), "agency": facts.agency}, messages.SUCCESS
            )


class ProgramCostForm(forms.ModelForm):
    class Meta:
        model = ProgramCost
        fields = ["agency", "fiscal_year", "acquisition", "installation", "annual_service", "maintenance", "document"]
        widgets = {"document": PDF_WIDGET}


@admin.register(ProgramCost)
class ProgramCostAdmin(RestrictedAdmin):
    form = ProgramCostForm
    list_display = ["agency", "label", "acquisition", "installation", "annual_service", "maintenance", "total"]
    list_select_related = ["agency"]

    @admin.display(description="fiscal year")
    def label(self, obj):
        return obj.label


@admin.register(CouncilAuthorization)
class CouncilAuthorizationAdmin(RestrictedAdmin):
    list_display = ["date", "agency", "title", "vote"]
    fields = ["agency", "date", "title", "link", "ayes", "noes", "abstentions"]
    list_select_related = ["agency"]


class CommunityPresentationForm(forms.ModelForm):
    class Meta:
        model = CommunityPresentation
        fields = ["agency", "date", "title", "document"]
        widgets = {"document": PDF_WIDGET}


@admin.register(CommunityPresentation)
class CommunityPresentationAdmin(RestrictedAdmin):
    form = CommunityPresentationForm
    list_display = ["date", "agency", "title"]
    list_select_related = ["agency"]


class SurveillanceEvaluationForm(forms.ModelForm):
    class Meta:
        model = SurveillanceEvaluation
        fields = ["agency", *EVALUATION_ELEMENTS]
        widgets = {name: forms.Textarea(attrs={"rows": 6, "cols": 90}) for name in EVALUATION_ELEMENTS}


@admin.register(SurveillanceEvaluation)
class SurveillanceEvaluationAdmin(VersionedDocumentAdmin):
    public_url_name = "transparency:evaluation"
    form = SurveillanceEvaluationForm
    list_display = ["agency", "version", "state", "published_at", "complete"]
    list_select_related = ["agency"]
    actions = ["publish_selected", "new_version_from_selected"]
    readonly_fields = ["version", "state", "missing", "published_at", "public_page"]
    fieldsets = [
        (None, {"fields": ["agency", "version", "state", "missing", "published_at", "public_page"]}),
        ("The five elements", {"fields": list(EVALUATION_ELEMENTS)}),
    ]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in EVALUATION_ELEMENTS}
        if change:
            saved = services.surveillance_evaluation_update(evaluation=obj, **fields)
        else:
            saved = services.surveillance_evaluation_create(
                agency=form.cleaned_data["agency"], user=request.user, **fields
            )
        obj.pk, obj.version, obj._state.adding = saved.pk, saved.version, False

    @admin.action(description="Publish the selected evaluation versions", permissions=["change"])
    def publish_selected(self, request, queryset):
        for evaluation in queryset.order_by("version"):
            try:
                services.surveillance_evaluation_publish(evaluation=evaluation, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{evaluation}: {message}", messages.ERROR)
            else:
                self.message_user(request, EVALUATION_PUBLISHED % {"evaluation": evaluation}, messages.SUCCESS)

    @admin.action(description="Start a new version from the selected one", permissions=["add"])
    def new_version_from_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, SELECT_ONE_EVALUATION, messages.ERROR)
            return
        base = queryset.get()
        evaluation = services.surveillance_evaluation_create(
            agency=base.agency, user=request.user, from_evaluation=base
        )
        self.message_user(
            request, EVALUATION_NEW_VERSION % {"evaluation": evaluation, "version": base.version}, messages.SUCCESS
        )


class ComplianceReportForm(forms.ModelForm):
    class Meta:
        model = ComplianceReport
        fields = ["agency", "period_start"]
        help_texts = {"period_start": "The first day of the quarter: January 1, April 1, July 1 or October 1."}

    def clean(self):
        data = super().clean()
        agency, start = data.get("agency"), data.get("period_start")
        if agency and start:
            from .services import report_period_validate

            try:
                data["period_start"], _ = report_period_validate(kind="quarter", start=start)
            except ValidationError as error:
                for errors in error.message_dict.values():
                    self.add_error("period_start", errors)
                return data
            existing = ComplianceReport.objects.filter(agency=agency, period_start=start).first()
            if existing is not None:
                self.add_error(
                    "period_start", services.COMPLIANCE_ALREADY_PUBLISHED.format(period=existing.period_label)
                )
        return data


@admin.register(ComplianceReport)
class ComplianceReportAdmin(RestrictedAdmin):
    form = ComplianceReportForm
    list_display = ["agency", "period_label", "published_at", "public_link"]
    list_select_related = ["agency"]
    readonly_fields = ["period_end", "published_at", "summary", "public_link"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "period_start"]
        return ["agency", "period_start", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return False  # published: a record

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="quarter")
    def period_label(self, obj):
        return obj.period_label

    @admin.display(description="public page")
    def public_link(self, obj):
        url = reverse("transparency:compliance", args=[obj.agency.slug, obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="frozen figures")
    def summary(self, obj):
        from .program_selectors import COMPLIANCE_ROWS

        rows = [(label, obj.figures.get(key)) for key, label in COMPLIANCE_ROWS]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))

    def save_model(self, request, obj, form, change):
        report = services.compliance_report_publish(
            agency=form.cleaned_data["agency"], period_start=form.cleaned_data["period_start"], user=request.user
        )
        obj.__dict__.update({key: value for key, value in report.__dict__.items() if key != "_state"})
        obj._state.adding = False
        url = request.build_absolute_uri(reverse("transparency:compliance", args=[report.agency.slug, report.pk]))
        self.message_user(request, COMPLIANCE_PUBLISHED % {"url": url}, messages.SUCCESS)
