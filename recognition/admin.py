from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from agencies.access import access_of, field_choices
from common.admin import RestrictedAdmin
from reads.models import Camera

from .models import RecognitionJob
from .services import job_create
from .uploads import UploadRejected


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(item, initial) for item in files if item]


class UploadForm(forms.Form):
    camera = forms.ModelChoiceField(queryset=Camera.objects.none())
    captured_at = forms.DateTimeField(required=False, help_text="Leave empty to use each image's EXIF time.")
    images = MultipleImageField(widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))


@admin.register(RecognitionJob)
class RecognitionJobAdmin(RestrictedAdmin):
    holds_alpr_data = True  # a superuser sees only their own agency's jobs (common.admin)
    list_display = ["id", "original_name", "camera", "status", "read_count", "total_ms", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in RecognitionJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="recognition_job_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Images become the agency's reads: as through the API (recognition.api.views.UploadPermission), only
        someone who may reach ALPR data now (the choke point: of an active agency, trained) with the role's
        permission uploads, and only for their own agency's cameras. A superuser of no agency uploads nothing."""
        access = access_of(request.user)
        if access.refusal is not None or not request.user.has_perm("recognition.add_recognitionjob"):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        # The choke point's choices, and of those the user's own agency's only (a superuser's choices are all cameras).
        cameras = field_choices(RecognitionJob, "camera", request.user).filter(agency_id=access.agency_id)
        form.fields["camera"].queryset = cameras.order_by("name")
        if request.method == "POST" and form.is_valid():
            created = 0
            for upload in form.cleaned_data["images"]:
                try:
                    _, is_new = job_create(
                        user=request.user,
                        camera=form.cleaned_data["camera"],
                        data=upload.read(),
                        name=upload.name,
                        captured_at=form.cleaned_data["captured_at"],
                    )
                    created += is_new
                except UploadRejected as exc:
                    self.message_user(request, f"{upload.name}: {exc}", messages.ERROR)
            self.message_user(request, f"{created} image(s) queued for recognition.", messages.SUCCESS)
            return redirect("admin:recognition_recognitionjob_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Upload images for recognition"}
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/recognition/upload.html", context, status=status)
