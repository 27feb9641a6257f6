from django.apps import AppConfig


class HotlistsConfig(AppConfig):
    name = "hotlists"
    verbose_name = "Hotlists and alerts"

    def ready(self) -> None:
        from common.health import register_check

        from .notifications import notification_backlog_health

        register_check("notification_backlog", notification_backlog_health)
