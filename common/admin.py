"""Admin base: a records clerk sees and changes only their own agency's records; a superuser sees all."""

from django.contrib import admin

from agencies.access import membership_of


class AgencyScopedAdmin(admin.ModelAdmin):
    """Narrow the changelist to the signed-in user's agency through `agency_field` (a lookup path to Agency)."""

    agency_field = "agency"
    # Pages that show ALPR information (alerts with their read, recognition jobs with their images): a superuser
    # sees there only what their own agency membership gives, like anyone. Operators reach other agencies' reads
    # only through the logged operator look-up (reads.operator), never by browsing admin unlogged.
    holds_alpr_data = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser and not self.holds_alpr_data:
            return qs
        membership = membership_of(request.user)
        if membership is None:
            return qs.none()
        return qs.filter(**{self.agency_field: membership.agency_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The agency a clerk files records for is their own.
        if db_field.name == self.agency_field and not request.user.is_superuser:
            membership = membership_of(request.user)
            kwargs["queryset"] = db_field.related_model.objects.filter(pk=membership.agency_id if membership else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
