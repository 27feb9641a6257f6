"""The "due for deactivation" filter and the bulk "deactivate" action of the user admin (State Auditor report
2019-118: accounts are deactivated when people leave or their training lapses)."""

from django.contrib import admin, messages

from .selectors import INACTIVITY_DAYS, inactive_q, training_lapsed_q, users_due_for_deactivation
from .services import accounts_deactivate

DEACTIVATED = "Deactivated {count} account(s) and revoked their API tokens."


class DueForDeactivationFilter(admin.SimpleListFilter):
    title = "due for deactivation"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("any", "Any reason"),
            ("inactive", f"No sign-in for {INACTIVITY_DAYS} days"),
            ("training", "Training lapsed"),
        ]

    def queryset(self, request, queryset):
        if self.value() not in ("any", "inactive", "training"):
            return queryset
        due = users_due_for_deactivation(queryset)
        if self.value() == "inactive":
            return due.filter(inactive_q())
        if self.value() == "training":
            return due.filter(training_lapsed_q())
        return due


@admin.action(description="Deactivate selected accounts (and revoke their API tokens)", permissions=["change"])
def deactivate_accounts(modeladmin, request, queryset):
    count = accounts_deactivate(users=queryset, deactivated_by=request.user)
    modeladmin.message_user(request, DEACTIVATED.format(count=count), messages.SUCCESS)
