from django.apps import AppConfig


class HotlistsConfig(AppConfig):
    name = "hotlists"
    verbose_name = "Hotlists and alerts"

    def ready(self) -> None:
        # Reads sits below hotlists and imports none of it: its ingest calls the matcher registered here.
        from reads.hooks import register_ingest_matcher

        from .matching import match_ingested_reads, reads_alerted

        register_ingest_matcher(match_ingested_reads, reads_alerted)

        # The reads purge takes alerts and their images with it (hotlists/retention.py).
        from reads.files import READS_ROOT
        from reads.retention import orphan_references_register, purge_hooks_register

        from .retention import alert_files_needed, alerts_purge_expired, alerts_referencing

        purge_hooks_register(before_reads=alerts_purge_expired, files_needed=alert_files_needed)
        orphan_references_register(READS_ROOT, alerts_referencing)

        from common.health import register_check

        from .notifications import notification_backlog_health

        register_check("notification_backlog", notification_backlog_health)
