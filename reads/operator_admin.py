"""The admin page through which a superuser (system operator) looks at an agency's reads: a purpose and a case or
ticket number first, an access-log row under that agency always (reads.operator.operator_read_lookup)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from agencies.models import Agency
from common.api import client_address

from .choices import Purpose
from .operator import is_operator, operator_read_lookup


class OperatorLookupForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("name"), help_text="Whose data you reach.")
    plate = forms.CharField(max_length=20)
    purpose = forms.ChoiceField(choices=[("", "---------"), *Purpose.choices], required=False)
    purpose_detail = forms.CharField(max_length=500, required=False, label="Purpose, in words")
    case_number = forms.CharField(max_length=64, required=False, label="Case or ticket number")


def operator_lookup_view(request):
    if not is_operator(request.user):
        raise PermissionDenied
    form = OperatorLookupForm(request.POST or None)
    reads = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reads = operator_read_lookup(
                user=request.user,
                agency=data["agency"],
                plate=data["plate"],
                purpose=data["purpose"],
                purpose_detail=data["purpose_detail"],
                case_number=data["case_number"],
                client_address=client_address(request),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    context = {
        **admin.site.each_context(request),
        "title": "Operator look-up of an agency's reads (logged)",
        "form": form,
        "reads": reads,
    }
    status = 400 if request.method == "POST" and reads is None else 200
    return TemplateResponse(request, "reads/operator_lookup.html", context, status=status)
