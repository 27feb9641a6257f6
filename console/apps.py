from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The investigators' and officers' web console: pages over the same services as the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
    verbose_name = "Console"
